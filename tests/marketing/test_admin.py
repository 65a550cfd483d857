"""Django admin: brand scoping for staff, bulk actions through the services, read-only facts, tokens."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from marketing.models import (
    ApiToken,
    Campaign,
    CampaignStatus,
    Interaction,
    ModerationStatus,
    Role,
    Video,
    hash_token,
)
from tests.factories import (
    BrandFactory,
    CampaignFactory,
    InteractionFactory,
    MembershipFactory,
    UserFactory,
    VideoFactory,
    platform,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand_a():
    return BrandFactory(name="Brand A")


@pytest.fixture
def brand_b():
    return BrandFactory(name="Brand B")


def staff_of(brand, role=Role.EDITOR):
    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, brand=brand, role=role)
    return user


@pytest.fixture
def staff_client(client, brand_a):
    client.force_login(staff_of(brand_a))
    return client


def changelist_pks(client, model: str) -> list[int]:
    response = client.get(reverse(f"admin:marketing_{model}_changelist"))
    assert response.status_code == 200
    return sorted(obj.pk for obj in response.context["cl"].result_list)


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def action(client, model: str, name: str, pks, **extra):
    return client.post(reverse(f"admin:marketing_{model}_changelist"),
                       {"action": name, "_selected_action": [str(pk) for pk in pks], **extra})


# --- scoping -------------------------------------------------------------------------------------


def test_staff_see_only_their_brands_videos(staff_client, brand_a, brand_b):
    mine = [VideoFactory(brand=brand_a).pk for _ in range(2)]
    VideoFactory(brand=brand_b)
    assert changelist_pks(staff_client, "video") == sorted(mine)


def test_staff_see_only_their_brands_campaigns(staff_client, brand_a, brand_b):
    mine = CampaignFactory(brand=brand_a).pk
    CampaignFactory(brand=brand_b)
    assert changelist_pks(staff_client, "campaign") == [mine]


def test_staff_see_only_their_brands_interactions(staff_client, brand_a, brand_b):
    mine = InteractionFactory(brand=brand_a).pk
    InteractionFactory(brand=brand_b)
    assert changelist_pks(staff_client, "interaction") == [mine]


def test_another_brands_change_page_is_not_found(staff_client, brand_b):
    other = VideoFactory(brand=brand_b)
    response = staff_client.get(reverse("admin:marketing_video_change", args=[other.pk]))
    # The admin answers a missing object with a redirect to its index (302); either way nothing shows.
    assert (response.status_code in (302, 404), other.title in response.content.decode()) == (True, False)


def test_brand_choices_are_limited_to_the_staff_members_brands(staff_client, brand_a, brand_b):
    response = staff_client.get(reverse("admin:marketing_video_add"))
    assert list(response.context["adminform"].form.fields["brand"].queryset) == [brand_a]


def test_a_viewer_role_cannot_change_a_video(client, brand_a):
    client.force_login(staff_of(brand_a, role=Role.VIEWER))
    video = VideoFactory(brand=brand_a, title="Original")
    client.post(reverse("admin:marketing_video_change", args=[video.pk]),
                {"title": "Changed", "duration_ms": 1000})
    assert Video.objects.get(pk=video.pk).title == "Original"


# --- moderation -------------------------------------------------------------------------------


def test_approve_action_approves_through_the_service(staff_client, brand_a):
    pending = [VideoFactory(brand=brand_a, moderation_status=ModerationStatus.PENDING).pk for _ in range(2)]
    action(staff_client, "video", "approve_videos", pending)
    assert list(Video.objects.filter(pk__in=pending).values_list("moderation_status", "moderated_by__is_staff")
                ) == [(ModerationStatus.APPROVED, True)] * 2


def test_reject_without_a_reason_shows_the_form_and_changes_nothing(staff_client, brand_a):
    video = VideoFactory(brand=brand_a, moderation_status=ModerationStatus.PENDING)
    response = action(staff_client, "video", "reject_videos", [video.pk], apply="Reject", reason="  ")
    assert (response.status_code, "This field is required" in response.content.decode(),
            Video.objects.get(pk=video.pk).moderation_status) == (200, True, ModerationStatus.PENDING)


def test_reject_with_a_reason_rejects_and_stores_it(staff_client, brand_a):
    video = VideoFactory(brand=brand_a, moderation_status=ModerationStatus.PENDING)
    action(staff_client, "video", "reject_videos", [video.pk], apply="Reject", reason="Logo covers the product")
    video.refresh_from_db()
    assert (video.moderation_status, video.moderation_reason) == (ModerationStatus.REJECTED,
                                                                  "Logo covers the product")


# --- campaign transitions ---------------------------------------------------------------------


def test_a_forbidden_transition_is_reported_and_not_applied(staff_client, brand_a):
    active = CampaignFactory(brand=brand_a, status=CampaignStatus.ACTIVE, name="Running")
    draft = CampaignFactory(brand=brand_a, status=CampaignStatus.DRAFT, name="Drafted")
    response = action(staff_client, "campaign", "pause_campaigns", [active.pk, draft.pk])
    statuses = dict(Campaign.objects.values_list("name", "status"))
    assert (statuses, messages_of(response)) == (
        {"Running": CampaignStatus.PAUSED, "Drafted": CampaignStatus.DRAFT},
        ["Drafted: A draft campaign cannot become paused (allowed: archived, scheduled).",
         "1 campaign(s) now paused."])


# --- read-only facts --------------------------------------------------------------------------


def test_interactions_cannot_be_added(staff_client):
    assert staff_client.get(reverse("admin:marketing_interaction_add")).status_code == 403


def test_interactions_cannot_be_deleted(staff_client, brand_a):
    interaction = InteractionFactory(brand=brand_a)
    response = staff_client.post(reverse("admin:marketing_interaction_delete", args=[interaction.pk]), {"post": "yes"})
    assert (response.status_code, Interaction.objects.filter(pk=interaction.pk).exists()) == (403, True)


def test_interactions_cannot_be_changed(staff_client, brand_a):
    interaction = InteractionFactory(brand=brand_a, kind="impression")
    response = staff_client.post(reverse("admin:marketing_interaction_change", args=[interaction.pk]),
                                 {"kind": "click"})
    assert (response.status_code, Interaction.objects.get(pk=interaction.pk).kind) == (403, "impression")


# --- API tokens -----------------------------------------------------------------------------------


def test_adding_a_token_shows_the_raw_token_once(client, brand_a):
    client.force_login(staff_of(brand_a, role=Role.ADMIN))
    response = client.post(reverse("admin:marketing_apitoken_add"),
                           {"brand": brand_a.pk, "name": "CI", "role": Role.VIEWER}, follow=True)
    shown = [m for m in messages_of(response) if "shown only once" in m]
    raw = shown[0].split(": ", 1)[1].split()[0]
    token = ApiToken.objects.get()
    assert (len(shown), token.token_hash, token.name, token.role) == (1, hash_token(raw), "CI", Role.VIEWER)


def test_the_raw_token_is_not_shown_again_on_its_page(client, brand_a):
    client.force_login(staff_of(brand_a, role=Role.ADMIN))
    client.post(reverse("admin:marketing_apitoken_add"), {"brand": brand_a.pk, "name": "CI", "role": Role.VIEWER})
    token = ApiToken.objects.get()
    page = client.get(reverse("admin:marketing_apitoken_change", args=[token.pk])).content.decode()
    assert (token.prefix in page, token.token_hash in page) == (True, False)


def test_an_editor_cannot_issue_tokens(staff_client):
    assert staff_client.get(reverse("admin:marketing_apitoken_add")).status_code == 403


def test_revoke_action_revokes_the_token(client, brand_a):
    client.force_login(staff_of(brand_a, role=Role.ADMIN))
    token = ApiToken.objects.create(brand=brand_a, name="old", prefix="rbt_x", token_hash="h" * 64)
    action(client, "apitoken", "revoke_tokens", [token.pk])
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- forms write through the services --------------------------------------------------------------


def test_adding_a_video_goes_through_the_service_with_its_tags(staff_client, brand_a):
    staff_client.post(reverse("admin:marketing_video_add"), {
        "brand": brand_a.pk, "platform": platform("douyin").pk, "external_id": "ext-1", "title": "Serum", "duration_ms": 30000,
        "category": "beauty"})
    video = Video.objects.get(external_id="ext-1")
    assert (video.brand_id, video.moderation_status, video.title) == (brand_a.pk, ModerationStatus.PENDING, "Serum")


def test_a_campaign_with_an_unapproved_video_is_refused_with_the_services_message(staff_client, brand_a):
    pending = VideoFactory(brand=brand_a, moderation_status=ModerationStatus.PENDING)
    response = staff_client.post(reverse("admin:marketing_campaign_add"), {
        "brand": brand_a.pk, "name": "Launch", "objective": "sales", "starts_at_0": "2026-01-01",
        "starts_at_1": "00:00:00", "currency": "CNY", "videos": [pending.pk],
        "spend-TOTAL_FORMS": 0, "spend-INITIAL_FORMS": 0})
    errors = response.context["adminform"].form.errors
    assert (Campaign.objects.count(), errors["videos"]) == (
        0, [f"Only approved videos can be promoted; not approved: {pending.pk}."])


@pytest.mark.parametrize("model", ["brand", "membership", "apitoken", "platform", "tag", "video", "campaign",
                                   "campaignspend", "viewer", "interaction", "demo.demosegment",
                                   "demo.demoviewersegment"])
def test_every_changelist_renders_for_a_superuser(admin_client, model):
    InteractionFactory()
    app, _, model = model.rpartition(".")
    assert admin_client.get(reverse(f"admin:{app or 'marketing'}_{model}_changelist")).status_code == 200

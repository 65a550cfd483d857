"""Admin hardening: token pages for brand admins only, expiry warnings, actions checked per row's brand role,
brand filters listing only the caller's brands."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from marketing.models import ApiToken, Role
from tests.factories import BrandFactory, MembershipFactory, UserFactory, make_token

pytestmark = pytest.mark.django_db


def staff_of(brand, role):
    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, brand=brand, role=role)
    return user


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


# --- API token pages (item 9): brand admins only, as in GraphQL -----------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_viewers_and_editors_cannot_see_api_tokens(client, role):
    brand = BrandFactory()
    token, _ = make_token(brand=brand)
    client.force_login(staff_of(brand, role))
    statuses = (client.get(reverse("admin:marketing_apitoken_changelist")).status_code,
                client.get(reverse("admin:marketing_apitoken_change", args=[token.pk])).status_code)
    assert statuses == (403, 403)


def test_a_brand_admin_sees_the_tokens_with_their_expiry(client):
    brand = BrandFactory()
    token, _ = make_token(brand=brand)
    client.force_login(staff_of(brand, Role.ADMIN))
    response = client.get(reverse("admin:marketing_apitoken_changelist"))
    assert ([t.pk for t in response.context["cl"].result_list], "expires_at" in response.context["cl"].list_display
            ) == ([token.pk], True)


def test_brand_admins_are_warned_of_tokens_expiring_soon(client):
    brand = BrandFactory()
    soon, _ = make_token(brand=brand, name="soon")
    make_token(brand=brand, name="later")
    ApiToken.objects.filter(pk=soon.pk).update(expires_at=timezone.now() + timedelta(days=3))
    client.force_login(staff_of(brand, Role.ADMIN))
    response = client.get(reverse("admin:marketing_apitoken_changelist"))
    assert messages_of(response) == [
        "1 active token expires within 30 days: issue a replacement and update its client."]


def test_the_admin_issues_a_token_with_the_chosen_expiry(client):
    brand = BrandFactory()
    client.force_login(staff_of(brand, Role.ADMIN))
    client.post(reverse("admin:marketing_apitoken_add"),
                {"brand": brand.pk, "name": "CI", "role": Role.VIEWER, "expires_in_days": 10})
    token = ApiToken.objects.get()
    assert timedelta(days=10) - timedelta(minutes=1) < token.expires_at - token.created_at <= timedelta(days=10)


# --- every admin action (item 6): the GraphQL mutation's role, on every selected row's brand ---------

PROJECT_APPS = ("marketing", "jobs", "analytics", "personas", "recommendations", "adplatforms", "demo")
# Admin action -> the GraphQL mutation doing the same thing (their required roles must agree).
ACTION_MUTATION = {
    ("apitoken", "revoke_tokens"): "revokeApiToken",
    ("video", "approve_videos"): "moderateVideo", ("video", "reject_videos"): "moderateVideo",
    ("video", "send_back_to_review"): "moderateVideo",
    ("campaign", "activate_campaigns"): "changeCampaignStatus", ("campaign", "pause_campaigns"): "changeCampaignStatus",
    ("campaign", "complete_campaigns"): "changeCampaignStatus",
    ("viewer", "erase_viewers"): "eraseViewer",
    ("kpireport", "resend"): "resendReport",
    ("personamodel", "activate"): "activatePersonaModel",
    ("recommendermodel", "activate"): "activateRecommender",
    ("adaccount", "sync_accounts"): "syncAdAccount",
    ("recommenderexperiment", "stop"): "stopExperiment", ("recommenderexperiment", "promote"): "promoteExperiment",
}

# Admin actions with no GraphQL counterpart, and the role they need (the role that changes the row).
ACTION_ROLE_WITHOUT_MUTATION = {("kpireportschedule", "rotate_webhook_secret"): Role.EDITOR,
                                ("alertendpoint", "rotate_webhook_secret"): Role.EDITOR,
                                ("pacingalert", "resend"): Role.EDITOR}


def _project_admins():
    from django.contrib import admin

    return {model: ma for model, ma in admin.site._registry.items() if model._meta.app_label in PROJECT_APPS}


ALL_ACTIONS = sorted((model._meta.label, name) for model, ma in _project_admins().items()
                     for _, name, _ in ma._get_base_actions())


def test_every_custom_action_needs_its_mutations_role():
    from django.contrib import admin

    from tests.marketing.test_graphql_isolation import MUTATION_MIN_ROLE

    custom = {(model._meta.model_name, name): getattr(func, "required_role", None)
              for model, ma in _project_admins().items() for func, name, _ in ma._get_base_actions()
              if func is not admin.actions.delete_selected}
    assert custom == {**{key: MUTATION_MIN_ROLE[mutation] for key, mutation in ACTION_MUTATION.items()},
                      **ACTION_ROLE_WITHOUT_MUTATION}


@pytest.fixture
def viewer_world(db):
    """A brand with a row of every project model, and a viewer-role staff member holding every model
    permission of the project's apps (the worst case: roles, not model permissions, must stop them)."""
    from datetime import date

    from django.contrib.auth.models import Permission

    from analytics.models import AlertEndpoint, DailyRollup, KpiReport
    from analytics.personas.models import CampaignTargetPersona
    from demo.models import DemoSegment, DemoViewerSegment
    from marketing.models import AuditEntry, Tag
    from tests.marketing.test_graphql_isolation import seed

    brand = BrandFactory()
    objects = seed(brand)
    user = staff_of(brand, Role.VIEWER)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=PROJECT_APPS))
    video, campaign, viewer = objects["Video"], objects["Campaign"], objects["Viewer"]
    Tag.objects.create(brand=brand, name="launch").videos.add(video)
    DailyRollup.objects.create(brand=brand, campaign=campaign, video=video, platform=video.platform,
                               day=date(2026, 1, 1), views=3)
    CampaignTargetPersona.objects.create(campaign=campaign, persona=objects["Persona"])
    AuditEntry.objects.create(brand=brand, source="admin", action="change")
    AlertEndpoint.objects.create(brand=brand, recipients="ads@example.com")
    DemoViewerSegment.objects.create(viewer=viewer, segment=DemoSegment.objects.create(name="segment"))
    video.moderation_status = "pending"
    video.save()
    KpiReport.objects.filter(brand=brand).update(status="sent", email_sent_at=timezone.now())
    return brand, user


def _all_rows() -> str:
    import json

    from django.forms.models import model_to_dict

    return json.dumps({model._meta.label: sorted((model_to_dict(row) for row in model._default_manager.all()),
                                                 key=lambda r: r["id"])
                       for model in _project_admins()}, sort_keys=True, default=str)


@pytest.mark.parametrize("label,action", ALL_ACTIONS)
def test_a_viewer_role_staff_member_can_run_no_admin_action(client, viewer_world, label, action):
    from django.apps import apps
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    _, user = viewer_world
    model = apps.get_model(label)
    modeladmin = admin.site._registry[model]
    data = {"apply": "1", "post": "yes", "reason": "Off-brand."}  # every confirmation step answered
    request = RequestFactory().post("/", data)
    request.user, request.session = user, client.session
    request._messages = FallbackStorage(request)
    rows = modeladmin.get_queryset(request)
    assert rows.exists(), f"the world needs a {label} row the viewer can see"
    before = _all_rows()
    client.force_login(user)
    response = client.post(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"),
                           {"action": action, "_selected_action": list(rows.values_list("pk", flat=True)), **data})
    func = dict((name, f) for f, name, _ in modeladmin._get_base_actions())[action]
    try:  # called directly too: the check is in the action, not only in the menu
        func(modeladmin, request, rows)
    except PermissionDenied:  # delete_selected's own per-row check
        pass
    assert (action in modeladmin.get_actions(request), response.status_code in (200, 302, 403), _all_rows()) == (
        False, True, before)


def test_an_action_is_refused_when_one_selected_row_is_of_a_brand_where_the_role_is_lower(client):
    from marketing.models import ModerationStatus, Video
    from tests.factories import VideoFactory

    own, other = BrandFactory(), BrandFactory()
    user = staff_of(own, Role.EDITOR)
    MembershipFactory(user=user, brand=other, role=Role.VIEWER)
    videos = [VideoFactory(brand=own, moderation_status="pending"), VideoFactory(brand=other, moderation_status="pending")]
    client.force_login(user)
    response = client.post(reverse("admin:marketing_video_changelist"),
                           {"action": "approve_videos", "_selected_action": [v.pk for v in videos]}, follow=True)
    assert (sorted(Video.objects.values_list("moderation_status", flat=True)), messages_of(response)) == (
        [ModerationStatus.PENDING] * 2, ["Nothing done: your role on 1 brand of the selection is below Editor."])


# --- brand sidebar filters (item 7): the caller's brands only ----------------------------------------


@pytest.mark.parametrize("label", sorted(m._meta.label for m in _project_admins()))
def test_no_changelist_names_another_brand(client, viewer_world, label):
    from django.apps import apps
    from django.contrib.auth.models import Permission

    brand, _ = viewer_world
    BrandFactory(name="Zeta Other Tenant")
    user = staff_of(brand, Role.ADMIN)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=PROJECT_APPS))
    client.force_login(user)
    model = apps.get_model(label)
    response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    assert (response.status_code in (200, 403), "Zeta Other Tenant" in response.content.decode()) == (True, False)


def test_the_brand_filter_lists_the_callers_brands(client):
    own, second = BrandFactory(name="Own Brand"), BrandFactory(name="Second Own Brand")
    BrandFactory(name="Zeta Other Tenant")
    user = staff_of(own, Role.VIEWER)
    MembershipFactory(user=user, brand=second, role=Role.VIEWER)
    client.force_login(user)
    response = client.get(reverse("admin:marketing_video_changelist"))
    brand_filter = next(f for f in response.context["cl"].filter_specs if getattr(f, "field_path", "") == "brand")
    assert [title for _, title in brand_filter.lookup_choices] == ["Own Brand", "Second Own Brand"]


# --- one brand-scoped admin base (the house issue): brand roles, not Django model permissions ----------------

# Project admins outside the base: the global platform catalogue and the demo's planted truth (superusers only).
NOT_BRAND_SCOPED = {"marketing.Platform", "demo.DemoSegment", "demo.DemoViewerSegment"}


def test_every_brand_scoped_admin_shares_one_base():
    from marketing.admin_access import BrandScopedAdmin

    outside = sorted(model._meta.label for model, ma in _project_admins().items()
                     if not isinstance(ma, BrandScopedAdmin))
    assert outside == sorted(NOT_BRAND_SCOPED)


@pytest.mark.parametrize("label", sorted(m._meta.label for m in _project_admins() if m._meta.label not in NOT_BRAND_SCOPED))
def test_a_role_without_model_permissions_sees_exactly_its_brands_rows(client, viewer_world, label):
    from django.apps import apps
    from django.contrib import admin

    from marketing.admin_access import brand_path_of
    from tests.marketing.test_graphql_isolation import seed

    brand, _ = viewer_world
    seed(BrandFactory())  # another tenant's rows of the same models
    model = apps.get_model(label)
    modeladmin = admin.site._registry[model]
    user = staff_of(brand, modeladmin.view_role)  # the least role that sees the model; no Django model permission
    path = brand_path_of(model)
    expected = sorted(model._default_manager.filter(**{path if path == "pk" else f"{path}__pk": brand.pk})
                      .values_list("pk", flat=True))
    client.force_login(user)
    response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    shown = sorted(row.pk for row in response.context["cl"].result_list)
    assert (response.status_code, shown) == (200, expected) and expected


@pytest.mark.parametrize("label", ["adplatforms.AdAccount", "marketing.ApiToken"])
def test_a_role_below_the_models_view_role_is_refused(client, viewer_world, label):
    from django.apps import apps

    brand, _ = viewer_world
    model = apps.get_model(label)
    client.force_login(staff_of(brand, Role.VIEWER))
    assert client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")).status_code == 403


def test_an_editors_admin_change_of_a_report_schedule_is_audited(client):
    from datetime import time

    from analytics.models import KpiReportSchedule
    from marketing.models import AuditEntry

    brand = BrandFactory()
    schedule = KpiReportSchedule.objects.create(brand=brand, name="weekly", send_at=time(8),
                                                recipients="ads@example.com")
    user = staff_of(brand, Role.EDITOR)
    client.force_login(user)
    url = reverse("admin:analytics_kpireportschedule_change", args=[schedule.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(name="weekly, renamed", campaigns=[], brand=brand.pk)
    response = client.post(url, data)
    schedule.refresh_from_db()
    entry = AuditEntry.objects.get(action="change")
    assert (response.status_code, schedule.name, entry.brand_id, entry.actor_user_id, entry.object_type,
            entry.object_id) == (302, "weekly, renamed", brand.pk, user.pk, "kpireportschedule", str(schedule.pk))

"""Viewers' privacy rights (eraseViewer, exportViewerData, erase_viewer) and the audit log."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.urls import reverse

from analytics import reach, rollups
from analytics.models import DailyReach, DailyRollup, DailyViewerRollup, VideoReachBlock
from analytics.personas.models import PersonaAssignment
from analytics.personas.services import persona_model_create, persona_model_train
from marketing.models import AuditEntry, Campaign, Interaction, InteractionKind, Role, Viewer
from tests.conftest import member
from tests.factories import CampaignFactory, InteractionFactory, VideoFactory, ViewerFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok
from tests.personas.world import build_world

pytestmark = pytest.mark.django_db

ERASE = """mutation($id: ID!) { eraseViewer(input: {viewerId: $id}) {
    erasedInteractions erasedPersonaAssignments errors { field code message } } }"""
EXPORT = """mutation($id: ID!) { exportViewerData(input: {viewerId: $id}) { data errors { field code } } }"""


def rollup_totals(brand) -> dict[str, int]:
    sums = DailyRollup.objects.filter(brand=brand).aggregate(
        impressions=Sum("impressions"), views=Sum("views"), likes=Sum("likes"))
    return {k: v or 0 for k, v in sums.items()}


def raw_totals(brand) -> dict[str, int]:
    """The same totals counted from the raw interactions that remain."""
    rows = Interaction.objects.filter(brand=brand)
    return {"impressions": rows.filter(kind=InteractionKind.IMPRESSION).count(),
            "views": rows.filter(kind=InteractionKind.VIEW).count(),
            "likes": rows.filter(kind=InteractionKind.LIKE).count()}


@pytest.fixture
def trained_world(brand):
    build_world(brand)
    rollups.recompute_brand(brand_id=brand.pk)
    model = persona_model_create(brand_id=brand.pk, params={"k": 3, "random_state": 0, "activate": True})
    persona_model_train(persona_model_id=model.pk)
    return brand


def test_erase_viewer_removes_everything_and_the_kpis_follow(trained_world, django_capture_on_commit_callbacks):
    brand = trained_world
    viewer = Viewer.objects.filter(brand=brand, persona_assignments__isnull=False).first()
    mine = Interaction.objects.filter(viewer=viewer)
    expected = {"interactions": mine.count(), "persona_assignments": viewer.persona_assignments.count()}
    token, raw = make_token(brand=brand, role=Role.ADMIN)

    with django_capture_on_commit_callbacks(execute=True):
        data = ok(gql(ERASE, {"id": gid(viewer)}, token=raw))

    assert data["eraseViewer"] == {"erasedInteractions": expected["interactions"],
                                   "erasedPersonaAssignments": expected["persona_assignments"], "errors": []}
    left = (Viewer.objects.filter(pk=viewer.pk).count(), Interaction.objects.filter(viewer_id=viewer.pk).count(),
            PersonaAssignment.objects.filter(viewer_id=viewer.pk).count(),
            DailyViewerRollup.objects.filter(viewer_id=viewer.pk).count())
    assert left == (0, 0, 0, 0)
    assert rollup_totals(brand) == raw_totals(brand)  # the refresh ran on commit
    # ...and rebuilt the viewer sets: the erased id is in no day set or pre-unioned block
    sets = [*DailyReach.objects.filter(brand=brand).values_list("viewers", flat=True),
            *VideoReachBlock.objects.filter(brand=brand).values_list("viewers", flat=True)]
    assert VideoReachBlock.objects.filter(brand=brand, level__gt=0).exists()
    assert [blob for blob in sets if viewer.pk in reach.load(blob)] == []
    entry = AuditEntry.objects.get(action="eraseViewer")
    assert (entry.source, entry.brand_id, entry.actor_token_id, entry.object_type, entry.object_id, entry.details,
            entry.succeeded) == ("api", brand.pk, token.pk, "viewer", str(viewer.pk), expected, True)
    assert viewer.viewer_key not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_training_after_an_erasure_no_longer_sees_the_viewer(trained_world, django_capture_on_commit_callbacks):
    brand = trained_world
    viewer = Viewer.objects.filter(brand=brand).first()
    _, raw = make_token(brand=brand, role=Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        ok(gql(ERASE, {"id": gid(viewer)}, token=raw))
    model = persona_model_create(brand_id=brand.pk, params={"k": 3, "random_state": 0, "activate": False})
    persona_model_train(persona_model_id=model.pk)
    assigned = set(PersonaAssignment.objects.filter(model=model).values_list("viewer_id", flat=True))
    assert (viewer.pk in assigned, len(assigned)) == (False, Viewer.objects.filter(brand=brand).count())


def test_export_returns_everything_stored_about_the_viewer(brand):
    viewer = ViewerFactory(brand=brand, gender="female", age_band="18-24", region="Guangdong")
    campaign = CampaignFactory(brand=brand, name="Spring")
    events = [InteractionFactory(brand=brand, viewer=viewer, campaign=campaign, kind=InteractionKind.VIEW,
                                 watch_ms=1000 * i) for i in range(1, 4)]
    InteractionFactory(brand=brand)  # someone else's
    _, raw = make_token(brand=brand, role=Role.ADMIN)
    data = ok(gql(EXPORT, {"id": gid(viewer)}, token=raw))["exportViewerData"]
    exported = data["data"]
    assert (data["errors"], exported["viewer"]["pseudonymous_key"], exported["viewer"]["gender"],
            exported["viewer"]["region"]) == ([], viewer.viewer_key, "female", "Guangdong")
    assert [(e["event_id"], e["kind"], e["watch_ms"], e["campaign"]) for e in exported["interactions"]] == [
        (e.event_id, "view", e.watch_ms, "Spring") for e in events]
    assert exported["persona_assignments"] == []
    assert AuditEntry.objects.filter(action="exportViewerData", object_id=str(viewer.pk)).count() == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_only_brand_admins_may_erase_and_a_refusal_is_audited(brand, role):
    viewer = InteractionFactory(brand=brand).viewer
    _, raw = make_token(brand=brand, role=role)
    data = ok(gql(ERASE, {"id": gid(viewer)}, token=raw))["eraseViewer"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("viewerId", "PERMISSION_DENIED")]
    assert (Viewer.objects.filter(pk=viewer.pk).exists(), Interaction.objects.filter(viewer=viewer).count()) == (
        True, 1)
    assert list(AuditEntry.objects.values_list("action", "succeeded")) == [("eraseViewer", False)]


def test_another_brands_viewer_is_not_found_and_kept(brand, other_brand):
    viewer = InteractionFactory(brand=other_brand).viewer
    _, raw = make_token(brand=brand, role=Role.ADMIN)
    for query in (ERASE, EXPORT):
        body = ok(gql(query, {"id": gid(viewer)}, token=raw))
        assert [e["code"] for e in next(iter(body.values()))["errors"]] == ["NOT_FOUND"]
    assert Interaction.objects.filter(viewer=viewer).count() == 1


def test_erase_command_finds_the_viewer_by_platform_user_id_and_never_prints_it(
        brand, capsys, tmp_path, django_capture_on_commit_callbacks):
    from marketing.models import pseudonymise_viewer_id

    viewer = ViewerFactory(brand=brand, viewer_key=pseudonymise_viewer_id(
        brand_id=brand.pk, platform_code="douyin", raw_id="dy-user-8841"))
    InteractionFactory(brand=brand, viewer=viewer)
    export = tmp_path / "viewer.json"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_viewer", "--brand", brand.slug, "--platform", "douyin", "--platform-user-id",
                     "dy-user-8841", "--export", str(export))
    out = capsys.readouterr().out
    assert (out.strip(), "dy-user-8841" in out) == (
        f"Erased viewer {viewer.pk}: 1 interactions, 0 persona assignments; KPI rollups are being refreshed.", False)
    assert json.loads(export.read_text())["viewer"]["pseudonymous_key"] == viewer.viewer_key
    assert list(AuditEntry.objects.order_by("id").values_list("source", "action")) == [
        ("command", "exportViewerData"), ("command", "eraseViewer")]
    with pytest.raises(CommandError, match="viewer: No such viewer."):
        call_command("erase_viewer", "--brand", brand.slug, "--platform", "douyin", "--platform-user-id",
                     "dy-user-8841")


def test_every_api_mutation_is_audited_with_its_outcome(brand):
    campaign = CampaignFactory(brand=brand, name="Before")
    token, raw = make_token(brand=brand, role=Role.EDITOR)
    update = """mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { errors { code } } }"""
    ok(gql(update, {"input": {"id": gid(campaign), "name": "After"}}, token=raw))
    ok(gql(update, {"input": {"id": gid(campaign), "budgetDaily": "-1"}}, token=raw))
    ok(gql("{ campaigns { totalCount } }", token=raw))  # reads are not audited
    assert list(AuditEntry.objects.order_by("id").values_list("source", "action", "succeeded", "actor_token",
                                                              "brand", "details")) == [
        ("api", "updateCampaign", True, token.pk, brand.pk, {"operation": "", "variables": ["input"]}),
        ("api", "updateCampaign", False, token.pk, brand.pk, {"operation": "", "variables": ["input"]})]
    assert Campaign.objects.get(pk=campaign.pk).name == "After"


def test_admin_changes_and_erasures_are_audited(client, brand):
    user = member(brand, Role.ADMIN)
    user.is_staff = True
    user.save()
    client.force_login(user)
    viewer = InteractionFactory(brand=brand).viewer
    url = reverse("admin:marketing_viewer_changelist")
    confirm = client.post(url, {"action": "erase_viewers", "_selected_action": [viewer.pk]})
    assert (confirm.status_code, Viewer.objects.filter(pk=viewer.pk).exists()) == (200, True)  # asks first
    client.post(url, {"action": "erase_viewers", "_selected_action": [viewer.pk], "apply": "Erase"})
    assert Viewer.objects.filter(pk=viewer.pk).exists() is False
    video = VideoFactory(brand=brand)
    client.post(reverse("admin:marketing_video_changelist"), {"action": "approve_videos",
                                                              "_selected_action": [video.pk]})
    assert list(AuditEntry.objects.order_by("id").values_list(
        "source", "action", "brand", "actor_user", "object_type", "object_id", "details")) == [
        ("admin", "eraseViewer", brand.pk, user.pk, "viewer", str(viewer.pk),
         {"interactions": 1, "persona_assignments": 0}),
        ("admin", "change", brand.pk, user.pk, "video", str(video.pk), {"change": "marked approved"})]

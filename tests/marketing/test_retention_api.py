"""setBrandRetention (admins only, typed errors, audit), the admin form, and imports refused past the horizon."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse

from marketing.ingestion import import_file
from marketing.models import RETENTION_MAX_DAYS, AuditEntry, Brand, Interaction, Role, Viewer
from marketing.services.errors import ErrorCode
from marketing.services.retention import horizon_day, horizon_start
from tests.conftest import member
from tests.factories import BrandFactory, VideoFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok

pytestmark = pytest.mark.django_db

SET = """mutation($b: ID!, $days: Int, $purge: Boolean!) {
  setBrandRetention(input: {brandId: $b, rawEventRetentionDays: $days, purgeViewerData: $purge}) {
    brand { rawEventRetentionDays purgeViewerData } errors { field code message } } }"""
INGEST = """mutation($b: ID!, $events: [InteractionEventInput!]!) {
  ingestInteractions(brandId: $b, events: $events) {
    accepted rejected eventErrors { index field code message } } }"""
NOW = datetime(2026, 10, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def set_retention(brand, user, days, purge=False):
    return ok(gql(SET, {"b": gid(brand), "days": days, "purge": purge}, user=user))["setBrandRetention"]


def test_admin_sets_retention_and_it_is_audited(db):
    brand = BrandFactory()
    admin = member(brand, Role.ADMIN)
    data = set_retention(brand, admin, 30, True)
    assert data == {"brand": {"rawEventRetentionDays": 30, "purgeViewerData": True}, "errors": []}
    brand.refresh_from_db()
    assert (brand.raw_event_retention_days, brand.purge_viewer_data) == (30, True)
    entry = AuditEntry.objects.get(action="setBrandRetention")
    assert (entry.brand_id, entry.actor_user_id) == (brand.pk, admin.pk)
    assert entry.details == {"before": {"raw_event_retention_days": None, "purge_viewer_data": False},
                             "after": {"raw_event_retention_days": 30, "purge_viewer_data": True}}
    # off again
    assert set_retention(brand, admin, None)["brand"] == {"rawEventRetentionDays": None, "purgeViewerData": False}


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_editors_and_viewers_get_a_permission_error(db, role):
    brand = BrandFactory()
    data = set_retention(brand, member(brand, role), 30)
    assert data["brand"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("brandId", "PERMISSION_DENIED")]
    assert Brand.objects.get(pk=brand.pk).raw_event_retention_days is None
    # the refused call is on record as such (the API audits every mutation), and nothing else is
    assert list(AuditEntry.objects.filter(action="setBrandRetention").values_list("succeeded", flat=True)) == [False]


def test_an_editor_token_cannot_set_retention(db):
    brand = BrandFactory()
    _, raw = make_token(brand=brand, role=Role.EDITOR)
    data = ok(gql(SET, {"b": gid(brand), "days": 30, "purge": False}, token=raw))["setBrandRetention"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("brandId", "PERMISSION_DENIED")]


@pytest.mark.parametrize(("days", "purge", "field", "code"), [
    (0, False, "rawEventRetentionDays", "OUT_OF_RANGE"),
    (-5, False, "rawEventRetentionDays", "OUT_OF_RANGE"),
    (RETENTION_MAX_DAYS + 1, False, "rawEventRetentionDays", "OUT_OF_RANGE"),
    (None, True, "purgeViewerData", "INVALID"),
])
def test_bad_retention_is_a_typed_error_and_nothing_changes(db, days, purge, field, code):
    brand = BrandFactory()
    data = set_retention(brand, member(brand, Role.ADMIN), days, purge)
    assert data["brand"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [(field, code)]
    brand.refresh_from_db()
    assert (brand.raw_event_retention_days, brand.purge_viewer_data) == (None, False)


def test_horizon_is_the_start_of_the_brand_day_and_never_moves_back(db):
    brand = BrandFactory(reporting_timezone="Asia/Shanghai", raw_event_retention_days=12)
    assert horizon_day(brand, now=NOW).isoformat() == "2026-10-08"
    assert horizon_start(brand, now=NOW) == datetime(2026, 10, 7, 16, 0, tzinfo=UTC)
    brand.raw_events_removed_before = datetime(2026, 10, 9).date()  # an earlier, shorter period already ran
    assert horizon_day(brand, now=NOW).isoformat() == "2026-10-09"
    brand.raw_event_retention_days = None
    assert horizon_day(brand, now=NOW).isoformat() == "2026-10-09"
    assert horizon_day(BrandFactory(), now=NOW) is None


def event(i, occurred_at):
    return {"eventId": f"e{i}", "platform": "douyin", "viewerId": f"u{i}", "videoExternalId": "vid-1",
            "kind": "IMPRESSION", "occurredAt": occurred_at}


def test_graphql_ingest_refuses_events_older_than_the_horizon_naming_the_field(db):
    brand = BrandFactory(reporting_timezone="Asia/Shanghai", raw_event_retention_days=12)
    VideoFactory(brand=brand, external_id="vid-1")
    _, raw = make_token(brand=brand, role=Role.EDITOR)
    events = [event(1, "2026-10-07T23:59:59+08:00"), event(2, "2026-10-08T00:00:00+08:00")]
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        data = ok(gql(INGEST, {"b": gid(brand), "events": events}, token=raw))["ingestInteractions"]
    assert (data["accepted"], data["rejected"]) == (1, 1)
    assert [(e["index"], e["field"], e["code"]) for e in data["eventErrors"]] == [
        (0, "occurredAt", "BEFORE_RETENTION_HORIZON")]
    assert "2026-10-08T00:00:00+08:00" in data["eventErrors"][0]["message"]
    assert list(Interaction.objects.values_list("event_id", flat=True)) == ["e2"]
    assert list(Viewer.objects.values_list("brand_id", flat=True)) == [brand.pk]  # u1 was never stored


def test_file_import_refuses_events_older_than_the_horizon_and_writes_nothing(db, tmp_path):
    brand = BrandFactory(reporting_timezone="Asia/Shanghai", raw_event_retention_days=12)
    VideoFactory(brand=brand, external_id="v1")
    path = tmp_path / "x.csv"
    path.write_text("event_id,platform,viewer_id,video_external_id,campaign_id,kind,watch_ms,value,currency,"
                    "occurred_at\n"
                    "e1,douyin,u1,v1,,impression,,,,2026-10-08T00:00:00+08:00\n"
                    "e2,douyin,u2,v1,,impression,,,,2026-10-07T15:59:59Z\n", encoding="utf-8")
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        summary = import_file(path=path, brand=brand)
    assert not summary.committed
    assert [(e.line, e.field, e.code) for e in summary.errors] == [(3, "occurred_at", ErrorCode.BEFORE_RETENTION_HORIZON)]
    assert not Interaction.objects.exists()


def test_admin_change_form_sets_retention_for_brand_admins_only(db, client):
    brand = BrandFactory()
    admin = member(brand, Role.ADMIN)
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    url = reverse("admin:marketing_brand_change", args=[brand.pk])
    form = {"name": brand.name, "slug": brand.slug, "reporting_timezone": brand.reporting_timezone,
            "currency": brand.currency, "raw_event_retention_days": "90", "purge_viewer_data": "on",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    brand.refresh_from_db()
    assert (brand.raw_event_retention_days, brand.purge_viewer_data) == (90, True)
    assert AuditEntry.objects.filter(action="setBrandRetention", source="admin").count() == 1
    response = client.post(url, form | {"raw_event_retention_days": "0"})
    assert response.status_code == 200
    brand.refresh_from_db()
    assert brand.raw_event_retention_days == 90

"""ingest_events: the API batch service behind ``ingestInteractions`` (PostgreSQL and SQLite)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from analytics.models import PendingRollup
from marketing.auth import principal_for_user
from marketing.ingestion import EventError, IngestResult, ingest_events
from marketing.models import Interaction, Viewer
from marketing.services.errors import ErrorCode, ServiceValidationError
from tests.conftest import member
from tests.factories import CampaignFactory, VideoFactory


def event(i, video="v1", **extra):
    return {"event_id": f"api-{i}", "platform": "douyin", "viewer_id": f"user-{i % 2}",
            "video_external_id": video, "kind": "view", "watch_ms": 1000 + i,
            "occurred_at": f"2026-02-01T00:00:0{i}+00:00", **extra}


@pytest.fixture
def video(brand):
    return VideoFactory(brand=brand, external_id="v1")


def test_valid_batch_is_stored(brand, editor_principal, video):
    result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(i) for i in range(3)])
    assert result == IngestResult(accepted=3, duplicates=0, rejected=0, errors=[])
    assert sorted(Interaction.objects.filter(brand=brand).values_list("event_id", "watch_ms")) == [
        ("api-0", 1000), ("api-1", 1001), ("api-2", 1002)]
    assert Viewer.objects.filter(brand=brand).count() == 2


def test_same_batch_twice_is_all_duplicates(brand, editor_principal, video):
    batch = [event(i) for i in range(4)]
    ingest_events(principal=editor_principal, brand_id=brand.pk, events=batch)
    again = ingest_events(principal=editor_principal, brand_id=brand.pk, events=batch)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 4, 0)
    assert Interaction.objects.filter(brand=brand).count() == 4


def test_invalid_events_are_reported_and_valid_ones_stored(brand, editor_principal, video):
    batch = [event(0), event(1, kind="like"), event(2, occurred_at="yesterday"), event(3, value="-1")]
    result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=batch)
    assert (result.accepted, result.duplicates, result.rejected) == (1, 0, 3)
    assert [(e.index, e.field, e.code) for e in result.errors] == [
        (1, "watch_ms", ErrorCode.INVALID),
        (2, "occurred_at", ErrorCode.INVALID),
        (3, "value", ErrorCode.NEGATIVE),
    ]
    assert list(Interaction.objects.values_list("event_id", flat=True)) == ["api-0"]


def test_aware_datetimes_are_accepted(brand, editor_principal, video):
    moment = datetime(2026, 2, 1, 12, tzinfo=UTC)
    ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(0, occurred_at=moment)])
    assert Interaction.objects.get().occurred_at == moment


def test_non_object_event_is_rejected(brand, editor_principal, video):
    result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=["nope"])
    assert result.errors == [EventError(0, "input", ErrorCode.INVALID, "Each event must be an object.")]


def test_editor_of_a_cannot_use_videos_of_b(brand, other_brand, editor_principal, video):
    VideoFactory(brand=other_brand, external_id="b-video")
    result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(0, video="b-video")])
    assert [(e.field, e.code) for e in result.errors] == [("video_external_id", ErrorCode.NOT_FOUND)]
    assert Interaction.objects.count() == 0


def test_editor_of_a_cannot_use_campaigns_of_b(brand, other_brand, editor_principal, video):
    campaign = CampaignFactory(brand=other_brand)
    result = ingest_events(principal=editor_principal, brand_id=brand.pk,
                           events=[event(0, campaign_id=campaign.pk)])
    assert [(e.field, e.code) for e in result.errors] == [("campaign_id", ErrorCode.NOT_FOUND)]


def test_editor_of_a_cannot_ingest_into_b(other_brand, editor_principal):
    VideoFactory(brand=other_brand, external_id="v1")
    with pytest.raises(ServiceValidationError) as caught:
        ingest_events(principal=editor_principal, brand_id=other_brand.pk, events=[event(0)])
    assert [(e.field, e.code) for e in caught.value.errors] == [("brand_id", ErrorCode.NOT_FOUND)]
    assert Interaction.objects.count() == 0


def test_viewer_role_cannot_ingest(brand, video):
    principal = principal_for_user(member(brand, "viewer"))
    with pytest.raises(ServiceValidationError) as caught:
        ingest_events(principal=principal, brand_id=brand.pk, events=[event(0)])
    assert [(e.field, e.code) for e in caught.value.errors] == [("brand_id", ErrorCode.PERMISSION_DENIED)]
    assert Interaction.objects.count() == 0


@override_settings(INGEST_MAX_EVENTS=2)
def test_batch_over_the_limit_is_refused(brand, editor_principal, video):
    with pytest.raises(ServiceValidationError) as caught:
        ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(i) for i in range(3)])
    assert [(e.field, e.code) for e in caught.value.errors] == [("events", ErrorCode.LIMIT_EXCEEDED)]


def test_refresh_is_enqueued_after_commit(brand, editor_principal, video, monkeypatch,
                                          django_capture_on_commit_callbacks):
    from analytics import tasks

    calls = []
    monkeypatch.setattr(tasks.apply_pending_rollups, "apply_async",
                        lambda args=(), kwargs=None, **options: calls.append(tuple(args)))
    with django_capture_on_commit_callbacks(execute=True):
        ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(3), event(1)])
    assert calls == [(brand.pk,)]
    (pending,) = PendingRollup.objects.filter(brand=brand)
    assert sorted(pending.interaction_ids) == sorted(Interaction.objects.filter(brand=brand).values_list("pk", flat=True))
    assert len(pending.interaction_ids) == 2


def test_nothing_new_enqueues_nothing(brand, editor_principal, video, monkeypatch,
                                      django_capture_on_commit_callbacks):
    from analytics import tasks

    ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(0)])
    calls = []
    monkeypatch.setattr(tasks.apply_pending_rollups, "apply_async",
                        lambda args=(), kwargs=None, **options: calls.append(tuple(args)))
    with django_capture_on_commit_callbacks(execute=True):
        ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(0)])
    assert calls == []


def test_broker_down_still_stores_the_batch(brand, editor_principal, video, monkeypatch, caplog,
                                            django_capture_on_commit_callbacks):
    from analytics import tasks

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.apply_pending_rollups, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(0), event(1)])
    assert (result.accepted, result.duplicates, result.rejected) == (2, 0, 0)
    assert sorted(Interaction.objects.filter(brand=brand).values_list("event_id", flat=True)) == ["api-0", "api-1"]
    assert "could not enqueue the rollup delta" in caplog.text


def test_raw_viewer_id_is_stored_only_as_its_keyed_hash(brand, editor_principal, video, caplog):
    from django.apps import apps
    from django.db import models

    from marketing.models import pseudonymise_viewer_id

    raw = "raw-api-user-Hd93"
    ingest_events(principal=editor_principal, brand_id=brand.pk,
                  events=[event(0, viewer_id=raw), event(1, viewer_id=raw, kind="like")])  # 2nd invalid
    key = pseudonymise_viewer_id(brand_id=brand.pk, platform_code="douyin", raw_id=raw)
    assert list(Viewer.objects.filter(brand=brand).values_list("viewer_key", flat=True)) == [key]
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields
                 if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        for values in (model.objects.values_list(*names) if names else []):
            assert raw not in " ".join("" if v is None else str(v) for v in values), model.__name__
    assert raw not in caplog.text


def test_a_rollup_task_this_process_does_not_know_is_sent_by_name(brand, editor_principal, video, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    from celery import current_app

    from analytics.tasks import apply_pending_rollups

    # Ingest queues the rollup task by its registered name (analytics sits above marketing): a process that
    # has not registered it sends the message to the broker for the workers that have.
    monkeypatch.delitem(current_app.tasks, apply_pending_rollups.name)
    sent = []
    monkeypatch.setattr(current_app, "send_task", lambda name, args=None, kwargs=None, **options: sent.append(
        (name, tuple(args))))
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(0)])
    assert result.accepted == 1
    assert sent == [("analytics.apply_pending_rollups", (brand.pk,))]


def test_unhashable_values_are_rejected_not_crashing(brand, editor_principal, video):
    result = ingest_events(principal=editor_principal, brand_id=brand.pk,
                           events=[event(0, platform=["douyin"]), event(1)])
    assert (result.accepted, result.rejected) == (1, 1)
    assert [(e.index, e.field, e.code) for e in result.errors] == [(0, "platform", ErrorCode.INVALID_CHOICE)]


# --- currency: the brand's only ----------------------------------------------------------------------


def test_a_value_in_another_currency_than_the_brands_is_rejected(brand, editor_principal, video):
    assert brand.currency == "CNY"
    batch = [event(0, kind="purchase", watch_ms=None, value="10.00", currency="usd"),
             event(1, kind="purchase", watch_ms=None, value="12.50", currency="CNY")]
    result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=batch)
    assert (result.accepted, result.rejected) == (1, 1)
    assert result.errors == [EventError(0, "currency", ErrorCode.CURRENCY_MISMATCH,
                                        "The value is in USD, but this brand's currency is CNY: convert it before ingest.")]
    assert list(Interaction.objects.values_list("event_id", "value", "currency")) == [
        ("api-1", Decimal("12.50"), "CNY")]


def test_a_value_without_currency_is_stored_in_the_brands(brand, editor_principal, video):
    brand.currency = "EUR"
    brand.save()
    batch = [event(0, kind="purchase", watch_ms=None, value="3.20"), event(1)]  # event 1: a view, no value
    result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=batch)
    assert (result.accepted, result.rejected) == (2, 0)
    assert dict(Interaction.objects.values_list("event_id", "currency")) == {"api-0": "EUR", "api-1": ""}


def test_equal_values_of_different_types_are_each_checked(brand, editor_principal, video):
    # 1 == True == 1.0 in Python: the per-distinct-value checks must not let one stand for the others
    batch = [event(0, kind="purchase", watch_ms=None, value=1), event(1, kind="purchase", watch_ms=None, value=True),
             event(2, kind="purchase", watch_ms=None, value=1.5)]
    result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=batch)
    assert [(e.index, e.field, e.code) for e in result.errors] == [(1, "value", ErrorCode.INVALID)]
    assert sorted(Interaction.objects.values_list("event_id", "value")) == [
        ("api-0", Decimal("1.00")), ("api-2", Decimal("1.50"))]


def test_text_the_database_cannot_store_is_a_row_error(brand, editor_principal, video):
    batch = [event(0, event_id="nul\x00id"), event(1, video_external_id="v\ud800"), event(2)]
    result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=batch)
    assert [(e.index, e.field, e.code) for e in result.errors] == [
        (0, "event_id", ErrorCode.INVALID), (1, "video_external_id", ErrorCode.INVALID)]
    assert list(Interaction.objects.values_list("event_id", flat=True)) == ["api-2"]


# --- the seam to the apps above: interactions_stored -------------------------------------------------


def test_receivers_of_interactions_stored_read_exactly_the_inserted_ids(brand, editor_principal, video):
    from marketing.signals import interactions_stored

    ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(0)])
    seen = []

    def receiver(sender, *, brand_id, cursor, inserted, ingested_at, **kwargs):
        cursor.execute(f"SELECT id FROM {inserted} ORDER BY id")
        seen.append((brand_id, [pk for (pk,) in cursor.fetchall()]))

    interactions_stored.connect(receiver, dispatch_uid="test-receiver")
    try:
        result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(0), event(1), event(2)])
    finally:
        interactions_stored.disconnect(dispatch_uid="test-receiver")
    new = sorted(Interaction.objects.filter(event_id__in=["api-1", "api-2"]).values_list("pk", flat=True))
    assert (result.accepted, result.duplicates) == (2, 1)
    assert seen == [(brand.pk, new)]
    assert sorted(PendingRollup.objects.filter(brand=brand).order_by("pk").last().interaction_ids) == new


def test_a_failing_receiver_rolls_the_write_back(brand, editor_principal, video):
    from marketing.signals import interactions_stored

    def receiver(**kwargs):
        raise RuntimeError("receiver failed")

    interactions_stored.connect(receiver, dispatch_uid="test-failing-receiver")
    try:
        with pytest.raises(RuntimeError, match="receiver failed"):
            ingest_events(principal=editor_principal, brand_id=brand.pk, events=[event(0), event(1)])
    finally:
        interactions_stored.disconnect(dispatch_uid="test-failing-receiver")
    assert Interaction.objects.filter(brand=brand).count() == 0
    assert PendingRollup.objects.filter(brand=brand).count() == 0

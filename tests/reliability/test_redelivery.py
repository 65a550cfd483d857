"""Duplicate and out-of-order delivery of events and tasks: nothing is counted twice.

Already covered elsewhere (not repeated here): a file imported twice (tests/marketing/test_ingestion.py), an
API batch sent twice (test_ingestion_service.py), one refresh task delivered twice, in-process and on a real
worker (tests/analytics/test_rollups.py, test_rollup_worker.py), a training task delivered twice
(tests/recommendations/test_training_serving.py). Added here: a duplicate inside one batch, late (older)
events arriving after newer ones were rolled up, refresh tasks arriving in any order and any number of
times, and the same batch sent concurrently by two connections (PostgreSQL).
"""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from analytics import rollups
from analytics.models import DailyRollup
from analytics.tasks import refresh_rollups
from marketing.ingestion import ingest_events
from marketing.models import Interaction
from tests.analytics.test_rollups import snapshot
from tests.factories import VideoFactory

DAY1 = datetime(2026, 2, 1, 12, tzinfo=UTC)


def event(event_id: str, at: datetime, viewer: str = "u1", kind: str = "view") -> dict:
    return {"event_id": event_id, "platform": "douyin", "viewer_id": viewer, "video_external_id": "v1",
            "kind": kind, "watch_ms": 1000 if kind == "view" else None, "occurred_at": at.isoformat()}


@pytest.fixture
def video(brand):
    return VideoFactory(brand=brand, external_id="v1", duration_ms=10_000)


def daily_views(brand) -> dict:
    return {r.day.isoformat(): r.views for r in DailyRollup.objects.filter(brand=brand).order_by("day")}


def test_a_duplicate_inside_one_batch_is_stored_once(brand, editor_principal, video):
    result = ingest_events(principal=editor_principal, brand_id=brand.pk,
                           events=[event("dup", DAY1), event("dup", DAY1), event("other", DAY1)])
    assert (result.accepted, result.duplicates, result.rejected) == (2, 1, 0)
    assert sorted(Interaction.objects.filter(brand=brand).values_list("event_id", flat=True)) == ["dup", "other"]


def test_late_events_and_resent_batches_are_counted_once(brand, editor_principal, video,
                                                         django_capture_on_commit_callbacks):
    day2 = DAY1 + timedelta(days=1)
    newer = [event(f"d2-{i}", day2, viewer=f"u{i}") for i in range(3)]
    older = [event(f"d1-{i}", DAY1, viewer=f"u{i}") for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):  # the refresh task runs eagerly after commit
        ingest_events(principal=editor_principal, brand_id=brand.pk, events=newer)
    # The older events arrive later, in a batch that also repeats the newer ones.
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_events(principal=editor_principal, brand_id=brand.pk, events=older + newer)
    assert (result.accepted, result.duplicates) == (2, 3)
    shanghai_day1 = DAY1.astimezone(brand_zone(brand)).date().isoformat()
    shanghai_day2 = day2.astimezone(brand_zone(brand)).date().isoformat()
    assert daily_views(brand) == {shanghai_day1: 2, shanghai_day2: 3}
    incremental = snapshot(brand)
    rollups.recompute_brand(brand_id=brand.pk)
    assert snapshot(brand) == incremental


def brand_zone(brand):
    from zoneinfo import ZoneInfo

    return ZoneInfo(brand.reporting_timezone)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0, 1, 2), (2, 2, 0, 0, 1, 1)])
def test_refresh_tasks_in_any_order_and_number_equal_a_full_recompute(brand, video, order):
    from tests.factories import InteractionFactory, ViewerFactory

    viewers = [ViewerFactory(brand=brand) for _ in range(3)]
    windows = []
    for day in range(3):
        at = DAY1 + timedelta(days=day)
        for viewer, kind in itertools.product(viewers[: day + 1], ("impression", "view", "like")):
            InteractionFactory(brand=brand, video=video, viewer=viewer, kind=kind,
                               watch_ms=500 if kind == "view" else None, occurred_at=at)
        windows.append((at.isoformat(), (at + timedelta(minutes=1)).isoformat()))
    rollups.recompute_brand(brand_id=brand.pk)
    expected = snapshot(brand)
    DailyRollup.objects.filter(brand=brand).delete()
    for index in order:
        refresh_rollups.delay(brand.pk, *windows[index])
    assert snapshot(brand) == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_concurrently_is_stored_once(brand, editor_principal, video):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: SQLite serialises writers, so there is no race to test")
    batch = [event(f"race-{i}", DAY1 + timedelta(seconds=i), viewer=f"u{i % 7}") for i in range(200)]
    results, errors = [], []
    start = threading.Barrier(4)

    def send():
        try:
            start.wait()
            results.append(ingest_events(principal=editor_principal, brand_id=brand.pk, events=batch))
        except Exception as exc:  # reported below; a thread must not swallow it silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.accepted for r in results) == 200
    assert sum(r.duplicates for r in results) == 600
    assert Interaction.objects.filter(brand=brand).count() == 200
    assert sum(daily_views(brand).values()) == 200

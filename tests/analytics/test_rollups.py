"""Rollup maintenance: brand-zone day boundaries, idempotent refresh, incremental equals full recompute."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum

from analytics import reach, rollups, selectors
from analytics.kpis import ROLLUP_SUMS, compute_all
from analytics.models import (
    DailyReach,
    DailyRollup,
    DailyViewerRollup,
    PendingRollup,
    StaleReachBlock,
    VideoReachBlock,
)
from analytics.selectors import Period
from analytics.tasks import recompute_all_rollups, refresh_rollups
from tests.analytics.kpi_world import build, expected_sums
from tests.factories import BrandFactory, CampaignFactory, InteractionFactory, VideoFactory, ViewerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def snapshot(brand) -> tuple[list, list, list, list]:
    """Every column of the rollup tables except the surrogate id, sorted; viewer sets as id lists.

    Stale reach blocks are rebuilt first (what the follow-up task of the delta does), so the blocks
    compared are the ones reads would use once the rebuild has run.
    """
    rollups.rebuild_stale_blocks(brand_id=brand.pk)

    def rows(model):
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        as_text = lambda name, v: str(reach.members(v)) if name == "viewers" else str(v)  # noqa: E731
        return sorted(tuple(as_text(name, v) for name, v in zip(fields, row, strict=True))
                      for row in model.objects.filter(brand=brand).values_list(*fields))
    return rows(DailyRollup), rows(DailyViewerRollup), rows(DailyReach), rows(VideoReachBlock)


@pytest.fixture
def world(db):
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    return brand, build(brand)


def test_day_is_the_brands_local_day_across_a_dst_change(db):
    # New York leaves daylight saving time on 2026-11-01 at 06:00 UTC.
    brand = BrandFactory(reporting_timezone="America/New_York")
    video = VideoFactory(brand=brand)
    viewer = ViewerFactory(brand=brand)
    for at in (datetime(2026, 11, 1, 3, 59, 59, tzinfo=UTC),   # 23:59:59 EDT, Oct 31
               datetime(2026, 11, 1, 4, 0, 0, tzinfo=UTC),     # 00:00:00 EDT, Nov 1
               datetime(2026, 11, 2, 4, 59, 59, tzinfo=UTC),   # 23:59:59 EST, Nov 1
               datetime(2026, 11, 2, 5, 0, 0, tzinfo=UTC)):    # 00:00:00 EST, Nov 2
        InteractionFactory(brand=brand, video=video, viewer=viewer, kind="impression", occurred_at=at)
    rollups.recompute_brand(brand_id=brand.pk)
    days = dict(DailyRollup.objects.filter(brand=brand).values_list("day", "impressions"))
    assert days == {date(2026, 10, 31): 1, date(2026, 11, 1): 2, date(2026, 11, 2): 1}


def test_same_instant_lands_on_different_days_for_brands_in_different_zones(db):
    at = datetime(2026, 10, 1, 17, 30, tzinfo=UTC)  # 01:30 Oct 2 in Shanghai, 13:30 Oct 1 in New York
    for zone, day in (("Asia/Shanghai", date(2026, 10, 2)), ("America/New_York", date(2026, 10, 1))):
        brand = BrandFactory(reporting_timezone=zone)
        InteractionFactory(brand=brand, kind="view", watch_ms=100, occurred_at=at)
        rollups.refresh_window(brand_id=brand.pk, start=at, end=at)
        assert list(DailyRollup.objects.filter(brand=brand).values_list("day", flat=True)) == [day]


def test_interactions_without_a_campaign_roll_up_per_brand(db):
    brand = BrandFactory()
    campaign = CampaignFactory(brand=brand)
    video = VideoFactory(brand=brand)
    at = datetime(2026, 10, 5, 12, tzinfo=SHANGHAI)
    InteractionFactory(brand=brand, video=video, campaign=campaign, kind="click", occurred_at=at)
    InteractionFactory.create_batch(2, brand=brand, video=video, campaign=None, kind="click", occurred_at=at)
    rollups.refresh_window(brand_id=brand.pk, start=at, end=at)
    assert sorted(DailyRollup.objects.filter(brand=brand).values_list("campaign_id", "clicks"),
                  key=lambda r: r[0] or 0) == [(None, 2), (campaign.pk, 1)]


def test_daily_rows_are_the_sum_of_the_viewer_rows(world):
    brand, _ = world
    daily = DailyRollup.objects.filter(brand=brand).aggregate(**{n: Sum(n) for n in ROLLUP_SUMS})
    per_viewer = DailyViewerRollup.objects.filter(brand=brand).aggregate(**{n: Sum(n) for n in ROLLUP_SUMS})
    assert daily == per_viewer and daily["views"] > 0


def test_viewer_rows_deduplicate_a_viewers_events_of_a_day(db):
    brand = BrandFactory()
    video, viewer = VideoFactory(brand=brand), ViewerFactory(brand=brand)
    at = datetime(2026, 10, 5, 9, tzinfo=SHANGHAI)
    for minutes, kind in ((0, "impression"), (1, "view"), (2, "like"), (600, "impression")):
        InteractionFactory(brand=brand, video=video, viewer=viewer, kind=kind, occurred_at=at + timedelta(minutes=minutes),
                           watch_ms=15_000 if kind == "view" else None)
    rollups.recompute_brand(brand_id=brand.pk)
    assert list(DailyViewerRollup.objects.filter(brand=brand).values_list(
        "viewer_id", "impressions", "views", "completed_views", "likes")) == [(viewer.pk, 2, 1, 1, 1)]


def test_refresh_task_delivered_twice_changes_nothing(world):
    brand, _ = world
    before = snapshot(brand)
    for _ in range(2):
        refresh_rollups.delay(brand.pk, "2026-10-01T00:00:00+08:00", "2026-10-05T00:00:00+08:00")
        assert snapshot(brand) == before


def test_new_interactions_and_a_refresh_update_the_numbers(world):
    brand, campaigns = world
    at = datetime(2026, 10, 3, 23, 59, 59, tzinfo=SHANGHAI)
    video = brand.videos.first()
    InteractionFactory(brand=brand, video=video, campaign=campaigns[0], kind="purchase", value=Decimal("12.34"),
                       occurred_at=at)
    InteractionFactory(brand=brand, video=video, campaign=campaigns[0], kind="view", watch_ms=1, occurred_at=at)
    refresh_rollups.delay(brand.pk, at.astimezone(UTC).isoformat(), at.astimezone(UTC).isoformat())
    day = Period(date(2026, 10, 3), date(2026, 10, 3))
    ids = [campaigns[0].pk]
    assert selectors.kpi_totals(brand=brand, campaign_ids=ids, period=day) == compute_all(
        expected_sums(brand, campaign_ids=ids, first=day.date_from, last=day.date_to))


def test_refresh_touches_only_the_days_of_its_window(world):
    brand, _ = world
    late = datetime(2026, 10, 9, 12, tzinfo=SHANGHAI)
    InteractionFactory(brand=brand, video=brand.videos.first(), kind="share", occurred_at=late)
    before = DailyRollup.objects.filter(brand=brand, day=date(2026, 10, 9)).aggregate(s=Sum("shares"))["s"]
    refresh_rollups.delay(brand.pk, "2026-10-01T00:00:00+08:00", "2026-10-01T23:00:00+08:00")
    assert DailyRollup.objects.filter(brand=brand, day=date(2026, 10, 9)).aggregate(s=Sum("shares"))["s"] == before


def test_nightly_recompute_equals_incremental(world):
    brand, _ = world
    other = BrandFactory(reporting_timezone="America/New_York")
    build(other, seed=5, n_events=100)
    incremental = snapshot(brand), snapshot(other)
    DailyRollup.objects.all().delete()
    DailyReach.objects.all().delete()
    DailyViewerRollup.objects.filter(brand=brand).delete()
    recompute_all_rollups.delay()
    assert (snapshot(brand), snapshot(other)) == incremental


def test_recompute_of_any_range_gives_identical_numbers(world):
    brand, _ = world
    before = snapshot(brand)
    for first, last in ((date(2026, 9, 1), date(2026, 12, 31)), (date(2026, 10, 4), date(2026, 10, 4)),
                        (date(2026, 10, 2), date(2026, 10, 11))):
        rollups.refresh_days(brand_id=brand.pk, first=first, last=last)
        assert snapshot(brand) == before, (first, last)


def test_recompute_drops_rows_of_days_without_interactions(world):
    brand, _ = world
    brand.interactions.filter(occurred_at__lt=datetime(2026, 10, 1, tzinfo=SHANGHAI)).delete()
    rollups.recompute_brand(brand_id=brand.pk)
    assert not DailyRollup.objects.filter(brand=brand, day__lt=date(2026, 10, 1)).exists()
    assert not DailyViewerRollup.objects.filter(brand=brand, day__lt=date(2026, 10, 1)).exists()


def test_nightly_recompute_is_scheduled_with_celery_beat(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="analytics.recompute_all_rollups")
    assert (task.enabled, task.crontab.hour, task.crontab.minute) == (True, "1", "15")


def test_ingested_events_reach_the_kpis_through_the_refresh_task(brand, editor_principal,
                                                                   django_capture_on_commit_callbacks):
    from marketing.ingestion import ingest_events

    video = VideoFactory(brand=brand, external_id="clip-1", duration_ms=10_000)
    events = [  # 23:59:59 and 00:00:00 in Shanghai: two different brand days
        {"event_id": "e1", "platform": "douyin", "viewer_id": "u1", "video_external_id": video.external_id,
         "kind": "view", "watch_ms": 9_500, "occurred_at": "2026-10-01T23:59:59+08:00"},
        {"event_id": "e2", "platform": "douyin", "viewer_id": "u2", "video_external_id": video.external_id,
         "kind": "purchase", "value": "19.90", "currency": "CNY", "occurred_at": "2026-10-02T00:00:00+08:00"},
        {"event_id": "e3", "platform": "douyin", "viewer_id": "u1", "video_external_id": video.external_id,
         "kind": "view", "watch_ms": 1_000, "occurred_at": "2026-10-02T00:00:01+08:00"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert ingest_events(principal=editor_principal, brand_id=brand.pk, events=events).accepted == 3
    day1 = selectors.kpi_totals(brand=brand, campaign_ids=None, period=Period(date(2026, 10, 1), date(2026, 10, 1)))
    both = selectors.kpi_totals(brand=brand, campaign_ids=None, period=Period(date(2026, 10, 1), date(2026, 10, 2)))
    assert (day1["views"], day1["completion_rate"], day1["revenue"]) == (1, Decimal("1.000000"), Decimal("0.00"))
    assert (both["views"], both["reach"], both["completion_rate"], both["revenue"]) == (
        2, 2, Decimal("0.500000"), Decimal("19.90"))


def test_recompute_rollups_command_rebuilds_a_brand(world):
    from io import StringIO

    from django.core.management import call_command

    brand, _ = world
    before = snapshot(brand)
    DailyRollup.objects.filter(brand=brand).delete()
    DailyViewerRollup.objects.filter(brand=brand).delete()
    DailyReach.objects.filter(brand=brand).delete()
    out = StringIO()
    call_command("recompute_rollups", "--brand", str(brand.pk), stdout=out)
    assert snapshot(brand) == before and out.getvalue().startswith(f"brand {brand.pk}: {len(before[0])} daily")


# --- the delta path after ingest (PendingRollup -> apply_pending) -------------------------------------

def add_pending_events(brand, *, seed: int, n: int) -> list[int]:
    """``n`` random new interactions on existing and new days, recorded as pending the way ingest does."""
    import random

    rng = random.Random(seed)
    videos, viewers = list(brand.videos.all()), list(brand.viewers.all())
    campaigns = list(brand.campaigns.all()) + [None]
    ids = []
    for _ in range(n):
        day = date(2026, 10, 1) + timedelta(days=rng.randrange(-5, 20))  # some days have no rollups yet
        at = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(minutes=rng.randrange(1440))
        kind = rng.choice(["impression", "view", "view", "like", "click", "purchase"])
        video = rng.choice(videos)
        ids.append(InteractionFactory(
            brand=brand, video=video, viewer=rng.choice(viewers), campaign=rng.choice(campaigns), kind=kind,
            occurred_at=at, watch_ms=rng.choice([0, 2000, video.duration_ms]) if kind == "view" else None,
            value=Decimal(rng.randrange(1, 9999)) / 100 if kind == "purchase" else None).pk)
    PendingRollup.objects.create(brand=brand, interaction_ids=ids[: n // 2])
    PendingRollup.objects.create(brand=brand, interaction_ids=ids[n // 2:])
    return ids


def full_rebuild_snapshot(brand):
    for model in (DailyRollup, DailyViewerRollup, DailyReach, VideoReachBlock, StaleReachBlock):
        model.objects.filter(brand=brand).delete()
    rollups.recompute_brand(brand_id=brand.pk)
    return snapshot(brand)


def test_delta_of_new_events_equals_a_full_rebuild(world):
    brand, _ = world
    add_pending_events(brand, seed=11, n=240)
    assert rollups.apply_pending(brand_id=brand.pk) == 240
    delta = snapshot(brand)
    assert not PendingRollup.objects.filter(brand=brand).exists()
    assert delta == full_rebuild_snapshot(brand)
    every_day = Period(date(2026, 9, 1), date(2026, 11, 30))
    assert selectors.kpi_totals(brand=brand, campaign_ids=None, period=every_day) == compute_all(
        expected_sums(brand, campaign_ids=None, first=every_day.date_from, last=every_day.date_to))


def test_applying_pending_events_twice_adds_nothing(world):
    brand, _ = world
    add_pending_events(brand, seed=12, n=60)
    rollups.apply_pending(brand_id=brand.pk)
    once = snapshot(brand)
    assert rollups.apply_pending(brand_id=brand.pk) == 0  # a redelivered task finds nothing left to add
    assert snapshot(brand) == once


def test_a_rebuild_leaves_pending_events_to_the_delta(world):
    brand, _ = world
    before = snapshot(brand)
    add_pending_events(brand, seed=13, n=80)
    rollups.refresh_days(brand_id=brand.pk, first=date(2026, 9, 1), last=date(2026, 11, 30))
    assert snapshot(brand) == before  # the pending events are not in the rebuilt days yet...
    assert rollups.apply_pending(brand_id=brand.pk) == 80  # ...and are added once, by the delta
    assert snapshot(brand) == full_rebuild_snapshot(brand)


def test_nightly_recompute_applies_pending_events_first(world):
    brand, _ = world
    add_pending_events(brand, seed=14, n=50)
    recompute_all_rollups.delay()
    assert not PendingRollup.objects.filter(brand=brand).exists()
    assert snapshot(brand) == full_rebuild_snapshot(brand)


def test_applying_one_brand_leaves_other_brands_pending(world):
    brand, _ = world
    other = BrandFactory(reporting_timezone="Asia/Shanghai")
    build(other, seed=3, n_events=50)
    add_pending_events(other, seed=15, n=20)
    other_before = snapshot(other)
    add_pending_events(brand, seed=16, n=20)
    rollups.apply_pending(brand_id=brand.pk)
    assert snapshot(other) == other_before
    assert PendingRollup.objects.filter(brand=other).count() == 2


def test_beat_task_queues_the_delta_for_brands_with_pending_events(world, monkeypatch):
    from analytics import tasks

    brand, _ = world
    add_pending_events(brand, seed=17, n=10)
    calls = []
    monkeypatch.setattr(tasks.apply_pending_rollups, "delay", lambda *args: calls.append(args))
    assert tasks.apply_all_pending_rollups() == 1
    assert calls == [(brand.pk,)]

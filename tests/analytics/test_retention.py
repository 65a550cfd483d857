"""Raw-event retention: batched removal, KPIs unchanged, per-viewer purge, erasure, the command, the beat task."""

from collections import defaultdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from analytics import reach, retention, rollups
from analytics.kpis import compute_all
from analytics.models import DailyReach, DailyViewerRollup, VideoReachBlock
from analytics.selectors import BreakdownBy, Granularity, KpiScope, Period, brand_overview
from analytics.tasks import apply_all_retention
from marketing.auth import Principal
from marketing.models import AuditEntry, Interaction
from marketing.services import privacy
from tests.analytics.kpi_world import PERIOD, build, expected_sums
from tests.factories import BrandFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-10-20 in Shanghai; with 12 days of retention the horizon is the brand day 2026-10-08.
NOW = datetime(2026, 10, 20, 12, 0, tzinfo=SHANGHAI)
HORIZON = date(2026, 10, 8)
HORIZON_START = datetime(2026, 10, 8, tzinfo=SHANGHAI)
PERIODS = [PERIOD, Period(date(2026, 9, 25), date(2026, 10, 7)), Period(date(2026, 10, 5), date(2026, 10, 10)),
           Period(date(2026, 10, 8), date(2026, 10, 16))]
OPERATOR = Principal(is_global=True)


def kpis_everywhere(brand, campaigns) -> dict:
    """Every KPI read the product serves (totals, series, breakdowns, overview) over several periods and scopes."""
    out = {}
    for period in PERIODS:
        for ids in (None, [campaigns[0].pk]):
            scope = KpiScope(brand=brand, campaign_ids=ids, period=period)
            key = (period.date_from, period.date_to, tuple(ids or ()))
            out[key, "totals"] = scope.totals()
            for granularity in (Granularity.DAY, Granularity.WEEK):
                out[key, granularity] = [(row.key, row.kpis) for row in scope.series(granularity)]
            for by in (BreakdownBy.VIDEO, BreakdownBy.PLATFORM, BreakdownBy.DAY, BreakdownBy.GENDER):
                breakdown = scope.breakdown(by, min_group_size=1)
                out[key, by] = [(row.key, row.kpis) for row in breakdown.rows]
        overview = brand_overview(brand=brand, period=period)
        out[period.date_from, "overview"] = [(c.pk, values) for c, values in overview["campaigns"]]
    return out


@pytest.fixture
def world(db):
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    campaigns = build(brand)
    return brand, campaigns


def old_count(brand) -> int:
    return Interaction.objects.filter(brand=brand, occurred_at__lt=HORIZON_START).count()


def test_removes_raw_events_before_the_horizon_in_batches_and_keeps_every_kpi(world):
    brand, campaigns = world
    before = kpis_everywhere(brand, campaigns)
    old, kept = old_count(brand), Interaction.objects.filter(brand=brand, occurred_at__gte=HORIZON_START).count()
    assert old > 100 and kept > 100
    brand.raw_event_retention_days = 12
    brand.save()

    run = retention.apply_brand_retention(brand_id=brand.pk, now=NOW, batch_size=50)

    assert (run.horizon, run.interactions, run.batches) == (HORIZON, old, -(-old // 50))
    assert old_count(brand) == 0
    assert Interaction.objects.filter(brand=brand).count() == kept
    brand.refresh_from_db()
    assert brand.raw_events_removed_before == HORIZON
    assert kpis_everywhere(brand, campaigns) == before
    # the nightly safety net rebuilds from raw events: the days before the horizon must survive it
    rollups.recompute_brand(brand_id=brand.pk)
    assert kpis_everywhere(brand, campaigns) == before
    rollups.refresh_days(brand_id=brand.pk, first=date(2026, 9, 1), last=date(2026, 10, 31))
    assert kpis_everywhere(brand, campaigns) == before
    entry = AuditEntry.objects.get(action="applyRetention", brand=brand)
    assert (entry.details["interactions"], entry.details["horizon"], entry.details["days"]) == (old, "2026-10-08", 12)
    # a second run finds nothing and records nothing
    again = retention.apply_brand_retention(brand_id=brand.pk, now=NOW, batch_size=50)
    assert (again.interactions, again.batches) == (0, 0)
    assert AuditEntry.objects.filter(action="applyRetention").count() == 1


def test_every_raw_event_gone_keeps_the_rollups_through_the_nightly_recompute(world):
    brand, campaigns = world
    before = kpis_everywhere(brand, campaigns)
    brand.raw_event_retention_days = 1
    brand.save()
    later = datetime(2026, 12, 1, tzinfo=UTC)
    run = retention.apply_brand_retention(brand_id=brand.pk, now=later)
    assert run.interactions == 600 and not Interaction.objects.filter(brand=brand).exists()
    rollups.recompute_brand(brand_id=brand.pk)
    assert kpis_everywhere(brand, campaigns) == before


def test_events_still_pending_are_added_before_removal_and_never_lost(world):
    brand, campaigns = world
    brand.raw_event_retention_days = 12
    brand.save()
    expected = expected_sums(brand)
    # the pending path: an old event written by an ingest whose rollup task has not run yet
    event = Interaction.objects.filter(brand=brand, occurred_at__lt=HORIZON_START).first()
    clone = Interaction.objects.create(brand=brand, viewer=event.viewer, video=event.video, campaign=event.campaign,
                                       event_id="late-1", kind="impression", occurred_at=event.occurred_at)
    from analytics.models import PendingRollup
    PendingRollup.objects.create(brand=brand, interaction_ids=[clone.pk])
    retention.apply_brand_retention(brand_id=brand.pk, now=NOW)
    totals = KpiScope(brand=brand, campaign_ids=None, period=PERIOD).totals()
    assert totals["impressions"] == expected["impressions"] + 1
    assert not PendingRollup.objects.filter(brand=brand).exists()


def test_erasure_after_retention_removes_the_viewer_from_the_retained_days(world, django_capture_on_commit_callbacks):
    brand, campaigns = world
    # a viewer with events on both sides of the horizon
    viewer_id = next(v for v in Interaction.objects.filter(brand=brand, occurred_at__lt=HORIZON_START)
                     .values_list("viewer_id", flat=True)
                     if Interaction.objects.filter(viewer_id=v, occurred_at__gte=HORIZON_START).exists())
    oracle = {(p.date_from, p.date_to): compute_all(expected_sums(
        brand, first=p.date_from, last=p.date_to, where=lambda e: e.viewer_id != viewer_id)) for p in PERIODS}
    brand.raw_event_retention_days = 12
    brand.save()
    retention.apply_brand_retention(brand_id=brand.pk, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        privacy.viewer_erase(principal=OPERATOR, viewer_id=viewer_id)

    for period in PERIODS:
        assert KpiScope(brand=brand, campaign_ids=None, period=period).totals() == oracle[period.date_from,
                                                                                          period.date_to]
    assert not any(viewer_id in reach.load(blob)
                   for blob in DailyReach.objects.filter(brand=brand).values_list("viewers", flat=True))
    assert not any(viewer_id in reach.load(blob)
                   for blob in VideoReachBlock.objects.filter(brand=brand).values_list("viewers", flat=True))


def test_purge_removes_per_viewer_data_and_keeps_sums_and_daily_reach(world):
    brand, campaigns = world
    before = kpis_everywhere(brand, campaigns)
    zone = SHANGHAI
    # independent reach of PERIOD after the purge: distinct viewers of the kept days, plus each purged
    # (campaign, day)'s own distinct viewers (the number kept for it)
    purged_days, kept_viewers = defaultdict(set), set()
    for campaign_id, viewer_id, at in Interaction.objects.filter(brand=brand).values_list(
            "campaign_id", "viewer_id", "occurred_at"):
        day = at.astimezone(zone).date()
        if PERIOD.date_from <= day <= PERIOD.date_to:
            (purged_days[campaign_id, day].add(viewer_id) if day < HORIZON else kept_viewers.add(viewer_id))
    expected_reach = len(kept_viewers) + sum(len(v) for v in purged_days.values())
    brand.raw_event_retention_days, brand.purge_viewer_data = 12, True
    brand.save()
    viewer_rows = DailyViewerRollup.objects.filter(brand=brand, day__lt=HORIZON).count()
    day_sets = DailyReach.objects.filter(brand=brand, day__lt=HORIZON).count()

    dry = retention.apply_brand_retention(brand_id=brand.pk, now=NOW, dry_run=True)
    assert (dry.viewer_rollups, dry.day_sets) == (viewer_rows, day_sets)
    assert DailyViewerRollup.objects.filter(brand=brand, day__lt=HORIZON).count() == viewer_rows

    run = retention.apply_brand_retention(brand_id=brand.pk, now=NOW, batch_size=40)

    assert (run.viewer_rollups, run.day_sets) == (viewer_rows, day_sets)
    assert not DailyViewerRollup.objects.filter(brand=brand, day__lt=HORIZON).exists()
    assert not DailyReach.objects.filter(brand=brand, day__lt=HORIZON).exclude(viewers=b"").exists()
    assert not VideoReachBlock.objects.filter(brand=brand, level=0, start__lt=HORIZON).exclude(viewers=b"").exists()
    brand.refresh_from_db()
    assert brand.viewer_data_purged_before == HORIZON
    after = kpis_everywhere(brand, campaigns)
    key = (PERIOD.date_from, PERIOD.date_to, ())
    totals_before, totals_after = before[key, "totals"], after[key, "totals"]
    assert {k: v for k, v in totals_after.items() if k != "reach" and "reach" not in k} == {
        k: v for k, v in totals_before.items() if k != "reach" and "reach" not in k}
    assert totals_after["reach"] == expected_reach
    # one campaign's day: exact, before and after
    one = (PERIOD.date_from, PERIOD.date_to, (campaigns[0].pk,))
    assert [(k, v["reach"]) for k, v in after[one, Granularity.DAY]] == [
        (k, v["reach"]) for k, v in before[one, Granularity.DAY]]
    # the brand's day across campaigns: the sum of its campaigns' numbers before the horizon
    assert [(k, v["reach"]) for k, v in after[key, Granularity.DAY]] == [
        (k, sum(len(v) for (_c, day), v in purged_days.items() if day.isoformat() == k)
         if date.fromisoformat(k) < HORIZON else dict(before[key, Granularity.DAY])[k]["reach"])
        for k, _ in before[key, Granularity.DAY]]
    # a period entirely after the horizon is untouched
    kept = (date(2026, 10, 8), date(2026, 10, 16), ())
    assert after[kept, "totals"] == before[kept, "totals"]
    assert after[kept, BreakdownBy.VIDEO] == before[kept, BreakdownBy.VIDEO]
    # the nightly recompute leaves purged days as they are
    rollups.recompute_brand(brand_id=brand.pk)
    assert kpis_everywhere(brand, campaigns)[key, "totals"] == totals_after


def test_dry_run_command_prints_per_brand_and_removes_nothing(world, capsys):
    brand, campaigns = world
    other = BrandFactory(slug="keeps-everything")
    brand.raw_event_retention_days = 12
    brand.save()
    old = old_count(brand)
    from unittest import mock
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        call_command("apply_retention", "--dry-run")
        call_command("apply_retention", "--dry-run", "--brand", other.slug)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{brand.slug}: 12 days (raw events before 2026-10-08): would remove {old} raw interactions",
                   "keeps-everything: no retention period, nothing to remove"]
    assert old_count(brand) == old
    with pytest.raises(CommandError, match="No brand with slug 'nope'"):
        call_command("apply_retention", "--brand", "nope")


def test_nightly_task_queues_brands_and_calls_the_partition_step_with_the_earliest_horizon(world, settings):
    brand, campaigns = world
    other = BrandFactory(reporting_timezone="UTC", raw_event_retention_days=30)
    brand.raw_event_retention_days = 12
    brand.save()
    settings.RETENTION_PARTITION_DROP = "tests.analytics.test_retention.fake_drop"
    DROPPED.clear()
    from unittest import mock
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        assert apply_all_retention() == 2
    # every brand has a horizon: the earliest (the UTC brand's 30 days) bounds the partitions dropped
    assert DROPPED == [datetime(2026, 9, 20, tzinfo=ZoneInfo("UTC"))]
    assert old_count(brand) == 0
    entry = AuditEntry.objects.get(action="dropPartitions")
    assert entry.details["partitions"] == ["interactions_2026_08"]
    other.refresh_from_db()
    assert other.raw_events_removed_before == date(2026, 9, 20)
    # a brand without retention keeps every partition
    DROPPED.clear()
    BrandFactory()
    assert retention.drop_partitions(now=NOW) == [] and DROPPED == []


DROPPED: list = []


def fake_drop(before):
    DROPPED.append(before)
    return ["interactions_2026_08"]

"""Per-video reach from pre-unioned blocks of days: the block arithmetic, and exact reach at any moment
(fresh blocks, stale blocks after a delta, after the rebuild) against the raw interactions."""

import importlib
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from analytics import reach, reach_blocks, rollups, selectors, set_cache, tasks
from analytics.kpis import ROLLUP_SUMS, compute_all
from analytics.models import (
    DailyReach,
    DailyRollup,
    PendingRollup,
    SparseReachBlock,
    StaleReachBlock,
    VideoReachBlock,
)
from analytics.reach_blocks import MAX_LEVEL, block_end, cover, span
from analytics.selectors import BreakdownBy, Period
from marketing.models import Interaction
from tests.analytics.kpi_world import PERIOD, build, expected_sums
from tests.analytics.test_rollups import add_pending_events
from tests.factories import BrandFactory, CampaignFactory, InteractionFactory, VideoFactory, ViewerFactory
from tests.factories import platform as factory_platform

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(first=days, length=st.integers(min_value=0, max_value=400),
       stale=st.sets(st.tuples(st.integers(min_value=1, max_value=MAX_LEVEL), days), max_size=30))
def test_cover_is_the_range_in_aligned_non_stale_blocks(first, length, stale):
    last = first + timedelta(days=length)
    stale = {(level, reach_blocks.block_start(day, level)) for level, day in stale}
    blocks = cover(first, last, stale)
    covered = [blocks[0][1]] if blocks else []
    for level, start in blocks:
        assert start.toordinal() % span(level) == 0 and (level, start) not in stale
        assert start == covered[-1]  # contiguous, in day order
        covered.append(block_end((level, start)) + timedelta(days=1))
    assert (covered[0], covered[-1] - timedelta(days=1)) == (first, last)


@given(first=days, length=st.integers(min_value=0, max_value=400))
def test_without_stale_blocks_a_range_needs_few_blocks(first, length):
    blocks = cover(first, first + timedelta(days=length))
    assert len(blocks) <= 2 * MAX_LEVEL + length // span(MAX_LEVEL)


def test_a_30_day_range_is_a_handful_of_blocks_not_30_days():
    blocks = cover(date(2026, 10, 1), date(2026, 10, 30))
    assert sum(span(level) for level, _ in blocks) == 30 and len(blocks) <= 8


def test_a_stale_block_is_replaced_by_its_halves():
    block = (3, reach_blocks.block_start(date(2026, 10, 8), 3))
    assert cover(block[1], block_end(block)) == [block]
    assert cover(block[1], block_end(block), {block}) == list(reach_blocks.children(block))


def test_blocks_above_a_day_contain_it():
    day = date(2026, 10, 17)
    assert all(start <= day <= block_end((level, start)) for level, start in reach_blocks.blocks_above(day))
    assert [level for level, _ in reach_blocks.blocks_above(day)] == list(range(1, MAX_LEVEL + 1))


@given(st.lists(st.sets(st.integers(min_value=0, max_value=200_000), max_size=300), max_size=5))
def test_union_size_is_the_number_of_distinct_ids(id_sets):
    expected = len(set().union(*id_sets))
    assert reach.union_size([reach.viewer_set(ids) for ids in id_sets]) == expected
    frozen = [reach.load_frozen(reach.dump(reach.viewer_set(ids))) for ids in id_sets]  # as the set cache holds them
    assert reach.union_size(frozen) == expected
    assert [sorted(f) for f in frozen] == [sorted(ids) for ids in id_sets]  # the union changed none of them


# --- on the database ----------------------------------------------------------------------------

RANGES = [(PERIOD.date_from, PERIOD.date_to), (PERIOD.date_from - timedelta(days=3), PERIOD.date_to + timedelta(days=2)),
          (date(2026, 10, 3), date(2026, 10, 3)), (date(2026, 10, 2), date(2026, 10, 11))]


def raw_reach_by(brand, first, last, key) -> dict[str, int]:
    """Distinct viewers per video / platform over brand days first..last, from the raw rows in Python."""
    zone = ZoneInfo(brand.reporting_timezone)
    viewers: dict[str, set] = {}
    for e in Interaction.objects.filter(brand=brand).select_related("video"):
        if first <= e.occurred_at.astimezone(zone).date() <= last:
            group = e.video_id if key == "video" else e.video.platform_id
            viewers.setdefault(str(group), set()).add(e.viewer_id)
    return {k: len(v) for k, v in viewers.items()}


def api_breakdown(brand, first, last, by) -> dict[str, dict]:
    rows = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=Period(first, last), by=by).rows
    return {row.key: row.kpis for row in rows}


def raw_breakdown(brand, first, last, key) -> dict[str, dict]:
    """Every KPI per video / platform over brand days first..last, recomputed from the raw rows in Python."""
    group_of = (lambda e: e.video_id) if key == "video" else (lambda e: e.video.platform_id)  # noqa: E731
    return {group: compute_all(expected_sums(brand, first=first, last=last, spend=False,
                                             where=lambda e, group=group: str(group_of(e)) == group))
            for group in raw_reach_by(brand, first, last, key)}


def assert_breakdowns_are_exact(brand) -> None:
    for first, last in RANGES:
        assert api_breakdown(brand, first, last, BreakdownBy.VIDEO) == raw_breakdown(brand, first, last, "video")
        assert api_breakdown(brand, first, last, BreakdownBy.PLATFORM) == raw_breakdown(brand, first, last, "platform")


@pytest.fixture
def world(db, settings):
    settings.KPI_REACH_CACHE_SECONDS = 0  # every read computes its unions
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    return brand, build(brand)


def test_kpis_by_video_and_platform_equal_the_raw_interactions(world):
    brand, _ = world
    assert not StaleReachBlock.objects.filter(brand=brand).exists()  # the recompute rebuilt every block
    assert_breakdowns_are_exact(brand)


def _sums_of(row) -> tuple:
    return tuple(getattr(row, name) for name in ROLLUP_SUMS)


def _added(rows) -> tuple:
    return tuple(sum(column) for column in zip(*rows, strict=True)) if rows else (0,) * len(ROLLUP_SUMS)


def test_set_rows_carry_the_sums_of_their_days(world):
    brand, _ = world
    add_pending_events(brand, n=150, seed=3)  # through the delta path, then the block rebuild
    rollups.apply_pending(brand_id=brand.pk)
    rollups.rebuild_stale_blocks(brand_id=brand.pk)
    daily = {(r.campaign_id, r.video_id, r.day): _sums_of(r) for r in DailyRollup.objects.filter(brand=brand)}
    blocks = list(VideoReachBlock.objects.filter(brand=brand))
    assert {(b.campaign_id, b.video_id, b.start): _sums_of(b) for b in blocks if b.level == 0} == daily
    for block in (b for b in blocks if b.level > 0):
        days = [daily[key] for offset in range(span(block.level))
                if (key := (block.campaign_id, block.video_id, block.start + timedelta(days=offset))) in daily]
        assert _sums_of(block) == _added(days), (block.level, block.start)
    for row in DailyReach.objects.filter(brand=brand):
        assert _sums_of(row) == _added([sums for (campaign_id, _, day), sums in daily.items()
                                        if campaign_id == row.campaign_id and day == row.day]), row


def test_the_migration_fills_the_sums_from_the_daily_rollups(world):
    brand, _ = world
    fill_sums = importlib.import_module("analytics.migrations.0015_rollup_sums_on_sets").fill_sums
    before = {model: sorted((r.pk, _sums_of(r)) for r in model.objects.filter(brand=brand))
              for model in (DailyReach, VideoReachBlock)}
    zero = dict.fromkeys(ROLLUP_SUMS, 0)
    DailyReach.objects.filter(brand=brand).update(**zero)  # as the columns are added: all 0
    VideoReachBlock.objects.filter(brand=brand).update(**zero)
    fill_sums(django_apps, SimpleNamespace(connection=connection))  # it uses only the editor's connection
    assert sorted((r.pk, _sums_of(r)) for r in DailyReach.objects.filter(brand=brand)) == before[DailyReach]
    level0 = [(pk, sums) for pk, sums in before[VideoReachBlock]
              if VideoReachBlock.objects.get(pk=pk).level == 0]
    assert sorted((r.pk, _sums_of(r)) for r in VideoReachBlock.objects.filter(brand=brand, level=0)) == level0
    # the blocks above are stale: reads use the days (exact at once), the rebuild sums them again
    upper = set(VideoReachBlock.objects.filter(brand=brand, level__gt=0).values_list("level", "start"))
    assert set(StaleReachBlock.objects.filter(brand=brand).values_list("level", "start")) == upper
    assert_breakdowns_are_exact(brand)
    rollups.rebuild_stale_blocks(brand_id=brand.pk)
    assert_breakdowns_are_exact(brand)


def test_every_block_is_the_union_of_its_days(world):
    brand, _ = world
    day_sets = {(b.campaign_id, b.video_id, b.start): reach.load(b.viewers)
                for b in VideoReachBlock.objects.filter(brand=brand, level=0)}
    upper = list(VideoReachBlock.objects.filter(brand=brand, level__gt=0))
    assert {b.level for b in upper} == set(range(1, MAX_LEVEL + 1))
    for block in upper:
        expected = set()
        for offset in range(span(block.level)):
            expected |= set(day_sets.get((block.campaign_id, block.video_id, block.start + timedelta(days=offset)), ()))
        assert reach.members(block.viewers) == sorted(expected), (block.level, block.start)


@pytest.mark.parametrize("cache_mb", [64, 0])
def test_after_a_delta_reads_are_exact_before_and_after_the_rebuild(world, settings, cache_mb):
    brand, _ = world
    settings.KPI_SET_CACHE_MB = cache_mb
    assert_breakdowns_are_exact(brand)  # reads before the delta (which fill the process's set cache)
    add_pending_events(brand, n=120, seed=9)
    rollups.apply_pending(brand_id=brand.pk)
    stale = set(StaleReachBlock.objects.filter(brand=brand).values_list("level", "start"))
    assert stale and all(level >= 1 for level, _ in stale)
    assert_breakdowns_are_exact(brand)  # stale blocks are skipped: their halves are summed and unioned instead
    assert rollups.rebuild_stale_blocks(brand_id=brand.pk) == len(stale)
    assert not StaleReachBlock.objects.filter(brand=brand).exists()
    assert rollups.rebuild_stale_blocks(brand_id=brand.pk) == 0  # delivered twice: nothing left to do
    assert_breakdowns_are_exact(brand)


def test_the_delta_task_queues_the_block_rebuild(world, monkeypatch):
    brand, _ = world
    add_pending_events(brand, n=30, seed=4)
    queued = []
    monkeypatch.setattr(tasks.rebuild_reach_blocks, "delay", lambda *args: queued.append(args))
    assert tasks.apply_pending_rollups(brand.pk) == 30 and queued == [(brand.pk,)]
    assert tasks.apply_pending_rollups(brand.pk) == 0 and queued == [(brand.pk,)]  # nothing added: no rebuild


def test_beat_queues_the_rebuild_for_brands_with_stale_blocks_only(world, monkeypatch):
    brand, _ = world
    other = BrandFactory()
    StaleReachBlock.objects.create(brand=brand, level=2, start=reach_blocks.block_start(PERIOD.date_from, 2))
    queued = []
    monkeypatch.setattr(tasks.rebuild_reach_blocks, "delay", lambda *args: queued.append(args))
    monkeypatch.setattr(tasks.apply_pending_rollups, "delay", lambda *args: None)
    assert not PendingRollup.objects.exists()
    tasks.apply_all_pending_rollups()
    assert queued == [(brand.pk,)] and other.pk not in {q[0] for q in queued}


@pytest.fixture
def cached_world(world):
    """The world on PostgreSQL with the process's set cache empty (the cache keys sets by row versions)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: the set cache keys sets by PostgreSQL row versions")
    set_cache.block_sets().clear()
    return world


@pytest.mark.postgres
def test_a_second_read_takes_the_sets_from_the_process_cache(cached_world, django_assert_num_queries):
    brand, _ = cached_world
    first = api_breakdown(brand, PERIOD.date_from, PERIOD.date_to, BreakdownBy.VIDEO)
    # stale and sparse blocks, covering block ids, sparse blocks again, video titles (the reach cache is off):
    # no query for the sets or sums
    with django_assert_num_queries(4):
        again = api_breakdown(brand, PERIOD.date_from, PERIOD.date_to, BreakdownBy.VIDEO)
    assert again == first == raw_breakdown(brand, PERIOD.date_from, PERIOD.date_to, "video")


@pytest.mark.postgres
def test_blocks_replaced_between_the_id_query_and_the_set_query_are_looked_up_again(cached_world, monkeypatch):
    brand, _ = cached_world
    fetch, calls = selectors._fetch, []

    def fetch_then_rebuild(values):  # a rebuild commits right after the first query for the block ids
        rows = fetch(values)
        calls.append(len(rows))
        if len(calls) == 1:
            rollups.refresh_days(brand_id=brand.pk, first=PERIOD.date_from, last=PERIOD.date_to)
        return rows

    monkeypatch.setattr(selectors, "_fetch", fetch_then_rebuild)
    assert api_breakdown(brand, PERIOD.date_from, PERIOD.date_to, BreakdownBy.VIDEO) == raw_breakdown(
        brand, PERIOD.date_from, PERIOD.date_to, "video")
    # ids, their sets (none left: every row was replaced), ids again, their sets
    assert len(calls) == 4 and calls[1] == 0 and calls[2] == calls[3] > 0


def _scattered_events(brand, videos, viewers, *, seed: int, n: int, first: date, days: int) -> list[int]:
    """``n`` interactions on random days of ``first``..``first + days``, pending the way ingest records them."""
    import random

    rng = random.Random(seed)
    zone = ZoneInfo(brand.reporting_timezone)
    campaigns = list(brand.campaigns.all()) + [None]
    ids = []
    for _ in range(n):
        day = first + timedelta(days=rng.randrange(days))
        at = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=rng.randrange(1440))
        ids.append(InteractionFactory(brand=brand, video=rng.choice(videos), viewer=rng.choice(viewers),
                                      campaign=rng.choice(campaigns), kind="impression", occurred_at=at).pk)
    PendingRollup.objects.create(brand=brand, interaction_ids=ids)
    return ids


def _assert_reach_is_exact_over_windows(brand, windows) -> None:
    for first, last in windows:
        for by, key in ((BreakdownBy.VIDEO, "video"), (BreakdownBy.PLATFORM, "platform")):
            found = {group: row["reach"] for group, row in api_breakdown(brand, first, last, by).items()}
            assert found == raw_reach_by(brand, first, last, key), (first, last, key)


def test_sparse_histories_read_exact_reach_over_any_window(db, settings):
    """Videos seen on scattered days over three years (a backfill: most blocks are sparse, no rows) next to
    videos seen every day (stored blocks), through the delta path and a full recompute."""
    import random

    settings.KPI_REACH_CACHE_SECONDS = 0
    settings.PRIVACY_MIN_GROUP_SIZE = 1
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    CampaignFactory(brand=brand)
    douyin, kuaishou = factory_platform("douyin"), factory_platform("kuaishou")
    videos = [VideoFactory(brand=brand, platform=kuaishou if i % 2 else douyin) for i in range(6)]
    viewers = [ViewerFactory(brand=brand) for _ in range(25)]
    first = date(2024, 1, 1)
    _scattered_events(brand, videos[:4], viewers, seed=1, n=160, first=first, days=3 * 365)
    _scattered_events(brand, videos[4:], viewers, seed=2, n=240, first=first + timedelta(days=300), days=90)
    rng = random.Random(3)
    windows = [(first + timedelta(days=300), first + timedelta(days=389)), (first, first + timedelta(days=3 * 365))]
    for _ in range(40):
        start = first + timedelta(days=rng.randrange(3 * 365))
        windows.append((start, start + timedelta(days=rng.choice([0, 1, 6, 29, 63, 64, 90, 200, 400]))))

    rollups.apply_pending(brand_id=brand.pk)
    rollups.rebuild_stale_blocks(brand_id=brand.pk)
    assert SparseReachBlock.objects.filter(brand=brand).exists()
    assert VideoReachBlock.objects.filter(brand=brand, level=MAX_LEVEL).exists()
    _assert_reach_is_exact_over_windows(brand, windows)

    # more days seen, some in sparse blocks that become dense: stale until the rebuild, exact throughout
    _scattered_events(brand, videos, viewers, seed=4, n=120, first=first + timedelta(days=700), days=60)
    _scattered_events(brand, videos[4:], viewers, seed=5, n=60, first=first + timedelta(days=330), days=300)
    rollups.apply_pending(brand_id=brand.pk)
    _assert_reach_is_exact_over_windows(brand, windows)
    rollups.rebuild_stale_blocks(brand_id=brand.pk)
    _assert_reach_is_exact_over_windows(brand, windows)

    before = set(VideoReachBlock.objects.filter(brand=brand).values_list("level", "start", "video_id", "viewers"))
    rollups.recompute_brand(brand_id=brand.pk)  # the rebuild path decides the same blocks
    assert set(VideoReachBlock.objects.filter(brand=brand).values_list(
        "level", "start", "video_id", "viewers")) == before
    _assert_reach_is_exact_over_windows(brand, windows)


def test_a_block_that_turned_sparse_between_the_two_queries_is_read_again(db, settings, monkeypatch):
    """The sparse blocks listed before a rebuild committed, the rows read after it: the read is done again."""
    settings.KPI_REACH_CACHE_SECONDS = 0
    settings.PRIVACY_MIN_GROUP_SIZE = 1
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    videos = [VideoFactory(brand=brand) for _ in range(4)]
    viewers = [ViewerFactory(brand=brand) for _ in range(20)]
    first = date(2024, 1, 1)
    _scattered_events(brand, videos, viewers, seed=6, n=120, first=first, days=2 * 365)
    rollups.apply_pending(brand_id=brand.pk)
    rollups.rebuild_stale_blocks(brand_id=brand.pk)
    assert SparseReachBlock.objects.filter(brand=brand).exists()
    listings = []
    real = selectors._sparse_blocks

    def listed_before_the_rebuild(**kwargs):
        listings.append(kwargs)
        return real(**kwargs).none() if len(listings) == 1 else real(**kwargs)

    monkeypatch.setattr(selectors, "_sparse_blocks", listed_before_the_rebuild)
    _assert_reach_is_exact_over_windows(brand, [(first, first + timedelta(days=2 * 365))])
    assert len(listings) > 2  # listed, checked (a sparse block was read as stored), listed and checked again

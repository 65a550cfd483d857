"""KPI selectors equal an independent recomputation from the raw interactions, exactly."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from analytics import selectors
from analytics.kpis import KPIS, compute_all
from analytics.selectors import BreakdownBy, Granularity, Period
from tests.analytics.kpi_world import PERIOD, build, expected_sums
from tests.factories import BrandFactory, CampaignFactory


@pytest.fixture
def world(db):
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    other = BrandFactory(reporting_timezone="America/New_York")
    build(other, seed=2, n_events=200)
    return brand, build(brand)


@pytest.fixture
def new_york(db):
    brand = BrandFactory(reporting_timezone="America/New_York")
    BrandFactory(reporting_timezone="Asia/Shanghai")  # an empty neighbour: nothing leaks in either way
    return brand, build(brand, seed=3, n_events=300)


def test_campaign_totals_equal_recomputation(world):
    brand, campaigns = world
    ids = [campaigns[0].pk]
    assert selectors.kpi_totals(brand=brand, campaign_ids=ids, period=PERIOD) == compute_all(
        expected_sums(brand, campaign_ids=ids))


def test_brand_totals_include_interactions_outside_campaigns(world):
    brand, _ = world
    assert selectors.kpi_totals(brand=brand, campaign_ids=None, period=PERIOD) == compute_all(expected_sums(brand))


def test_totals_in_a_second_time_zone(new_york):
    brand, campaigns = new_york
    ids = [c.pk for c in campaigns]
    assert selectors.kpi_totals(brand=brand, campaign_ids=ids, period=PERIOD) == compute_all(
        expected_sums(brand, campaign_ids=ids))


def test_every_kpi_is_returned_and_ratios_follow_the_formulas(world):
    brand, _ = world
    totals = selectors.kpi_totals(brand=brand, campaign_ids=None, period=PERIOD)
    sums = expected_sums(brand)
    assert set(totals) == {k.name for k in KPIS}
    engagements = sums["likes"] + sums["comments"] + sums["shares"] + sums["follows"]
    assert totals["engagement_rate"] == (Decimal(engagements) / sums["views"]).quantize(Decimal("0.000001"))
    assert totals["cpm"] == (sums["spend"] * 1000 / sums["impressions"]).quantize(Decimal("0.000001"))
    assert totals["roi"] == ((sums["revenue"] - sums["spend"]) / sums["spend"]).quantize(Decimal("0.000001"))


@pytest.mark.parametrize("fixture", ["world", "new_york"])
def test_daily_series_uses_the_brands_days(db, request, fixture):
    brand, _ = request.getfixturevalue(fixture)
    rows = selectors.kpi_series(brand=brand, campaign_ids=None, period=PERIOD)
    assert [r.key for r in rows] == [(PERIOD.date_from + timedelta(days=d)).isoformat() for d in range(PERIOD.days)]
    for row in rows:
        day = date.fromisoformat(row.key)
        assert row.kpis == compute_all(expected_sums(brand, first=day, last=day)), day


@pytest.mark.parametrize("granularity", [Granularity.WEEK, Granularity.MONTH])
def test_weekly_and_monthly_series(world, granularity):
    brand, campaigns = world
    ids = [c.pk for c in campaigns]
    period = Period(date(2026, 9, 20), date(2026, 10, 20))
    rows = selectors.kpi_series(brand=brand, campaign_ids=ids, period=period, granularity=granularity)
    for row in rows:
        start = date.fromisoformat(row.key)
        end = start + timedelta(days=6) if granularity == Granularity.WEEK else (
            (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1))
        first, last = max(start, period.date_from), min(end, period.date_to)
        assert row.kpis == compute_all(expected_sums(brand, campaign_ids=ids, first=first, last=last)), start
    expected_keys = {"week": ["2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19"],
                     "month": ["2026-09-01", "2026-10-01"]}[granularity]
    assert [r.key for r in rows] == expected_keys


def test_reach_is_not_the_sum_of_daily_reach(world):
    brand, _ = world
    daily = sum(r.kpis["reach"] for r in selectors.kpi_series(brand=brand, campaign_ids=None, period=PERIOD))
    total = selectors.kpi_totals(brand=brand, campaign_ids=None, period=PERIOD)["reach"]
    assert total == expected_sums(brand)["reach"] == 30 and daily > total


def test_breakdown_by_video(world):
    brand, campaigns = world
    ids = [campaigns[1].pk]
    rows = selectors.kpi_breakdown(brand=brand, campaign_ids=ids, period=PERIOD, by=BreakdownBy.VIDEO).rows
    assert len(rows) == 5
    for row in rows:
        expected = expected_sums(brand, campaign_ids=ids, where=lambda e, pk=int(row.key): e.video_id == pk,
                                 spend=False)
        assert row.kpis == compute_all(expected) and row.kpis["cpm"] is None


def test_breakdown_by_platform(world):
    brand, campaigns = world
    ids = [campaigns[1].pk]
    rows = selectors.kpi_breakdown(brand=brand, campaign_ids=ids, period=PERIOD, by=BreakdownBy.PLATFORM).rows
    assert sorted(r.label for r in rows) == ["Douyin", "Kuaishou"]
    for row in rows:
        expected = expected_sums(brand, campaign_ids=ids, spend=False,
                                 where=lambda e, pk=int(row.key): e.video.platform_id == pk)
        assert row.kpis == compute_all(expected)


def test_breakdown_by_day_carries_spend(world):
    brand, campaigns = world
    ids = [campaigns[0].pk]
    rows = selectors.kpi_breakdown(brand=brand, campaign_ids=ids, period=PERIOD, by=BreakdownBy.DAY).rows
    assert len(rows) == PERIOD.days
    day = date.fromisoformat(rows[1].key)
    assert rows[1].kpis == compute_all(expected_sums(brand, campaign_ids=ids, first=day, last=day))


@override_settings(PRIVACY_MIN_GROUP_SIZE=8)
def test_gender_groups_with_enough_viewers_are_exact(world):
    brand, _ = world
    rows = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.GENDER).rows
    shown = {r.key: r for r in rows}
    assert (shown["male"].label, shown["unknown"].label) == ("Male", "Unknown")
    for key, stored in (("male", "male"), ("unknown", "")):
        expected = expected_sums(brand, spend=False, where=lambda e, g=stored: e.viewer.gender == g)
        assert shown[key].kpis == compute_all(expected) and shown[key].kpis["reach"] == 9


@override_settings(PRIVACY_MIN_GROUP_SIZE=8)
def test_a_too_small_other_takes_in_the_smallest_shown_group(world):
    brand, _ = world
    # Genders: female / male / unknown 9 viewers each, "other" 3. Merged "other" alone (3 < 8) would be
    # derivable as total minus the shown groups, so the smallest shown group (female, first on a tie)
    # joins it: 12 viewers.
    rows = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.GENDER).rows
    assert [(r.key, r.kpis["reach"]) for r in rows] == [("male", 9), ("unknown", 9), ("other_groups", 12)]
    expected = expected_sums(brand, spend=False, where=lambda e: e.viewer.gender in ("female", "other"))
    assert rows[-1].kpis == compute_all(expected)


@override_settings(PRIVACY_MIN_GROUP_SIZE=31)
def test_an_audience_smaller_than_one_group_shows_nothing(world):
    brand, _ = world
    result = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.GENDER)
    assert (result.rows, result.suppressed_viewers) == ([], True)


@override_settings(PRIVACY_MIN_GROUP_SIZE=7)
def test_small_regions_are_merged_into_other(world):
    brand, _ = world
    # Regions have 12 / 9 / 6 / 3 viewers: Chengdu (6) and Lhasa (3) are merged, 9 viewers >= 7.
    result = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.REGION)
    rows = result.rows
    assert [r.key for r in rows] == ["Beijing", "Shanghai", "other_groups"] and not result.suppressed_viewers
    merged = expected_sums(brand, spend=False, where=lambda e: e.viewer.region in ("Chengdu", "Lhasa"))
    assert rows[-1].kpis == compute_all(merged) and rows[-1].kpis["reach"] == 9
    assert rows[0].kpis == compute_all(expected_sums(brand, spend=False, where=lambda e: e.viewer.region == "Beijing"))


def test_default_threshold_of_20_viewers_merges_every_age_band(world):
    brand, _ = world
    # 30 viewers: 14 / 14 / 2 per age band, all under the default 20, together 30 -> one "other" row.
    rows = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.AGE_BAND).rows
    assert [(r.key, r.kpis["reach"]) for r in rows] == [("other_groups", 30)]
    assert rows[0].kpis == compute_all(expected_sums(brand, spend=False))


def test_zero_denominators_are_none(db):
    brand = BrandFactory()
    totals = selectors.kpi_totals(brand=brand, campaign_ids=None, period=PERIOD)
    ratios = {"avg_watch_time_ms", "completion_rate", "view_rate_2s", "view_rate_6s", "engagement_rate", "ctr",
              "cvr", "cpm", "cpv", "cpc", "cpa", "roas", "roi"}
    assert {name for name, value in totals.items() if value is None} == ratios
    assert totals["views"] == 0 and totals["revenue"] == 0 and totals["reach"] == 0


def test_comparison_with_the_previous_period(world):
    brand, _ = world
    comparison = selectors.kpi_comparison(brand=brand, campaign_ids=None, period=PERIOD)
    previous = compute_all(expected_sums(brand, first=date(2026, 9, 17), last=date(2026, 9, 30)))
    current = compute_all(expected_sums(brand))
    for name in ("views", "reach", "revenue", "ctr"):
        absolute = current[name] - previous[name]
        assert comparison[name] == {
            "current": current[name], "previous": previous[name], "absolute_change": absolute,
            "relative_change": (Decimal(absolute) / Decimal(previous[name])).quantize(Decimal("0.000001"))}, name


def test_top_videos_ranked_by_any_kpi(world):
    brand, _ = world
    expected = {}
    for video in brand.videos.all():
        kpis = compute_all(expected_sums(brand, spend=False, where=lambda e, pk=video.pk: e.video_id == pk))
        expected[str(video.pk)] = kpis["completion_rate"]
    ranked = sorted(expected, key=lambda pk: (-expected[pk], pk))
    top = selectors.top_videos(brand=brand, period=PERIOD, kpi="completion_rate", first=3)
    assert [(r.key, r.kpis["completion_rate"]) for r in top] == [(pk, expected[pk]) for pk in ranked[:3]]


def test_brand_overview_has_brand_totals_and_each_campaign(world):
    brand, campaigns = world
    overview = selectors.brand_overview(brand=brand, period=PERIOD)
    assert overview["totals"] == compute_all(expected_sums(brand))
    assert {c.pk: kpis for c, kpis in overview["campaigns"]} == {
        c.pk: compute_all(expected_sums(brand, campaign_ids=[c.pk])) for c in campaigns}


def test_brand_overview_query_count_does_not_grow_with_campaigns(world, django_assert_num_queries):
    brand, _ = world
    # campaigns, campaign days (sums and sets), rollup generation (reach cache key), spend by campaign
    # + the 3 totals queries
    with django_assert_num_queries(7):
        selectors.brand_overview(brand=brand, period=PERIOD)
    CampaignFactory.create_batch(3, brand=brand)
    with django_assert_num_queries(7):  # the same (a reach cache hit saves no query: the sums come with the sets)
        overview = selectors.brand_overview(brand=brand, period=PERIOD)
    empty = [kpis for c, kpis in overview["campaigns"] if c.pk not in {x.pk for x in world[1]}]
    assert len(empty) == 3 and all(k["views"] == 0 and k["ctr"] is None for k in empty)


def test_brand_overview_values_are_the_overview_as_kpi_value_pairs(world):
    brand, campaigns = world
    overview = selectors.brand_overview(brand=brand, period=PERIOD)
    values = selectors.brand_overview_values(brand=brand, period=PERIOD, kpis=["views", "ctr"])
    assert (values.date_from, values.date_to) == (PERIOD.date_from, PERIOD.date_to)
    assert [(v.kpi, v.value) for v in values.totals] == [
        (name, None if overview["totals"][name] is None else Decimal(overview["totals"][name])) for name in ("views", "ctr")]
    assert [(c.campaign_id, c.name, c.status, [v.kpi for v in c.values]) for c in values.campaigns] == [
        (c.pk, c.name, c.status, ["views", "ctr"]) for c, _ in overview["campaigns"]]
    every = selectors.brand_overview_values(brand=brand, period=PERIOD)
    assert [v.kpi for v in every.totals] == [k.name for k in KPIS]


def test_brand_overview_scoped_to_some_campaigns(world):
    brand, campaigns = world
    ids = [campaigns[1].pk]
    overview = selectors.brand_overview(brand=brand, period=PERIOD, campaign_ids=ids)
    assert overview["totals"] == compute_all(expected_sums(brand, campaign_ids=ids))
    assert [c.pk for c, _ in overview["campaigns"]] == ids


@pytest.mark.parametrize(("call", "queries"), [
    # campaign days (sums and sets), rollup generation (the reach cache key), spend
    (lambda b: selectors.kpi_totals(brand=b, campaign_ids=None, period=PERIOD), 3),
    (lambda b: selectors.kpi_series(brand=b, campaign_ids=None, period=PERIOD, granularity=Granularity.WEEK), 3),
    # stale and sparse reach blocks, the covering blocks' sums and sets (on PostgreSQL: their ids, then the
    # sums and sets the process's set cache does not hold), sparse blocks again, rollup generation, video titles
    (lambda b: selectors.kpi_breakdown(brand=b, campaign_ids=None, period=PERIOD, by=BreakdownBy.VIDEO),
     {"sqlite": 5, "postgresql": 6}),
    (lambda b: selectors.kpi_breakdown(brand=b, campaign_ids=None, period=PERIOD, by=BreakdownBy.REGION), 1),
    # active model, persona labels, grouped sums (whatever the number of personas)
    (lambda b: selectors.kpi_breakdown(brand=b, campaign_ids=None, period=PERIOD, by=BreakdownBy.PERSONA), 3),
    (lambda b: selectors.kpi_comparison(brand=b, campaign_ids=None, period=PERIOD), 6),
])
def test_selector_query_counts(world, django_assert_num_queries, call, queries):
    brand, _ = world
    with django_assert_num_queries(queries[connection.vendor] if isinstance(queries, dict) else queries):
        call(brand)


def test_a_scope_reads_its_campaign_days_and_the_rollup_generation_once(world):
    brand, _ = world
    scope = selectors.KpiScope(brand=brand, campaign_ids=None, period=PERIOD)
    with CaptureQueriesContext(connection) as queries:
        totals, series = scope.totals(), scope.series()
        scope.breakdown(BreakdownBy.VIDEO)
    tables = [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in queries.captured_queries]
    assert tables.count("analytics_dailyreach") == 1 and tables.count("analytics_rollupgeneration") == 1
    assert totals == compute_all(expected_sums(brand))
    assert [row.kpis for row in series] == [
        compute_all(expected_sums(brand, first=day, last=day))
        for day in (PERIOD.date_from + timedelta(days=n) for n in range(PERIOD.days))]

"""Platform-reported KPIs (per ad platform, null when not reported) and the reconciliation with first-party counts."""

from datetime import date
from decimal import Decimal

import pytest

from analytics import kpis, platform_metrics
from analytics.kpis import KpiSource
from tests.analytics.platform_world import account, first_party, stat
from tests.factories import BrandFactory, CampaignFactory

D1, D2, D3 = date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)


@pytest.fixture
def world(db):
    brand = BrandFactory()
    campaign = CampaignFactory(brand=brand)
    other = CampaignFactory(brand=brand)
    ocean = account(brand, "oceanengine", "1001")
    kwai = account(brand, "kuaishou_ads", "2002")
    # Ocean Engine (as its connector stores it): plays with play times and effective plays; no reach, no 2/3/6/10 s
    stat(ocean, campaign, D1, spend="300.00", impressions=10_000, clicks=200, plays=4_000,
         effective_plays=1_000, plays_25=2_000, plays_100=500, avg_play_time_s=6.5, conversions=12)
    stat(ocean, campaign, D2, spend="200.50", impressions=8_000, clicks=100, plays=1_000,
         effective_plays=350, plays_25=600, plays_100=150, avg_play_time_s=4.0, conversions=0)
    # an ad group row of the same delivery: not added to the campaign's numbers
    stat(ocean, campaign, D1, level="adgroup", external_id="g1", spend="300.00", impressions=10_000)
    # outside the period, and another campaign
    stat(ocean, campaign, D3, spend="999.00", impressions=1)
    stat(ocean, other, D1, external_id="c9", spend="50.00", impressions=77)
    # Kuaishou: 3 s plays are its effective plays; no play time, no profile visits
    stat(kwai, campaign, D1, spend="100.00", impressions=5_000, clicks=50, plays=2_500, plays_3s=1_200,
         plays_10s=600, effective_plays=1_200, conversions=5)
    return campaign


def test_platform_kpis_are_per_ad_platform_and_null_where_not_reported(world):
    ocean, kwai = platform_metrics.platform_kpis(brand_id=world.brand_id, campaign_ids=[world.pk], date_from=D1,
                                                 date_to=D2)
    assert (ocean.ad_platform, kwai.ad_platform) == ("oceanengine", "kuaishou_ads")
    o = ocean.kpis
    assert o["platform_spend"] == Decimal("500.50")
    assert (o["paid_impressions"], o["paid_clicks"], o["plays"], o["effective_plays"]) == (18_000, 300, 5_000, 1_350)
    assert (o["plays_25"], o["plays_100"], o["platform_conversions"]) == (2_600, 650, 12)
    assert o["avg_play_time_s"] == Decimal("6")  # (6.5 × 4000 + 4.0 × 1000) / 5000
    assert o["cost_per_conversion"] == Decimal("41.708333")  # 500.50 / 12
    # not reported by Ocean Engine in these rows: null, never 0
    for name in ("paid_reach", "plays_2s", "plays_3s", "plays_6s", "plays_10s", "plays_50", "plays_75", "frequency",
                 "cost_per_1000_reached", "profile_visits"):
        assert o[name] is None, name
    k = kwai.kpis
    assert (k["platform_spend"], k["plays"], k["plays_3s"], k["effective_plays"]) == (Decimal("100.00"), 2_500,
                                                                                      1_200, 1_200)
    assert k["cost_per_conversion"] == Decimal("20")
    assert k["plays_10s"] == 600
    assert k["avg_play_time_s"] is None and k["profile_visits"] is None and k["plays_25"] is None


def test_platform_kpi_values_pair_the_asked_kpis_with_their_values(world):
    ocean, kwai = platform_metrics.platform_kpi_values(brand_id=world.brand_id, campaign_ids=[world.pk], date_from=D1,
                                                       date_to=D2, kpis=["platform_spend", "paid_reach"])
    assert (ocean.ad_platform, ocean.source, kwai.ad_platform) == ("oceanengine", "platform", "kuaishou_ads")
    assert [(v.kpi, v.value) for v in ocean.values] == [("platform_spend", Decimal("500.50")), ("paid_reach", None)]
    (every, _) = platform_metrics.platform_kpi_values(brand_id=world.brand_id, campaign_ids=[world.pk], date_from=D1,
                                                      date_to=D2)
    assert [v.kpi for v in every.values] == [k.name for k in kpis.PLATFORM_KPIS]


def test_frequency_and_cost_per_thousand_reached_from_reach(world):
    tiktok = account(world.brand, "tiktok", "3003")
    stat(tiktok, world, D1, spend="80.00", impressions=9_000, reach=3_000, clicks=90)
    stat(tiktok, world, D2, spend="40.00", impressions=3_000, reach=2_000, clicks=30)
    rows = platform_metrics.platform_kpis(brand_id=world.brand_id, campaign_ids=[world.pk], date_from=D1,
                                          date_to=D2)
    (row,) = [r for r in rows if r.ad_platform == "tiktok"]
    assert row.kpis["frequency"] == Decimal("2.4")  # 12000 / 5000
    assert row.kpis["cost_per_1000_reached"] == Decimal("24")  # 120 / 5000 × 1000
    assert row.kpis["platform_conversions"] is None and row.kpis["cost_per_conversion"] is None


def test_a_period_without_platform_rows_has_no_platform_sets(world):
    assert platform_metrics.platform_kpis(brand_id=world.brand_id, campaign_ids=[world.pk],
                                          date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)) == []


def test_the_brand_scope_counts_every_campaign_row_of_its_accounts(world):
    (ocean, _) = platform_metrics.platform_kpis(brand_id=world.brand_id, campaign_ids=None, date_from=D1,
                                                date_to=D1)
    assert ocean.kpis["paid_impressions"] == 10_077  # this campaign's 10000 and the other campaign's 77
    assert platform_metrics.platform_kpis(brand_id=BrandFactory().pk, campaign_ids=None, date_from=D1,
                                          date_to=D3) == []


def test_reconciliation_puts_platform_and_first_party_counts_side_by_side(world):
    first_party(world, D1, impressions=12_000, views=8_000, clicks=250)
    first_party(world, D1, impressions=3_000, views=0, clicks=0, platform_code="kuaishou")
    first_party(world, D3, impressions=0, views=0, clicks=0)
    rows = platform_metrics.reconciliation(brand_id=world.brand_id, campaign_ids=[world.pk], date_from=D1,
                                           date_to=D3)
    assert [r.day for r in rows] == [D1, D2, D3]
    d1, d2, d3 = rows
    # day 1: platforms 10000 + 5000 impressions, 4000 + 2500 plays, 200 + 50 clicks
    assert (d1.platform_impressions, d1.first_party_impressions, d1.impressions_difference) == (
        15_000, 15_000, Decimal("0"))
    assert (d1.platform_plays, d1.first_party_plays, d1.plays_difference) == (6_500, 8_000, Decimal("-0.1875"))
    assert (d1.platform_clicks, d1.first_party_clicks, d1.clicks_difference) == (250, 250, Decimal("0"))
    # day 2: no first-party events: the difference is undefined
    assert (d2.platform_impressions, d2.first_party_impressions, d2.impressions_difference) == (8_000, 0, None)
    # day 3: the platform reported only impressions
    assert (d3.platform_impressions, d3.platform_plays, d3.plays_difference) == (1, None, None)


def test_every_platform_kpi_names_its_source_and_each_platforms_field():
    assert {k.source for k in kpis.KPIS} == {KpiSource.FIRST_PARTY}
    assert {k.source for k in kpis.PLATFORM_KPIS} == {KpiSource.PLATFORM}
    assert not set(kpis.BY_NAME) & set(kpis.PLATFORM_BY_NAME)
    for kpi in kpis.PLATFORM_KPIS:
        assert kpi.platform_fields, kpi.name
        assert set(kpi.platform_fields) <= {"tiktok", "oceanengine", "kuaishou_ads"}
        for spec in kpi.platform_fields.values():
            assert spec.field and spec.definition and spec.reference
    effective = kpis.PLATFORM_BY_NAME["effective_plays"].platform_fields
    assert effective["oceanengine"].field == "valid_play" and "10秒" in effective["oceanengine"].definition
    assert effective["kuaishou_ads"].field == "played_three_seconds"
    assert "tiktok" not in effective


# PlatformDailyStat column each platform KPI sums (the ratios and the weighted average aside).
COLUMN_OF = {"platform_spend": "spend", "paid_impressions": "impressions", "paid_clicks": "clicks",
             "paid_reach": "reach", "plays": "plays", "plays_2s": "plays_2s", "plays_3s": "plays_3s",
             "plays_6s": "plays_6s", "plays_10s": "plays_10s", "effective_plays": "effective_plays",
             "plays_25": "plays_25", "plays_50": "plays_50", "plays_75": "plays_75", "plays_100": "plays_100",
             "avg_play_time_s": "avg_play_time_s", "profile_visits": "profile_visits",
             "platform_conversions": "conversions"}
DERIVED_BY_THE_CONNECTOR = {("plays_100", "kuaishou_ads")}  # play_end_ratio × aclick


@pytest.mark.parametrize("ad_platform", ["tiktok", "oceanengine", "kuaishou_ads"])
def test_the_dictionary_names_exactly_the_fields_the_connectors_store(ad_platform):
    from importlib import import_module

    module = {"tiktok": "tiktok", "oceanengine": "oceanengine", "kuaishou_ads": "kuaishou"}[ad_platform]
    field_map = import_module(f"adplatforms.connectors.{module}").FIELD_MAP
    for kpi_name, column in COLUMN_OF.items():
        spec = kpis.PLATFORM_BY_NAME[kpi_name].platform_fields.get(ad_platform)
        if (kpi_name, ad_platform) in DERIVED_BY_THE_CONNECTOR:
            assert spec is not None and column not in field_map
        elif column in field_map:
            assert spec is not None and spec.field == field_map[column], (kpi_name, ad_platform)
        else:
            assert spec is None, (kpi_name, ad_platform)

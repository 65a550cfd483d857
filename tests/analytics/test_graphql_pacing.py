"""GraphQL: Campaign.pacing, the alerts connection, platform KPIs by source and the reconciliation."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import pacing_alerts
from analytics.models import PacingAlert
from marketing.models import CampaignStatus
from tests.analytics.platform_world import account, first_party, stat
from tests.analytics.test_pacing import NOON_DAY_6, campaign  # noqa: F401  (fixture)
from tests.conftest import member
from tests.factories import BrandFactory, CampaignFactory, CampaignSpendFactory
from tests.marketing.graphql_helpers import gid, gql, ok

PACING = """query($id: ID!) { node(id: $id) { ... on Campaign { pacing {
    day currency spendToDate spendToday budgetLifetime budgetDaily expectedLifetime expectedDaily ratio status
    dailyCapHitEarly projectedSpend elapsedShare } } } }"""


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("reelboard.graphql.analytics.types.timezone.now", lambda: NOON_DAY_6)


def test_campaign_pacing_in_graphql(campaign, frozen):  # noqa: F811
    user = member(campaign.brand, "viewer")
    data = ok(gql(PACING, {"id": gid(campaign)}, user=user))["node"]["pacing"]
    assert data == {"day": "2026-12-06", "currency": "CNY", "spendToDate": "4100.00", "spendToday": "1500.00",
                    "budgetLifetime": "10000.00", "budgetDaily": "1500.00", "expectedLifetime": "5500.00",
                    "expectedDaily": "8250.00", "ratio": "0.745455", "status": "UNDER_PACING",
                    "dailyCapHitEarly": True, "projectedSpend": "7454.55", "elapsedShare": "0.550000"}


def test_pacing_is_null_for_a_campaign_that_is_not_active(campaign, frozen):  # noqa: F811
    campaign.status = CampaignStatus.PAUSED
    campaign.save()
    user = member(campaign.brand, "viewer")
    assert ok(gql(PACING, {"id": gid(campaign)}, user=user))["node"]["pacing"] is None


def test_a_campaign_list_with_pacing_reads_spend_once_per_campaign(campaign, frozen, settings):  # noqa: F811
    settings.DB_STATEMENT_TIMEOUT_MS = 0
    for _ in range(2):
        other = CampaignFactory(brand=campaign.brand, status=CampaignStatus.ACTIVE, starts_at=campaign.starts_at,
                                ends_at=campaign.ends_at)
        CampaignSpendFactory(campaign=other, date=date(2026, 12, 2), amount=Decimal("10"))
    user = member(campaign.brand, "viewer")
    query = "{ campaigns { edges { node { name pacing { spendToDate status } } } } }"
    gql(query, user=user)  # warm the session and caches
    with CaptureQueriesContext(connection) as captured:
        data = ok(gql(query, user=user))
    spends = sorted(edge["node"]["pacing"]["spendToDate"] for edge in data["campaigns"]["edges"])
    assert spends == ["10.00", "10.00", "4100.00"]
    spend_reads = [q for q in captured.captured_queries if "marketing_campaignspend" in q["sql"]]
    assert len(spend_reads) == 3


ALERTS = "{ alerts { edges { node { id day condition spendToDate expectedSpend pacingRatio campaign { name } } } } }"


def test_alerts_are_listed_for_the_callers_brands_only(campaign):  # noqa: F811
    pacing_alerts.evaluate(now=NOON_DAY_6)
    other = CampaignFactory(brand=BrandFactory(), status=CampaignStatus.ACTIVE, budget_daily=Decimal("1"),
                            starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    CampaignSpendFactory(campaign=other, date=date(2026, 12, 6), amount=Decimal("5"))
    pacing_alerts.evaluate(now=NOON_DAY_6)
    assert PacingAlert.objects.exclude(brand=campaign.brand).exists()
    user = member(campaign.brand, "viewer")
    nodes = [e["node"] for e in ok(gql(ALERTS, user=user))["alerts"]["edges"]]
    under = PacingAlert.objects.get(campaign=campaign, condition="under_pacing")
    assert sorted(n["condition"] for n in nodes) == ["DAILY_CAP_EARLY", "UNDER_PACING"]
    node = next(n for n in nodes if n["condition"] == "UNDER_PACING")
    assert node == {"id": gid(under), "day": "2026-12-06", "condition": "UNDER_PACING", "spendToDate": "4100.00",
                    "expectedSpend": "5500.00", "pacingRatio": "0.745455", "campaign": {"name": campaign.name}}


PLATFORM = """query($id: ID!) { campaignKpis(campaign: $id, dateFrom: "2026-12-01", dateTo: "2026-12-02") {
    totals(kpis: [IMPRESSIONS, VIEWS]) { kpi value }
    platformTotals(kpis: [PAID_IMPRESSIONS, EFFECTIVE_PLAYS, PLAYS_6S, AVG_PLAY_TIME_S]) { adPlatform source values { kpi value } }
    reconciliation { day platformImpressions firstPartyImpressions impressionsDifference platformPlays
                     firstPartyPlays playsDifference platformClicks firstPartyClicks clicksDifference } } }"""


def test_campaign_kpis_by_source_and_the_reconciliation(db):
    brand = BrandFactory()
    paid = CampaignFactory(brand=brand)
    ocean = account(brand, "oceanengine", "1001")
    stat(ocean, paid, date(2026, 12, 1), spend="10.00", impressions=1_200, plays=900, clicks=30,
         effective_plays=400, avg_play_time_s=5.5)
    first_party(paid, date(2026, 12, 1), impressions=1_000, views=1_000, clicks=40)
    user = member(brand, "viewer")
    data = ok(gql(PLATFORM, {"id": gid(paid)}, user=user))["campaignKpis"]
    assert data["totals"] == [{"kpi": "IMPRESSIONS", "value": "0"}, {"kpi": "VIEWS", "value": "0"}]  # from events
    assert data["platformTotals"] == [{"adPlatform": "oceanengine", "source": "platform", "values": [
        {"kpi": "PAID_IMPRESSIONS", "value": "1200"}, {"kpi": "EFFECTIVE_PLAYS", "value": "400"},
        {"kpi": "PLAYS_6S", "value": None}, {"kpi": "AVG_PLAY_TIME_S", "value": "5.500000"}]}]
    assert data["reconciliation"] == [
        {"day": "2026-12-01", "platformImpressions": 1200, "firstPartyImpressions": 1000,
         "impressionsDifference": "0.200000", "platformPlays": 900, "firstPartyPlays": 1000, "playsDifference": "-0.100000",
         "platformClicks": 30, "firstPartyClicks": 40, "clicksDifference": "-0.250000"},
        {"day": "2026-12-02", "platformImpressions": None, "firstPartyImpressions": 0,
         "impressionsDifference": None, "platformPlays": None, "firstPartyPlays": 0, "playsDifference": None,
         "platformClicks": None, "firstPartyClicks": 0, "clicksDifference": None}]


def test_platform_kpi_definitions_name_each_platforms_field(db):
    user = member(BrandFactory(), "viewer")
    data = ok(gql("{ platformKpiDefinitions { name source platformFields { adPlatform field } } "
                  "kpiDefinitions { name source } }", user=user))
    effective = next(d for d in data["platformKpiDefinitions"] if d["name"] == "EFFECTIVE_PLAYS")
    assert effective == {"name": "EFFECTIVE_PLAYS", "source": "platform", "platformFields": [
        {"adPlatform": "oceanengine", "field": "valid_play"},
        {"adPlatform": "kuaishou_ads", "field": "played_three_seconds"}]}
    assert {d["source"] for d in data["kpiDefinitions"]} == {"first_party"}


def test_another_brands_campaign_has_no_pacing_for_the_caller(campaign, frozen):  # noqa: F811
    stranger = member(BrandFactory(), "admin")
    body = gql(PACING, {"id": gid(campaign)}, user=stranger)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_alerts_need_authentication(db):
    body = gql(ALERTS)
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


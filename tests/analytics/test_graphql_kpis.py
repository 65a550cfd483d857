"""Campaign KPIs through /graphql with a bearer token equal the independent recomputation."""

from decimal import Decimal

import pytest

from analytics.kpis import KPIS, compute_all
from marketing.models import Role
from tests.analytics.test_kpis import PERIOD, build, expected_sums
from tests.factories import BrandFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok

QUERY = """
query($c: ID!, $from: Date!, $to: Date!) {
  campaignKpis(campaign: $c, dateFrom: $from, dateTo: $to) {
    totals { kpi value }
    comparison(kpis: [VIEWS]) { kpi value previous absoluteChange }
    series(granularity: DAY, kpis: [VIEWS, REACH, SPEND]) { key values { kpi value } }
    breakdown(by: VIDEO, kpis: [VIEWS, COMPLETION_RATE]) { groups { key values { kpi value } } }
  }
}"""


def as_api(value):
    return None if value is None else str(Decimal(value))


@pytest.fixture
def world(db):
    brand = BrandFactory()
    campaigns = build(brand)
    _, token = make_token(brand=brand, role=Role.VIEWER)
    return brand, campaigns, token


def test_campaign_kpis_match_raw_interactions(world):
    brand, campaigns, token = world
    campaign = campaigns[0]
    data = ok(gql(QUERY, {"c": gid(campaign), "from": str(PERIOD.date_from), "to": str(PERIOD.date_to)},
                  token=token))["campaignKpis"]
    expected = compute_all(expected_sums(brand, campaign_ids=[campaign.pk]))
    assert {v["kpi"]: v["value"] for v in data["totals"]} == {
        k.name.upper(): as_api(expected[k.name]) for k in KPIS}
    first_day = data["series"][0]
    day_sums = expected_sums(brand, campaign_ids=[campaign.pk], first=PERIOD.date_from, last=PERIOD.date_from)
    assert first_day["key"] == str(PERIOD.date_from)
    assert {v["kpi"]: v["value"] for v in first_day["values"]} == {
        "VIEWS": str(day_sums["views"]), "REACH": str(day_sums["reach"]), "SPEND": as_api(compute_all(day_sums)["spend"])}
    assert len(data["series"]) == PERIOD.days
    video_views = sum(int(g["values"][0]["value"]) for g in data["breakdown"]["groups"])
    assert video_views == expected["views"]


def test_another_brands_campaign_is_not_found(world):
    _, _, token = world
    foreign = build(BrandFactory(), seed=5, n_events=20)[0]
    body = gql(QUERY, {"c": gid(foreign), "from": "2026-10-01", "to": "2026-10-02"}, token=token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_reversed_date_range_is_a_clear_error(world):
    _, campaigns, token = world
    body = gql(QUERY, {"c": gid(campaigns[0]), "from": "2026-10-05", "to": "2026-10-01"}, token=token)
    assert body["errors"][0]["message"] == "dateTo is before dateFrom."
    assert body["errors"][0]["extensions"]["field"] == "dateTo"


def test_kpi_definitions_list_the_dictionary(world):
    _, _, token = world
    data = ok(gql("{ kpiDefinitions { name formula unit } }", token=token))
    assert [d["name"] for d in data["kpiDefinitions"]] == [k.name.upper() for k in KPIS]
    roas = next(d for d in data["kpiDefinitions"] if d["name"] == "ROAS")
    assert (roas["formula"], roas["unit"]) == ("revenue / spend", "ratio")


def test_top_videos_by_views(world):
    brand, _, token = world
    data = ok(gql("""query($b: ID!) { topVideos(brand: $b, dateFrom: "2026-10-01", dateTo: "2026-10-14",
                  kpi: VIEWS, first: 2) { videoId title values { kpi value } } }""", {"b": gid(brand)}, token=token))
    views = [int(next(v["value"] for v in row["values"] if v["kpi"] == "VIEWS")) for row in data["topVideos"]]
    all_views = sorted((expected_sums(brand, where=lambda e, v=v: e.video_id == v.pk)["views"]
                        for v in brand.videos.all()), reverse=True)
    assert views == all_views[:2]

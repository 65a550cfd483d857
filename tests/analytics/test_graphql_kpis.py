"""Campaign KPIs through /graphql with a bearer token equal the independent recomputation."""

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from analytics import selectors
from analytics.kpis import KPIS, compute_all
from analytics.personas.models import Persona, PersonaAssignment, PersonaModel
from analytics.selectors import BreakdownBy
from analytics.trained.models import TrainingStatus
from marketing.models import Interaction, Role
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


# --- every KPI, series and breakdown through /graphql against plain Python over the raw rows --------

FULL = """
query($c: ID!, $from: Date!, $to: Date!, $by: BreakdownBy!) {
  campaignKpis(campaign: $c, dateFrom: $from, dateTo: $to) {
    series(granularity: DAY) { key values { kpi value } }
    breakdown(by: $by) { suppressedSmallGroups groups { key label values { kpi value } } }
  }
}"""


def api_kpis(values):
    return {v["kpi"].lower(): v["value"] for v in values}


def as_api_kpis(sums):
    return {name: as_api(value) for name, value in compute_all(sums).items()}


def campaign_answer(token, campaign, by):
    return ok(gql(FULL, {"c": gid(campaign), "from": str(PERIOD.date_from), "to": str(PERIOD.date_to), "by": by},
                  token=token))["campaignKpis"]


def test_every_day_of_the_series_matches_raw_interactions(world):
    brand, campaigns, token = world
    ids = [campaigns[0].pk]
    series = campaign_answer(token, campaigns[0], "DAY")["series"]
    assert [row["key"] for row in series] == [str(PERIOD.date_from + timedelta(days=d)) for d in range(PERIOD.days)]
    for row in series:
        day = date.fromisoformat(row["key"])
        assert api_kpis(row["values"]) == as_api_kpis(expected_sums(brand, campaign_ids=ids, first=day, last=day))


@pytest.mark.parametrize("by, key_of", [
    ("VIDEO", lambda e: str(e.video_id)),
    ("PLATFORM", lambda e: str(e.video.platform_id)),
])
def test_content_breakdowns_match_raw_interactions(world, by, key_of):
    brand, campaigns, token = world
    ids = [campaigns[0].pk]
    groups = campaign_answer(token, campaigns[0], by)["breakdown"]["groups"]
    keys = {key_of(e) for e in Interaction.objects.filter(campaign_id__in=ids).select_related("video")
            if PERIOD.date_from <= e.occurred_at.astimezone(ZoneInfo(brand.reporting_timezone)).date() <= PERIOD.date_to}
    assert {g["key"] for g in groups} == keys
    for group in groups:
        # spend is recorded per campaign day: it cannot be split by video or platform, so spend KPIs are null
        expected = expected_sums(brand, campaign_ids=ids, spend=False, where=lambda e, k=group["key"]: key_of(e) == k)
        assert api_kpis(group["values"]) == as_api_kpis(expected)


ROWS = """query($c: ID!, $from: Date!, $to: Date!) { campaignKpis(campaign: $c, dateFrom: $from, dateTo: $to) {
  series(granularity: DAY) { key row }
  breakdown(by: VIDEO, kpis: [REACH, VIEWS, CTR, SPEND]) { groups { key row } } } }"""


def test_rows_are_the_values_in_kpi_order_and_match_raw_interactions(world):
    brand, campaigns, token = world
    ids = [campaigns[0].pk]
    data = ok(gql(ROWS, {"c": gid(campaigns[0]), "from": str(PERIOD.date_from), "to": str(PERIOD.date_to)},
                  token=token))["campaignKpis"]
    assert len(data["series"]) == PERIOD.days
    for group in data["series"]:  # no kpis argument: every KPI, in kpiDefinitions order
        day = date.fromisoformat(group["key"])
        expected = as_api_kpis(expected_sums(brand, campaign_ids=ids, first=day, last=day))
        assert group["row"] == [expected[k.name] for k in KPIS]
    assert data["breakdown"]["groups"]
    for group in data["breakdown"]["groups"]:
        expected = as_api_kpis(expected_sums(brand, campaign_ids=ids, spend=False,
                                             where=lambda e, k=group["key"]: str(e.video_id) == k))
        assert group["row"] == [expected["reach"], expected["views"], expected["ctr"], None]


TABLE = """query($c: ID!, $from: Date!, $to: Date!, $by: BreakdownBy!) {
  campaignKpis(campaign: $c, dateFrom: $from, dateTo: $to) {
    all: breakdown(by: $by) { groups { key label } table { columns rows } }
    some: breakdown(by: $by, kpis: [VIEWS, CTR, SPEND]) { table { columns rows } } } }"""


@pytest.mark.parametrize("by, key_of", [
    ("VIDEO", lambda e: str(e.video_id)),
    ("GENDER", lambda e: e.viewer.gender or "unknown"),
])
def test_breakdown_table_is_the_groups_as_rows_and_matches_raw_interactions(world, by, key_of):
    brand, campaigns, token = world
    ids = [campaigns[0].pk]
    data = ok(gql(TABLE, {"c": gid(campaigns[0]), "from": str(PERIOD.date_from), "to": str(PERIOD.date_to),
                          "by": by}, token=token))["campaignKpis"]
    everything, some = data["all"], data["some"]["table"]
    assert everything["table"]["columns"] == ["key", "label", *(k.name for k in KPIS)]
    assert some["columns"] == ["key", "label", "views", "ctr", "spend"]
    assert [row[:2] for row in everything["table"]["rows"]] == [[g["key"], g["label"]] for g in everything["groups"]]
    assert [row[0] for row in some["rows"]] == [g["key"] for g in everything["groups"]]
    assert everything["groups"]
    for row, small in zip(everything["table"]["rows"], some["rows"], strict=True):
        if row[0] == "other_groups":  # merged small groups: covered by the demographic tests
            continue
        expected = as_api_kpis(expected_sums(brand, campaign_ids=ids, spend=False,
                                             where=lambda e, k=row[0]: key_of(e) == k))
        assert row[2:] == [expected[k.name] for k in KPIS]
        assert small[2:] == [expected["views"], expected["ctr"], None]


def test_day_breakdown_matches_raw_interactions_with_spend(world):
    brand, campaigns, token = world
    ids = [campaigns[0].pk]
    groups = campaign_answer(token, campaigns[0], "DAY")["breakdown"]["groups"]
    assert len(groups) == PERIOD.days
    for group in groups:
        day = date.fromisoformat(group["key"])
        assert api_kpis(group["values"]) == as_api_kpis(expected_sums(brand, campaign_ids=ids, first=day, last=day))


@override_settings(PRIVACY_MIN_GROUP_SIZE=1)
@pytest.mark.parametrize("by, attribute", [("GENDER", "gender"), ("AGE_BAND", "age_band"), ("REGION", "region")])
def test_demographic_breakdowns_match_raw_interactions(world, by, attribute):
    brand, campaigns, token = world
    ids = [campaigns[0].pk]
    breakdown = campaign_answer(token, campaigns[0], by)["breakdown"]
    assert not breakdown["suppressedSmallGroups"] and breakdown["groups"]
    for group in breakdown["groups"]:
        value = "" if group["key"] == "unknown" else group["key"]
        expected = expected_sums(brand, campaign_ids=ids, spend=False,
                                 where=lambda e, v=value: getattr(e.viewer, attribute) == v)
        assert api_kpis(group["values"]) == as_api_kpis(expected)


@override_settings(PRIVACY_MIN_GROUP_SIZE=31)
def test_demographic_groups_under_the_threshold_are_never_shown(world):
    _, campaigns, token = world
    breakdown = campaign_answer(token, campaigns[0], "GENDER")["breakdown"]
    assert breakdown == {"suppressedSmallGroups": True, "groups": []}


def make_personas(brand, viewers):
    """An active persona model: viewers 0-14 -> "Night owls", 15-24 -> "Bargain hunters", the rest unassigned."""
    model = PersonaModel.objects.create(brand=brand, version=1, status=TrainingStatus.READY, is_active=True)
    owls = Persona.objects.create(model=model, index=0, label="Night owls", size=15, share=0.5)
    hunters = Persona.objects.create(model=model, index=1, label="Bargain hunters", size=10, share=1 / 3)
    PersonaAssignment.objects.bulk_create(
        [PersonaAssignment(model=model, viewer=v, persona=owls) for v in viewers[:15]]
        + [PersonaAssignment(model=model, viewer=v, persona=hunters) for v in viewers[15:25]])
    # an inactive older model must not count
    old = PersonaModel.objects.create(brand=brand, version=2, status=TrainingStatus.READY, is_active=False)
    stale = Persona.objects.create(model=old, index=0, label="Stale", size=30, share=1.0)
    PersonaAssignment.objects.bulk_create([PersonaAssignment(model=old, viewer=v, persona=stale) for v in viewers])
    return {str(owls.pk): {v.pk for v in viewers[:15]}, str(hunters.pk): {v.pk for v in viewers[15:25]},
            "unknown": {v.pk for v in viewers[25:]}}


@override_settings(PRIVACY_MIN_GROUP_SIZE=1)
def test_persona_breakdown_matches_raw_interactions(world):
    brand, campaigns, token = world
    members = make_personas(brand, list(brand.viewers.order_by("pk")))
    breakdown = ok(gql("""query($b: ID!) { brandKpis(brand: $b, dateFrom: "2026-10-01", dateTo: "2026-10-14") {
        breakdown(by: PERSONA) { groups { key label values { kpi value } } } } }""", {"b": gid(brand)},
        token=token))["brandKpis"]["breakdown"]
    groups = {g["key"]: g for g in breakdown["groups"]}
    assert set(groups) == set(members)
    assert {g["label"] for g in groups.values()} == {"Night owls", "Bargain hunters", "Unknown"}
    for key, viewer_ids in members.items():
        expected = expected_sums(brand, spend=False, where=lambda e, ids=viewer_ids: e.viewer_id in ids)
        assert api_kpis(groups[key]["values"]) == as_api_kpis(expected)


@override_settings(PRIVACY_MIN_GROUP_SIZE=12)
def test_small_personas_are_merged(world):
    brand, _, token = world
    members = make_personas(brand, list(brand.viewers.order_by("pk")))
    reach = {key: expected_sums(brand, where=lambda e, ids=ids: e.viewer_id in ids)["reach"]
             for key, ids in members.items()}
    assert reach["unknown"] < 12 <= reach["unknown"] + min(reach[k] for k in reach if k != "unknown")
    (owls,) = [k for k, ids in members.items() if len(ids) == 15]
    assert reach[owls] >= 12
    breakdown = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.PERSONA)
    # "unknown" (5 viewers) alone is too small; hunters (10) is under 12 too: both are merged into "other"
    assert [(r.key, r.kpis["reach"]) for r in breakdown.rows] == [
        (owls, reach[owls]), ("other_groups", sum(v for k, v in reach.items() if k != owls))]


def test_persona_breakdown_without_an_active_model_is_one_unknown_group(world):
    brand, _, _ = world
    rows = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.PERSONA).rows
    assert [(r.key, r.kpis) for r in rows] == [("unknown", compute_all(expected_sums(brand, spend=False)))]


def test_brand_overview_matches_raw_interactions(world):
    brand, campaigns, token = world
    data = ok(gql("""query($b: ID!) { brandOverview(brand: $b, dateFrom: "2026-10-01", dateTo: "2026-10-14") {
        totals { kpi value } campaigns { campaignId name status values { kpi value } } } }""",
                  {"b": gid(brand)}, token=token))["brandOverview"]
    assert api_kpis(data["totals"]) == as_api_kpis(expected_sums(brand))
    assert sorted(c["campaignId"] for c in data["campaigns"]) == sorted(gid(c) for c in campaigns)
    for row in data["campaigns"]:
        campaign = next(c for c in campaigns if gid(c) == row["campaignId"])
        assert (row["name"], row["status"]) == (campaign.name, campaign.status)
        assert api_kpis(row["values"]) == as_api_kpis(expected_sums(brand, campaign_ids=[campaign.pk]))


def test_brand_overview_of_another_brand_is_not_found(world):
    _, _, token = world
    body = gql("""query($b: ID!) { brandOverview(brand: $b, dateFrom: "2026-10-01", dateTo: "2026-10-02") {
        totals { kpi } } }""", {"b": gid(BrandFactory())}, token=token)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_ingested_events_reach_the_api_once_the_refresh_task_has_run(world, django_capture_on_commit_callbacks):
    from marketing.auth import principal_for_user
    from marketing.ingestion import ingest_events
    from tests.conftest import member

    brand, _, token = world
    editor_principal = principal_for_user(member(brand, "editor"))
    video = brand.videos.order_by("pk").first()
    query = """query($b: ID!) { brandKpis(brand: $b, dateFrom: "2026-10-01", dateTo: "2026-10-14") {
        totals(kpis: [VIEWS, REACH, PURCHASES, REVENUE]) { kpi value } } }"""

    def api_totals():
        return api_kpis(ok(gql(query, {"b": gid(brand)}, token=token))["brandKpis"]["totals"])

    before = api_totals()
    events = [{"event_id": f"late-{i}", "platform": video.platform.code, "viewer_id": f"new-viewer-{i}",
               "video_external_id": video.external_id, "kind": kind, "occurred_at": "2026-10-03T23:59:59+08:00",
               **({"watch_ms": 1_000} if kind == "view" else {}),
               **({"value": "12.34", "currency": "CNY"} if kind == "purchase" else {})}
              for i, kind in enumerate(["view", "view", "purchase"])]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert ingest_events(principal=editor_principal, brand_id=brand.pk, events=events).accepted == 3
    assert api_totals() == before  # stored, not yet rolled up
    for callback in callbacks:  # the refresh_rollups task queued by the ingest (eager here)
        callback()
    expected = as_api_kpis(expected_sums(brand))
    assert api_totals() == {name: expected[name] for name in ("views", "reach", "purchases", "revenue")}
    assert int(api_totals()["views"]) == int(before["views"]) + 2


def test_campaign_type_has_kpis(world):
    brand, campaigns, token = world
    data = ok(gql("""query($id: ID!) { node(id: $id) { ... on Campaign { name
        kpis(dateFrom: "2026-10-01", dateTo: "2026-10-14") { dateFrom dateTo totals { kpi value }
          comparison(kpis: [VIEWS]) { kpi value previous } } } } }""", {"id": gid(campaigns[1])}, token=token))
    kpis = data["node"]["kpis"]
    assert (kpis["dateFrom"], kpis["dateTo"]) == ("2026-10-01", "2026-10-14")
    assert api_kpis(kpis["totals"]) == as_api_kpis(expected_sums(brand, campaign_ids=[campaigns[1].pk]))
    previous = expected_sums(brand, campaign_ids=[campaigns[1].pk], first=date(2026, 9, 17), last=date(2026, 9, 30))
    assert kpis["comparison"] == [{"kpi": "VIEWS", "value": as_api(expected_sums(
        brand, campaign_ids=[campaigns[1].pk])["views"]), "previous": as_api(previous.get("views", 0))}]


def test_campaign_kpis_field_rejects_a_reversed_range(world):
    _, campaigns, token = world
    body = gql("""query($id: ID!) { node(id: $id) { ... on Campaign {
        kpis(dateFrom: "2026-10-05", dateTo: "2026-10-01") { totals { kpi } } } } }""",
               {"id": gid(campaigns[0])}, token=token)
    assert body["errors"][0]["message"] == "dateTo is before dateFrom."



def test_the_campaign_and_its_brand_are_read_in_one_query(world):
    brand, campaigns, token = world
    variables = {"c": gid(campaigns[0]), "from": str(PERIOD.date_from), "to": str(PERIOD.date_to)}
    with CaptureQueriesContext(connection) as captured:
        ok(gql(QUERY, variables, token=token))
    lookups = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "marketing_campaign"')]
    assert len(lookups) == 1
    assert 'INNER JOIN "marketing_brand"' in lookups[0]

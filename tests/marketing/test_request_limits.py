"""Issue 15, item 2: unbounded work per request. List arguments are capped, KPI fields cost days x groups,
the cost limit covers a whole batch, and PostgreSQL reads run under a statement timeout. Every oversized
request is refused before it runs (no read of the data it asks for)."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marketing.models import Campaign, Role
from reelboard.graphql.analytics.types import MAX_RANGE_DAYS
from reelboard.graphql.core import limits
from tests.factories import CampaignFactory, VideoFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok

pytestmark = pytest.mark.django_db

NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Video { title brand { name } } } }"
KPI_ALIAS = ('k%d: brandKpis(brand: $b, dateFrom: "2025-01-01", dateTo: "2026-12-01") '
             "{ breakdown(by: AGE_BAND) { groups { key } } series { key } comparison { kpi } }")
# 2025-01-01..2026-12-01 is 365 + 334 + 1 days. One alias: brandKpis 1 + breakdown (700 days x 7 age groups
# (6 bands and "other") + groups 1 + key 1) + series (700 + key 1) + comparison (2 x 700 + kpi 1).
KPI_DAYS = (date(2026, 12, 1) - date(2025, 1, 1)).days + 1
KPI_ALIAS_COST = 1 + (KPI_DAYS * 7 + 2) + (KPI_DAYS + 1) + (2 * KPI_DAYS + 1)


def kpi_operation(aliases: int) -> str:
    return "query($b: ID!) { " + " ".join(KPI_ALIAS % n for n in range(aliases)) + " }"


def post(payload, raw):
    response = Client().post("/graphql", data=json.dumps(payload), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content
    return response.json()


def reads_of(queries, table: str) -> list[str]:
    return [q["sql"] for q in queries if table in q["sql"]]


# --- list arguments ------------------------------------------------------------------------------

def test_nodes_with_thirty_thousand_ids_is_refused_before_it_reads_anything(brand):
    video = VideoFactory(brand=brand)
    _, raw = make_token(brand=brand)
    with CaptureQueriesContext(connection) as queries:
        body = gql(NODES, {"ids": [gid(video)] * 30_000}, token=raw)
    assert (body["data"], [e["message"] for e in body["errors"]]) == (
        None, ["ids holds 30,000 items; lists are limited to 100 per argument."])
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "LIST_TOO_LONG", "field": "ids", "size": 30_000, "limit": 100}]
    assert reads_of(queries, "marketing_video") == []


def test_nodes_at_the_list_limit_runs_and_one_more_is_refused(brand, settings):
    settings.GRAPHQL_MAX_LIST_ARGUMENT = 3
    video = VideoFactory(brand=brand, title="Serum")
    _, raw = make_token(brand=brand)
    assert ok(gql(NODES, {"ids": [gid(video)] * 3}, token=raw))["nodes"] == [
        {"id": gid(video), "title": "Serum", "brand": {"name": brand.name}}] * 3
    body = gql(f'{{ nodes(ids: ["{gid(video)}", "{gid(video)}", "{gid(video)}", "{gid(video)}"]) {{ id }} }}',
               token=raw)
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "LIST_TOO_LONG", "field": "ids", "size": 4, "limit": 3}]


def test_nodes_cost_counts_every_id(brand, settings):
    settings.GRAPHQL_MAX_COST = 1
    _, raw = make_token(brand=brand)
    body = gql(NODES, {"ids": [gid(brand)] * 40}, token=raw)
    # nodes: 1 + 40 x (id 1 + title 1 + brand: (1 + name 1))
    assert [e["extensions"] for e in body["errors"]] == [{"code": "QUERY_TOO_COSTLY", "cost": 1 + 40 * 4,
                                                          "limit": 1}]


@pytest.mark.parametrize(("query", "variables", "field"), [
    ("query($f: VideoFilter) { videos(filters: $f) { totalCount } }", {"f": {"tags": ["t"] * 101}}, "tags"),
    ("query($t: [String!]) { videos(filters: {title: {inList: $t}}) { totalCount } }", {"t": ["t"] * 101},
     "inList"),
    ("{ videos(filters: {brand: [" + ", ".join(['"QnJhbmQ6MQ=="'] * 101) + "]}) { totalCount } }", None, "brand"),
    ("query($k: [KpiName!]) { kpiDefinitions { name } brandKpis(brand: \"QnJhbmQ6MQ==\", dateFrom: \"2026-01-01\", "
     "dateTo: \"2026-01-02\") { totals(kpis: $k) { kpi } } }", {"k": ["VIEWS"] * 101}, "kpis"),
])
def test_every_list_input_of_a_query_is_capped(brand, query, variables, field):
    _, raw = make_token(brand=brand)
    body = gql(query, variables, token=raw)
    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "LIST_TOO_LONG", "field": field, "size": 101, "limit": 100}]


def test_a_mutation_list_input_is_capped_and_nothing_is_written(brand, settings):
    settings.GRAPHQL_MAX_LIST_ARGUMENT = 2
    campaign = CampaignFactory(brand=brand, name="Before")
    video = VideoFactory(brand=brand)
    _, raw = make_token(brand=brand, role=Role.EDITOR)
    body = gql("""mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { errors { code } } }""",
               {"input": {"id": gid(campaign), "name": "After", "videoIds": [gid(video)] * 3}}, token=raw)
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "LIST_TOO_LONG", "field": "videoIds", "size": 3, "limit": 2}]
    assert Campaign.objects.get(pk=campaign.pk).name == "Before"


def test_ingest_events_are_not_capped_by_the_list_limit(brand, settings):
    settings.GRAPHQL_MAX_LIST_ARGUMENT = 1
    _, raw = make_token(brand=brand, role=Role.EDITOR)
    event = {"platform": "douyin", "viewerId": "v", "videoExternalId": "nope", "kind": "VIEW",
             "occurredAt": "2026-11-01T10:00:00Z"}
    data = ok(gql("""mutation($b: ID!, $e: [InteractionEventInput!]!) { ingestInteractions(brandId: $b, events: $e)
                     { accepted rejected } }""", {"b": gid(brand), "e": [event, event]}, token=raw))
    assert data["ingestInteractions"]["accepted"] + data["ingestInteractions"]["rejected"] == 2


# --- KPI cost -------------------------------------------------------------------------------------

def test_thirty_aliased_two_year_kpi_reads_are_refused_before_they_run(brand):
    _, raw = make_token(brand=brand)
    with CaptureQueriesContext(connection) as queries:
        body = gql(kpi_operation(30), {"b": gid(brand)}, token=raw)
    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "QUERY_TOO_COSTLY", "cost": 30 * KPI_ALIAS_COST, "limit": 20_000}]
    assert reads_of(queries, "analytics_") == []


def test_the_load_suites_campaign_kpis_costs_days_times_groups(brand, settings):
    from benchmarks.load_operations import CAMPAIGN_KPIS

    settings.GRAPHQL_MAX_COST = 1
    campaign = CampaignFactory(brand=brand)
    _, raw = make_token(brand=brand)
    body = gql(CAMPAIGN_KPIS, {"c": gid(campaign), "from": "2026-11-01", "to": "2026-11-30"}, token=raw)
    # campaignKpis 1 + totals (30 + kpi + value) + series (30 + key 1 + values (1 + 2))
    # + breakdown by VIDEO (30 x 20 nominal videos + groups (1 + key 1 + values (1 + 2)))
    assert body["errors"][0]["extensions"]["cost"] == 1 + (30 + 2) + (30 + 4) + (30 * 20 + 5)


@pytest.mark.parametrize(("date_from", "date_to", "days"), [
    ("2026-01-01", "2026-01-01", 1),
    ("2026-01-01", "2026-01-31", 31),
    (date(2026, 1, 1), date(2026, 2, 1), 32),
    ("2026-01-31", "2026-01-01", MAX_RANGE_DAYS),  # refused by the field itself: counted as the longest
    ("0001-01-01", "9999-12-31", MAX_RANGE_DAYS),
    ("garbage", "2026-01-01", MAX_RANGE_DAYS),
    (None, 7, MAX_RANGE_DAYS),
])
def test_period_days(date_from, date_to, days):
    assert limits._period_days(date_from, date_to) == days


def test_the_longest_period_is_the_kpi_fields_own_limit():
    assert limits.MAX_PERIOD_DAYS == MAX_RANGE_DAYS


# --- batches --------------------------------------------------------------------------------------

def test_a_batch_of_kpi_operations_is_refused_as_a_whole_when_their_sum_is_over(brand):
    _, raw = make_token(brand=brand)
    assert 2 * KPI_ALIAS_COST <= 20_000 < 10 * 2 * KPI_ALIAS_COST  # each operation alone would run
    with CaptureQueriesContext(connection) as queries:
        answers = post([{"query": kpi_operation(2), "variables": {"b": gid(brand)}}] * 10, raw)
    assert [(a["data"], [e["extensions"] for e in a["errors"]]) for a in answers] == [
        (None, [{"code": "QUERY_TOO_COSTLY", "cost": 10 * 2 * KPI_ALIAS_COST, "limit": 20_000}])] * 10
    assert reads_of(queries, "analytics_") == []


def test_a_batch_of_aliased_nodes_is_refused_as_a_whole(brand):
    video = VideoFactory(brand=brand)
    _, raw = make_token(brand=brand)
    aliased = "query($ids: [ID!]!) { " + " ".join(
        f"n{n}: nodes(ids: $ids) {{ id ... on Video {{ title brand {{ name }} }} }}" for n in range(30)) + " }"
    with CaptureQueriesContext(connection) as queries:
        answers = post([{"query": aliased, "variables": {"ids": [gid(video)] * 100}}] * 10, raw)
    per_operation = 30 * (1 + 100 * 4)
    assert [[e["extensions"] for e in a["errors"]] for a in answers] == [
        [{"code": "QUERY_TOO_COSTLY", "cost": 10 * per_operation, "limit": 20_000}]] * 10
    assert reads_of(queries, "marketing_video") == []


def test_a_batch_within_the_cost_limit_runs_every_operation(brand, settings):
    VideoFactory(brand=brand, title="Serum")
    _, raw = make_token(brand=brand)
    # videos(first: 5) { edges { node { title } } }: 1 + 5 x 3 = 16 per operation
    settings.GRAPHQL_MAX_COST = 3 * 16
    answers = post([{"query": "{ videos(first: 5) { edges { node { title } } } }"}] * 3, raw)
    assert [a["data"] for a in answers] == [{"videos": {"edges": [{"node": {"title": "Serum"}}]}}] * 3
    settings.GRAPHQL_MAX_COST = 3 * 16 - 1
    answers = post([{"query": "{ videos(first: 5) { edges { node { title } } } }"}] * 3, raw)
    assert [a["errors"][0]["extensions"]["code"] for a in answers] == ["QUERY_TOO_COSTLY"] * 3


# --- statement timeout ---------------------------------------------------------------------------

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")


def _timeout_seen_by(monkeypatch, target: str, real) -> list[str]:
    seen = []

    def spy(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(target, spy)
    return seen


@postgres_only
def test_query_operations_run_under_the_statement_timeout_and_mutations_do_not(brand, settings, monkeypatch):
    from analytics import selectors
    from marketing.services import campaigns

    settings.DB_STATEMENT_TIMEOUT_MS = 1500
    campaign = CampaignFactory(brand=brand)
    _, raw = make_token(brand=brand, role=Role.EDITOR)
    reads = _timeout_seen_by(monkeypatch, "analytics.selectors.brand_overview", selectors.brand_overview)
    writes = _timeout_seen_by(monkeypatch, "marketing.services.campaigns.campaign_update", campaigns.campaign_update)
    ok(gql('query($b: ID!) { brandOverview(brand: $b, dateFrom: "2026-11-01", dateTo: "2026-11-02") '
           '{ dateFrom } }', {"b": gid(brand)}, token=raw))
    ok(gql('mutation($id: ID!) { updateCampaign(input: {id: $id, name: "x"}) { errors { code } } }',
           {"id": gid(campaign)}, token=raw))
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        after = cursor.fetchone()[0]
    assert (reads, writes, after) == (["1500ms"], ["0"], "0")


@postgres_only
def test_a_read_over_the_statement_timeout_is_cut_short(brand, settings, monkeypatch):
    settings.DB_STATEMENT_TIMEOUT_MS = 50

    def slow(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        raise AssertionError("the statement was not cancelled")

    monkeypatch.setattr("analytics.selectors.brand_overview", slow)
    _, raw = make_token(brand=brand)
    body = gql('query($b: ID!) { brandOverview(brand: $b, dateFrom: "2026-11-01", dateTo: "2026-11-02") '
               '{ dateFrom } }', {"b": gid(brand)}, token=raw)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL_SERVER_ERROR"]

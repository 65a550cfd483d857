"""The read-replica router: which reads go to the ``replica`` alias, proven on a second connection.

The ``replica`` alias here is a second connection to the test database (the same rows, as a streaming
replica holds them): every query is captured per connection, so a test sees where each read went.
"""

from decimal import Decimal

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from analytics import selectors
from analytics.kpis import KPIS, compute_all
from analytics.models import DailyReach, VideoReachBlock
from marketing.models import ApiToken, AuditEntry, Brand, Campaign, Membership, Role
from reelboard.db_router import REPLICA, lag_tolerant_reads, start_unit_of_work
from tests.analytics.kpi_world import PERIOD, build, expected_sums
from tests.factories import BrandFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok


@pytest.fixture
def replica(transactional_db, settings):
    """Add the ``replica`` alias for one test: a second connection to the (committed) test database."""
    settings.DB_STATEMENT_TIMEOUT_MS = 0  # the GraphQL extension's SET statements are not what is counted
    connections.settings[REPLICA] = {**connections.settings["default"], "TEST": {"MIRROR": "default"},
                                     "CONN_MAX_AGE": None}  # kept open across the test's requests
    # Connected here: the test case only allows connections it was told of (this alias came after it).
    connections[REPLICA].connect()
    start_unit_of_work()
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]
    start_unit_of_work()


def tables(queries) -> set[str]:
    found = set()
    for query in queries:
        sql = query["sql"].lower()
        found |= {name for name in ("analytics_dailyreach", "analytics_videoreachblock", "marketing_membership",
                                    "marketing_apitoken", "marketing_auditentry", "marketing_campaignspend",
                                    "analytics_rollupgeneration") if name in sql}
    return found


def test_router_names_the_lag_tolerant_reads(replica):
    assert DailyReach.objects.all().db == "default"  # outside a lag-tolerant read
    with lag_tolerant_reads():
        assert DailyReach.objects.all().db == REPLICA
        assert VideoReachBlock.objects.all().db == REPLICA
        assert Campaign.objects.all().db == REPLICA
        # who may do what, and what was done, is always read fresh
        assert Membership.objects.all().db == "default"
        assert ApiToken.objects.all().db == "default"
        assert AuditEntry.objects.all().db == "default"
        from django.contrib.auth import get_user_model
        assert get_user_model().objects.all().db == "default"


def test_a_write_sends_the_rest_of_the_request_to_default(replica):
    brand = BrandFactory()  # a write in this unit of work
    with lag_tolerant_reads():
        assert DailyReach.objects.filter(brand=brand).db == "default"
    start_unit_of_work()  # the next request
    with lag_tolerant_reads():
        assert DailyReach.objects.filter(brand=brand).db == REPLICA


def test_without_a_replica_every_read_is_on_default(transactional_db):
    start_unit_of_work()
    with lag_tolerant_reads():
        assert DailyReach.objects.all().db == "default"


def test_kpi_selectors_read_the_replica_and_answer_the_same(replica):
    brand = BrandFactory()
    campaigns = build(brand)
    start_unit_of_work()
    brand = Brand.objects.get(pk=brand.pk)
    with CaptureQueriesContext(connections["default"]) as on_default, \
            CaptureQueriesContext(replica) as on_replica:
        totals = selectors.kpi_totals(brand=brand, campaign_ids=[campaigns[0].pk], period=PERIOD)
    assert totals == compute_all(expected_sums(brand, campaign_ids=[campaigns[0].pk]))
    assert {"analytics_dailyreach", "marketing_campaignspend"} <= tables(on_replica.captured_queries)
    assert len(on_default.captured_queries) == 0


def test_graphql_kpis_read_rollups_on_the_replica_and_the_token_on_default(replica):
    brand = BrandFactory()
    campaigns = build(brand)
    _, token = make_token(brand=brand, role=Role.VIEWER)
    query = """query($c: ID!, $from: Date!, $to: Date!) {
      campaignKpis(campaign: $c, dateFrom: $from, dateTo: $to) { totals { kpi value } } }"""
    with CaptureQueriesContext(connections["default"]) as on_default, \
            CaptureQueriesContext(replica) as on_replica:
        data = ok(gql(query, {"c": gid(campaigns[0]), "from": str(PERIOD.date_from), "to": str(PERIOD.date_to)},
                      token=token))["campaignKpis"]
    expected = compute_all(expected_sums(brand, campaign_ids=[campaigns[0].pk]))
    assert {v["kpi"]: v["value"] for v in data["totals"]} == {
        k.name.upper(): None if expected[k.name] is None else str(Decimal(expected[k.name])) for k in KPIS}
    assert "analytics_dailyreach" in tables(on_replica.captured_queries)
    assert "analytics_dailyreach" not in tables(on_default.captured_queries)
    assert "marketing_apitoken" in tables(on_default.captured_queries)
    assert not tables(on_replica.captured_queries) & {"marketing_apitoken", "marketing_membership",
                                                      "marketing_auditentry"}


def test_a_mutation_reads_its_own_write_on_default(replica):
    brand = BrandFactory()
    build(brand)
    from tests.conftest import member
    admin = member(brand, Role.ADMIN)
    mutation = """mutation($b: ID!) { setBrandRetention(input: {brandId: $b, rawEventRetentionDays: 30}) {
      brand { rawEventRetentionDays } errors { field } } }"""
    with CaptureQueriesContext(replica) as on_replica:
        data = ok(gql(mutation, {"b": gid(brand)}, user=admin))["setBrandRetention"]
    assert data == {"brand": {"rawEventRetentionDays": 30}, "errors": []}
    assert on_replica.captured_queries == []

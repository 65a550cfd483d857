"""The optimizer keeps the number of SQL queries of nested list queries independent of the page size."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marketing.models import Role, Tag
from tests.conftest import member
from tests.factories import CampaignFactory, VideoFactory, make_token
from tests.marketing.graphql_helpers import gql, ok

pytestmark = pytest.mark.django_db

CAMPAIGNS = """query($first: Int!) { campaigns(first: $first) { edges { node {
  name brand { name } videos { title platform { code } tags { name } } } } } }"""
VIDEOS = """query($first: Int!) { videos(first: $first) { totalCount edges { node {
  title brand { slug } platform { code } tags { name } } } } }"""


@pytest.fixture
def catalogue(brand):
    tags = [Tag.objects.create(brand=brand, name=f"t{i}") for i in range(3)]
    for i in range(20):
        videos = [VideoFactory(brand=brand) for _ in range(2)]
        for video in videos:
            video.tags.set(tags[: 1 + i % 3])
        CampaignFactory(brand=brand).videos.set(videos)
    return brand


def query_count(query: str, first: int, **auth) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        data = ok(gql(query, {"first": first}, **auth))
    return len(captured.captured_queries), data


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)  # outside the measured block: login itself runs queries
    return client


@pytest.mark.parametrize("query,field", [(CAMPAIGNS, "campaigns"), (VIDEOS, "videos")])
def test_query_count_does_not_grow_with_page_size_session(catalogue, query, field):
    client = logged_in(member(catalogue, Role.VIEWER))
    small, small_data = query_count(query, 2, client=client)
    large, large_data = query_count(query, 20, client=client)
    assert (len(small_data[field]["edges"]), len(large_data[field]["edges"])) == (2, 20)
    assert small == large
    # session, user, memberships; then the page, its brands (a scoped prefetch), videos with their
    # platform joined (campaigns only), tags
    assert small == {"campaigns": 7, "videos": 6}[field]


def test_query_count_does_not_grow_with_page_size_token(catalogue):
    _, raw = make_token(brand=catalogue)
    query_count(CAMPAIGNS, 1, token=raw)  # the first use records last_used_at (one UPDATE a minute)
    small, _ = query_count(CAMPAIGNS, 2, token=raw)
    large, data = query_count(CAMPAIGNS, 20, token=raw)
    assert len(data["campaigns"]["edges"]) == 20
    assert small == large == 5  # token, campaigns, brands, videos (platform joined), tags


# --- every root connection, with its nested relations: the count of a page of 2 equals that of 20 -------

NESTED_QUERIES = {
    "brands": "brands(first: $first) { edges { node { name myRole } } }",
    "videos": "videos(first: $first) { edges { node { title brand { slug } platform { code } tags { name } } } }",
    "campaigns": "campaigns(first: $first) { edges { node { name brand { name } spend { amount } "
                 "videos { title platform { name } tags { name } } } } }",
    "campaignSpend": "campaignSpend(first: $first) { edges { node { amount campaign { name brand { name } "
                     "videos { title } } } } }",
    "viewers": "viewers(first: $first) { edges { node { viewerKey gender ageBand lastSeenAt } } }",
    "interactions": "interactions(first: $first) { edges { node { kind video { title platform { code } "
                    "tags { name } } viewer { viewerKey } campaign { name brand { slug } } } } }",
    "apiTokens": "apiTokens(first: $first) { edges { node { name role brand { name } } } }",
    "brandRules": "brandRules(first: $first) { edges { node { code reason kind severity } } }",
    "adAccounts": "adAccounts(first: $first) { edges { node { name adPlatform status hasCredentials "
                  "brand { name } } } }",
    "platformDailyStats": "platformDailyStats(first: $first) { edges { node { statDate spend impressions "
                          "effectivePlays level adAccount { name } campaign { name } } } }",
    "externalAdObjects": "externalAdObjects(first: $first) { edges { node { externalId level campaign { name } "
                         "adAccount { name brand { name } } } } }",
    "alerts": "alerts(first: $first) { edges { node { day condition spendToDate campaign { name } } } }",
}
# session, user, memberships; the page; then one query per nested relation (the optimizer batches them)
EXPECTED_QUERIES = {"brands": 4, "videos": 6, "campaigns": 8, "campaignSpend": 7, "viewers": 4,
                    "interactions": 9, "apiTokens": 5, "brandRules": 4, "adAccounts": 5, "platformDailyStats": 6,
                    "externalAdObjects": 7, "alerts": 5}


def test_nested_query_table_covers_every_root_connection():
    from tests.marketing.test_graphql_isolation import CONNECTION_CASES

    assert set(NESTED_QUERIES) == set(EXPECTED_QUERIES) == set(CONNECTION_CASES)


@pytest.fixture(autouse=True)
def _no_statement_timeout(settings):
    """Counts ORM reads: the PostgreSQL statement timeout's own statements (set_config, a savepoint inside the
    test's transaction) are a constant of every query request, not of the page (limits tests cover them)."""
    settings.DB_STATEMENT_TIMEOUT_MS = 0


@pytest.fixture
def full_catalogue(catalogue):
    from tests.factories import (
        AdAccountFactory,
        BrandFactory,
        CampaignSpendFactory,
        ExternalObjectFactory,
        InteractionFactory,
        MembershipFactory,
        PlatformDailyStatFactory,
    )

    admin = member(catalogue, Role.ADMIN)
    campaigns = list(catalogue.campaigns.all())
    tags = list(Tag.objects.all())
    from compliance.models import BrandRule

    for i in range(25):
        BrandRule.objects.create(brand=catalogue, code=f"rule-{i}", terms=f"term{i}", reason="A reason.")
    from datetime import date, timedelta

    from analytics.models import PacingAlert

    PacingAlert.objects.bulk_create([
        PacingAlert(brand=catalogue, campaign=campaigns[i % len(campaigns)], condition="under_pacing",
                    day=date(2026, 1, 1) + timedelta(days=i), spend_to_date=i, spend_today=0, currency="CNY")
        for i in range(25)])
    for i, campaign in enumerate(campaigns):
        CampaignSpendFactory(campaign=campaign)
        InteractionFactory(brand=catalogue, campaign=campaign).video.tags.set(tags[: 1 + i % 3])
        make_token(brand=catalogue, name=f"token {i}")
        MembershipFactory(user=admin, brand=BrandFactory(), role=Role.VIEWER)
        account = AdAccountFactory(brand=catalogue)
        ExternalObjectFactory(ad_account=account, campaign=campaign)
        PlatformDailyStatFactory(ad_account=account, campaign=campaign)
    return admin


@pytest.mark.parametrize("field", sorted(NESTED_QUERIES))
def test_every_connection_query_count_is_flat_in_the_page_size(full_catalogue, field):
    client = logged_in(full_catalogue)
    query = "query($first: Int!) { " + NESTED_QUERIES[field] + " }"
    small, small_data = query_count(query, 2, client=client)
    large, large_data = query_count(query, 20, client=client)
    assert (len(small_data[field]["edges"]), len(large_data[field]["edges"])) == (2, 20)
    assert small == large == EXPECTED_QUERIES[field]

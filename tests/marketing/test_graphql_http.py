"""The HTTP endpoint: query depth/alias/token limits, CSRF for sessions, bearer exemption, GraphiQL."""

import json

import pytest
from django.test import Client

from marketing.models import Role
from tests.conftest import member
from tests.factories import make_token
from tests.marketing.graphql_helpers import error_messages, gql

pytestmark = pytest.mark.django_db

BRANDS = "{ brands { edges { node { name } } } }"


def nested_campaign_query(levels: int) -> str:
    """campaigns.edges.node then ``levels`` times spend.campaign: depth 3 + 2 * levels + 1."""
    inner = "name"
    for _ in range(levels):
        inner = f"spend {{ campaign {{ {inner} }} }}"
    return "{ campaigns { edges { node { " + inner + " } } } }"


def test_query_deeper_than_the_limit_is_rejected(brand, settings):
    _, raw = make_token(brand=brand)
    body = gql(nested_campaign_query(settings.GRAPHQL_MAX_DEPTH), token=raw)
    assert body["data"] is None
    assert error_messages(body) == [f"'anonymous' exceeds maximum operation depth of {settings.GRAPHQL_MAX_DEPTH}"]


def test_query_within_the_depth_limit_runs(brand, settings):
    _, raw = make_token(brand=brand)
    levels = (settings.GRAPHQL_MAX_DEPTH - 4) // 2
    assert gql(nested_campaign_query(levels), token=raw) == {"data": {"campaigns": {"edges": []}}}


def test_too_many_aliases_are_rejected(brand, settings):
    _, raw = make_token(brand=brand)
    aliases = " ".join(f"b{i}: brands {{ totalCount }}" for i in range(settings.GRAPHQL_MAX_ALIASES + 1))
    body = gql("{ " + aliases + " }", token=raw)
    assert body["data"] is None
    assert error_messages(body) == [
        f"{settings.GRAPHQL_MAX_ALIASES + 1} aliases found. Allowed: {settings.GRAPHQL_MAX_ALIASES}"]


def test_too_many_tokens_are_rejected(brand, settings):
    _, raw = make_token(brand=brand)
    query = "{ brands { totalCount " + "__typename " * settings.GRAPHQL_MAX_TOKENS + "} }"
    body = gql(query, token=raw)
    assert body["data"] is None
    assert error_messages(body) == [
        f"Syntax Error: Document contains more than {settings.GRAPHQL_MAX_TOKENS} tokens. Parsing aborted."]


def post(client, query, **headers):
    return client.post("/graphql", data=json.dumps({"query": query}), content_type="application/json", **headers)


def test_session_post_without_csrf_token_is_forbidden(brand):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member(brand, Role.VIEWER))
    assert post(client, BRANDS).status_code == 403


def test_session_post_with_csrf_token_works(brand):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member(brand, Role.VIEWER))
    page = client.get("/graphql", HTTP_ACCEPT="text/html")  # GraphiQL sets the csrftoken cookie
    token = page.cookies["csrftoken"].value
    response = post(client, BRANDS, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json() == {"data": {"brands": {"edges": [{"node": {"name": brand.name}}]}}}


def test_bearer_post_needs_no_csrf_token(brand):
    _, raw = make_token(brand=brand)
    response = post(Client(enforce_csrf_checks=True), BRANDS, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json() == {"data": {"brands": {"edges": [{"node": {"name": brand.name}}]}}}


def test_a_bad_bearer_token_does_not_fall_back_to_the_session(brand):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member(brand, Role.VIEWER))
    body = post(client, BRANDS, HTTP_AUTHORIZATION="Bearer rbt_not-a-token").json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_unexpected_errors_are_masked_and_logged(brand, monkeypatch, caplog):
    from marketing.services import campaigns

    def broken(**kwargs):
        raise RuntimeError("connection to db-7.internal refused")

    monkeypatch.setattr(campaigns, "campaign_transition", broken)
    query = """mutation($id: ID!) { changeCampaignStatus(input: {id: $id, status: SCHEDULED}) {
        errors { field } } }"""
    body = gql(query, {"id": "Q2FtcGFpZ246MQ=="}, user=member(brand, Role.EDITOR))
    assert body["data"] is None
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("Internal server error.", {"code": "INTERNAL_SERVER_ERROR"})]
    assert [(r.levelname, r.name) for r in caplog.records if "db-7.internal" in r.getMessage()] == [
        ("ERROR", "strawberry.execution")]


def test_client_errors_are_not_logged_as_errors(brand, caplog):
    body = gql(BRANDS)  # anonymous
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert [r.levelname for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


def test_graphiql_is_served_to_browsers():
    response = Client().get("/graphql", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()


def test_graphiql_page_sends_the_csrf_cookie_back_as_a_header(settings):
    # The contract the session flow relies on: GraphiQL reads the 'csrftoken' cookie with JavaScript and
    # sends it as X-CSRFToken, so the cookie must keep that name and stay readable by scripts.
    page = Client().get("/graphql", HTTP_ACCEPT="text/html").content.decode()
    assert 'Cookies.get("csrftoken")' in page and 'defaultHeaders["x-csrftoken"] = csrfToken' in page
    assert (settings.CSRF_COOKIE_NAME, settings.CSRF_COOKIE_HTTPONLY, settings.CSRF_USE_SESSIONS) == (
        "csrftoken", False, False)


def test_graphiql_is_off_when_the_setting_is_off(settings):
    from django.test import RequestFactory

    from reelboard.views import graphql_view

    settings.GRAPHQL_GRAPHIQL = False
    response = graphql_view()(RequestFactory().get("/graphql", HTTP_ACCEPT="text/html"))
    assert response.status_code == 404
    assert b"graphiql" not in response.content.lower()


def test_health_live():
    assert Client().get("/health/live").json() == {"status": "ok"}


@pytest.mark.parametrize("arguments,field,message", [
    ('first: -1', "first", "Argument 'first' must be a non-negative integer."),
    ('last: -5', "last", "Argument 'last' must be a non-negative integer."),
    ('after: "garbage"', "after", "Invalid cursor in after: pass a cursor returned by this connection."),
    ('before: "%%%"', "before", "Invalid cursor in before: pass a cursor returned by this connection."),
])
def test_bad_page_arguments_get_a_typed_error_naming_the_argument(brand, arguments, field, message):
    _, raw = make_token(brand=brand)
    body = gql("{ videos(" + arguments + ") { edges { node { id } } } }", token=raw)
    assert body["data"] is None
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        (message, {"code": "BAD_USER_INPUT", "field": field})]


@pytest.mark.parametrize("year", ['{gt: 0}', '{lt: 10000}', '{exact: -3}'])
def test_a_year_filter_out_of_range_gets_a_typed_error(brand, year):
    # found by the GraphQL fuzzer: Python's "year 0 is out of range" used to come back as the message
    _, raw = make_token(brand=brand)
    body = gql("{ interactions(filters: {occurredAt: {year: " + year + "}}) { totalCount } }", token=raw)
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("A year in filters is out of range: years run from 1 to 9999.", {"code": "BAD_USER_INPUT", "field": "filters"})]

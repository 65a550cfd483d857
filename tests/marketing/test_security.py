"""Hostile input and deployment hardening: query cost, introspection, batching, rate limits, CORS,
production settings (`check --deploy`)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import VideoFactory, make_token
from tests.marketing.graphql_helpers import error_messages, gql, ok

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

# videos: 1 + 7 x (edges: 1 + node: (1 + title 1 + platform: (1 + code 1))) = 1 + 7 x 5 = 36
SEVEN_VIDEOS = "{ videos(first: 7) { edges { node { title platform { code } } } } }"
SEVEN_VIDEOS_COST = 1 + 7 * (1 + (1 + 1 + (1 + 1)))


# --- query cost -------------------------------------------------------------------------------

def test_a_query_over_the_cost_limit_is_rejected_with_its_cost(brand, settings):
    settings.GRAPHQL_MAX_COST = SEVEN_VIDEOS_COST - 1
    _, raw = make_token(brand=brand)
    body = gql(SEVEN_VIDEOS, token=raw)
    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "QUERY_TOO_COSTLY", "cost": SEVEN_VIDEOS_COST, "limit": SEVEN_VIDEOS_COST - 1}]


def test_a_query_at_the_cost_limit_runs(brand, settings):
    settings.GRAPHQL_MAX_COST = SEVEN_VIDEOS_COST
    VideoFactory(brand=brand, title="Serum")
    _, raw = make_token(brand=brand)
    data = ok(gql(SEVEN_VIDEOS, token=raw))
    assert [e["node"]["title"] for e in data["videos"]["edges"]] == ["Serum"]


def test_page_size_from_a_variable_and_fragments_count_in_the_cost(brand, settings):
    settings.GRAPHQL_MAX_COST = 1
    query = """query($n: Int!) { videos(first: $n) { edges { node { ...V } } } }
               fragment V on Video { title platform { code } }"""
    _, raw = make_token(brand=brand)
    body = gql(query, {"n": 7}, token=raw)
    assert body["errors"][0]["extensions"]["cost"] == SEVEN_VIDEOS_COST


def test_a_connection_without_first_counts_a_full_page(brand, settings):
    settings.GRAPHQL_MAX_COST = 1
    _, raw = make_token(brand=brand)
    body = gql("{ videos { edges { node { title } } } }", token=raw)
    assert body["errors"][0]["extensions"]["cost"] == 1 + settings.GRAPHQL_MAX_PAGE_SIZE * (1 + (1 + 1))


# --- introspection ----------------------------------------------------------------------------

INTROSPECTION = "{ __schema { queryType { name } } }"


def test_introspection_is_refused_when_turned_off(brand, settings):
    settings.GRAPHQL_INTROSPECTION = False
    _, raw = make_token(brand=brand)
    body = gql(INTROSPECTION, token=raw)
    assert body["data"] is None
    assert error_messages(body) == [
        f"GraphQL introspection has been disabled, but the requested query contained the field '{field}'."
        for field in ("__schema", "queryType")]


def test_introspection_answers_when_turned_on(brand, settings):
    settings.GRAPHQL_INTROSPECTION = True
    _, raw = make_token(brand=brand)
    assert ok(gql(INTROSPECTION, token=raw)) == {"__schema": {"queryType": {"name": "Query"}}}


# --- batching ---------------------------------------------------------------------------------

def post_batch(operations, raw):
    return Client().post("/graphql", data=json.dumps(operations), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_batch_within_the_limit_answers_every_operation(brand, settings):
    VideoFactory(brand=brand, title="Serum")
    _, raw = make_token(brand=brand)
    response = post_batch([{"query": "{ videos { totalCount } }"}, {"query": "{ brands { totalCount } }"}], raw)
    assert response.status_code == 200
    assert [item["data"] for item in response.json()] == [{"videos": {"totalCount": 1}},
                                                          {"brands": {"totalCount": 1}}]


def test_a_batch_over_the_limit_is_refused(brand, settings):
    _, raw = make_token(brand=brand)
    response = post_batch([{"query": "{ brands { totalCount } }"}] * (settings.GRAPHQL_MAX_BATCH + 1), raw)
    assert (response.status_code, response.content.decode()) == (400, "Too many operations")


# --- rate limits ------------------------------------------------------------------------------

def _ip() -> str:
    # A fresh client address per test: counters live in the shared cache (Redis in CI).
    return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))


def test_requests_over_the_per_ip_limit_get_a_typed_error_with_retry_after(brand, settings):
    settings.RATELIMIT_ENABLE, settings.RATELIMIT_PER_IP = True, "3/h"
    _, raw = make_token(brand=brand)
    client, ip = Client(), _ip()
    statuses = [client.post("/graphql", data=json.dumps({"query": "{ brands { totalCount } }"}),
                            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}",
                            REMOTE_ADDR=ip).status_code for _ in range(3)]
    limited = client.post("/graphql", data=json.dumps({"query": "{ brands { totalCount } }"}),
                          content_type="application/json", REMOTE_ADDR=ip)
    wait = int(limited["Retry-After"])
    assert (statuses, limited.status_code, 1 <= wait <= 3600) == ([200, 200, 200], 429, True)
    assert limited.json() == {"data": None, "errors": [{
        "message": f"Rate limit exceeded: retry after {wait} s.",
        "extensions": {"code": "RATE_LIMITED", "retryAfter": wait}}]}


def test_the_per_token_limit_counts_each_token_separately(brand, settings):
    settings.RATELIMIT_ENABLE, settings.RATELIMIT_PER_TOKEN = True, "2/h"
    (_, first), (_, second) = make_token(brand=brand), make_token(brand=brand)

    def status(raw):
        return Client().post("/graphql", data=json.dumps({"query": "{ brands { totalCount } }"}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}",
                             REMOTE_ADDR=_ip()).status_code

    assert [status(first), status(first), status(first), status(second)] == [200, 200, 429, 200]


def test_limits_are_not_enforced_when_the_cache_is_down(brand, settings, monkeypatch):
    settings.RATELIMIT_ENABLE, settings.RATELIMIT_PER_IP = True, "1/h"

    def unreachable(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("reelboard.ratelimit.get_usage", unreachable)
    _, raw = make_token(brand=brand)
    ip = _ip()
    bodies = [Client().post("/graphql", data=json.dumps({"query": "{ brands { totalCount } }"}),
                            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}",
                            REMOTE_ADDR=ip).json() for _ in range(3)]
    assert bodies == [{"data": {"brands": {"totalCount": 1}}}] * 3


# --- CORS -------------------------------------------------------------------------------------

def test_cors_preflight_is_allowed_only_for_configured_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://tools.example.com"]

    def preflight(origin):
        response = Client().options("/graphql", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
        return response.headers.get("Access-Control-Allow-Origin")

    assert (preflight("https://tools.example.com"), preflight("https://evil.example.com")) == (
        "https://tools.example.com", None)


# --- production settings ----------------------------------------------------------------------

def manage(*args, **env):
    # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' (tests/workspace/conftest.py), never a deployment's.
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", REELBOARD_ENV="production",
                    SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="reelboard.example.com")
    assert (result.returncode, result.stdout.strip()) == (0, "System check identified no issues (0 silenced).")


def test_check_deploy_does_warn_with_development_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", REELBOARD_ENV="development")
    assert result.returncode == 1 and "security.W004" in result.stderr


def test_production_refuses_to_start_without_its_own_secret_key():
    result = manage("check", REELBOARD_ENV="production")
    assert result.returncode == 1
    assert "REELBOARD_ENV=production needs its own SECRET_KEY and DEBUG off" in result.stderr

"""API tokens: only signed-in brand admins issue them, they expire, and revocation takes effect at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketing.models import ApiToken, Role, default_token_expiry
from tests.conftest import member
from tests.factories import make_token
from tests.marketing.graphql_helpers import gid, gql, ok

pytestmark = pytest.mark.django_db

CREATE = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  apiToken { role expiresAt isActive } rawToken errors { field code } } }"""
REVOKE = """mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) {
  apiToken { isActive } errors { field code } } }"""
ME = "{ brands { edges { node { name } } } }"


def test_an_admin_token_cannot_issue_a_token(brand):
    _, raw = make_token(brand=brand, role=Role.ADMIN)
    data = ok(gql(CREATE, {"input": {"brandId": gid(brand), "name": "child", "role": "ADMIN"}}, token=raw))
    assert (data["createApiToken"], ApiToken.objects.count()) == (
        {"apiToken": None, "rawToken": None, "errors": [{"field": "input", "code": "PERMISSION_DENIED"}]}, 1)


def test_a_signed_in_admin_issues_a_token_that_expires_after_the_default_days(brand, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 90
    before = timezone.now()
    data = ok(gql(CREATE, {"input": {"brandId": gid(brand), "name": "CI"}}, user=member(brand, Role.ADMIN)))
    token = ApiToken.objects.get()
    assert data["createApiToken"]["errors"] == []
    assert before + timedelta(days=90) <= token.expires_at <= timezone.now() + timedelta(days=90)
    assert data["createApiToken"]["apiToken"]["expiresAt"] == token.expires_at.isoformat()


def test_the_issuer_picks_the_life_of_a_token_up_to_the_maximum(brand, settings):
    settings.API_TOKEN_MAX_DAYS = 365
    admin = member(brand, Role.ADMIN)
    ok(gql(CREATE, {"input": {"brandId": gid(brand), "name": "short", "expiresInDays": 7}}, user=admin))
    too_long = ok(gql(CREATE, {"input": {"brandId": gid(brand), "name": "long", "expiresInDays": 366}}, user=admin))
    short = ApiToken.objects.get()
    assert too_long["createApiToken"]["errors"] == [{"field": "expiresInDays", "code": "OUT_OF_RANGE"}]
    assert timedelta(days=7) - timedelta(minutes=1) < short.expires_at - short.created_at <= timedelta(days=7)


def test_an_expired_token_is_refused(brand):
    token, raw = make_token(brand=brand, role=Role.ADMIN)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = gql(ME, token=raw)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_a_revoked_token_is_refused_on_its_next_request(brand):
    token, raw = make_token(brand=brand, role=Role.VIEWER)
    assert ok(gql(ME, token=raw))["brands"]["edges"] == [{"node": {"name": brand.name}}]
    ok(gql(REVOKE, {"input": {"id": gid(token)}}, user=member(brand, Role.ADMIN)))
    body = gql(ME, token=raw)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_tokens_that_existed_before_expiry_get_the_default_counted_from_the_migration(settings):
    # Migration 0007 adds the column with this callable default, which Django evaluates once for the old rows.
    from importlib import import_module

    operation = import_module("marketing.migrations.0007_api_token_expiry").Migration.operations[0]
    settings.API_TOKEN_DEFAULT_DAYS = 90
    expected = timezone.now() + timedelta(days=90)
    assert operation.field.default is default_token_expiry
    assert abs((default_token_expiry() - expected).total_seconds()) < 5

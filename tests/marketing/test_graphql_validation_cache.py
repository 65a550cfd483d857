"""An operation that passed validation is not validated again under the same query text, limits and
integer variables (``RememberValidOperations``); everything else is validated as before."""

from unittest import mock

import pytest
import strawberry.schema.schema as strawberry_schema
from django.core.cache import caches

from reelboard.graphql.core.limits import VALIDATION_CACHE
from tests.factories import VideoFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok

pytestmark = pytest.mark.django_db

# videos: 1 + n x (edges: 1 + node: (1 + title 1)) = 1 + 3n
VIDEOS = "query($n: Int!) { videos(first: $n) { edges { node { title } } } }"


def cost(n: int) -> int:
    return 1 + n * (1 + (1 + 1))


@pytest.fixture(autouse=True)
def _empty_cache():
    caches[VALIDATION_CACHE].clear()
    yield
    caches[VALIDATION_CACHE].clear()


@pytest.fixture
def validations():
    """Counts strawberry's calls of graphql-core validation (the step the cache skips)."""
    with mock.patch.object(strawberry_schema, "validate_document", wraps=strawberry_schema.validate_document) as spy:
        yield spy


def test_a_repeated_operation_is_validated_once_and_answers_the_same(brand, validations):
    VideoFactory(brand=brand, title="Serum")
    _, raw = make_token(brand=brand)
    first = ok(gql(VIDEOS, {"n": 5}, token=raw))
    second = ok(gql(VIDEOS, {"n": 5}, token=raw))
    assert first == second == {"videos": {"edges": [{"node": {"title": "Serum"}}]}}
    assert validations.call_count == 1


def test_other_string_variables_share_the_validation(brand, validations):
    video = VideoFactory(brand=brand)
    _, raw = make_token(brand=brand)
    query = "query($id: ID!) { node(id: $id) { id } }"
    answers = [ok(gql(query, {"id": gid(obj)}, token=raw)) for obj in (brand, video)]
    assert answers == [{"node": {"id": gid(brand)}}, {"node": {"id": gid(video)}}]
    assert validations.call_count == 1


def test_the_cost_limit_still_sees_each_page_size(brand, settings, validations):
    settings.GRAPHQL_MAX_COST = cost(5)
    _, raw = make_token(brand=brand)
    ok(gql(VIDEOS, {"n": 5}, token=raw))
    body = gql(VIDEOS, {"n": 6}, token=raw)
    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "QUERY_TOO_COSTLY", "cost": cost(6), "limit": cost(5)}]
    ok(gql(VIDEOS, {"n": 5}, token=raw))
    assert validations.call_count == 1  # n=5 once; n=6 is refused by its cost before validation


def test_a_lower_limit_applies_to_an_operation_that_passed_before(brand, settings, validations):
    _, raw = make_token(brand=brand)
    ok(gql(VIDEOS, {"n": 5}, token=raw))
    settings.GRAPHQL_MAX_COST = cost(5) - 1
    body = gql(VIDEOS, {"n": 5}, token=raw)
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "QUERY_TOO_COSTLY", "cost": cost(5), "limit": cost(5) - 1}]
    assert validations.call_count == 1  # the cost is checked on every request, before validation


def test_introspection_turned_off_applies_to_an_operation_that_passed_before(brand, settings):
    _, raw = make_token(brand=brand)
    query = "{ __schema { queryType { name } } }"
    settings.GRAPHQL_INTROSPECTION = True
    assert ok(gql(query, token=raw)) == {"__schema": {"queryType": {"name": "Query"}}}
    settings.GRAPHQL_INTROSPECTION = False
    body = gql(query, token=raw)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        f"GraphQL introspection has been disabled, but the requested query contained the field '{name}'."
        for name in ("__schema", "queryType")]


def test_an_invalid_operation_is_validated_every_time_with_the_same_errors(brand, validations):
    _, raw = make_token(brand=brand)
    bodies = [gql("{ videos { edges { node { nope } } } }", token=raw) for _ in range(2)]
    assert bodies[0] == bodies[1]
    assert [e["message"] for e in bodies[0]["errors"]] == ["Cannot query field 'nope' on type 'Video'."]
    assert validations.call_count == 2

"""Walks the live schema: every id argument answers a malformed, foreign or missing id with a typed client error.

Every root query field and every mutation, every argument of type ID (top level, inside an input object,
inside a list) is sent each value of ``BAD_IDS``. Queries must answer a GraphQL error with
``extensions.code`` BAD_USER_INPUT (malformed, wrong type) or NOT_FOUND (a missing row and another brand's
row alike) and ``extensions.field`` naming the argument; mutations a payload error on that input field with
code INVALID or NOT_FOUND, writing nothing. Never INTERNAL_SERVER_ERROR, never an ERROR log record, never a
Python or database message. CI runs this file on PostgreSQL and again on SQLite (``.ci/run``).
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)
from strawberry import relay

from marketing.models import Role
from reelboard.graphql.schema import schema
from tests.conftest import member
from tests.factories import BrandFactory, CampaignFactory
from tests.marketing.graphql_helpers import gid, gql
from tests.marketing.test_graphql_isolation import MODELS, seed

# The node type an id argument names: by the argument's name, or for a bare ``id`` by its root field.
ID_TYPES_BY_NAME = {
    "brand": "Brand", "brandId": "Brand", "campaign": "Campaign", "campaignId": "Campaign", "viewer": "Viewer",
    "viewerId": "Viewer", "video": "Video", "videoIds": "Video", "personaIds": "Persona", "persona": "Persona",
    "adAccount": "AdAccount",
    "controlId": "RecommenderModel", "candidateId": "RecommenderModel",
}
ID_TYPES_BY_ROOT_FIELD = {
    "node": None, "nodes": None, "job": "Job", "persona": "Persona", "updateBrand": "Brand",
    "updateVideo": "Video", "moderateVideo": "Video", "updateCampaign": "Campaign",
    "changeCampaignStatus": "Campaign", "revokeApiToken": "ApiToken", "activateRecommender": "RecommenderModel",
    "resendReport": "KpiReport", "activatePersonaModel": "PersonaModel", "updateBrandRule": "BrandRule",
    "updateAdAccount": "AdAccount", "deleteAdAccount": "AdAccount", "syncAdAccount": "AdAccount",
    "stopExperiment": "RecommenderExperiment", "promoteExperiment": "RecommenderExperiment",
}


@dataclass(frozen=True)
class IntLiteral:
    """An Int literal in the document where an ID is expected (GraphQL coerces it to the ID "1406")."""

    value: int


def _global_id(type_name: str, node_id: str) -> str:
    return str(relay.GlobalID(type_name, node_id))


# name -> (value from (expected type, brand A's rows, brand B's rows), the answer: "invalid" or "not_found")
BAD_IDS = {
    "int literal": (lambda t, a, b: IntLiteral(1406), "invalid"),
    "digits": (lambda t, a, b: "1406", "invalid"),
    "empty string": (lambda t, a, b: "", "invalid"),
    "word": (lambda t, a, b: "garbage", "invalid"),
    "id of another type": (lambda t, a, b: gid(a["Interaction"] if t != "Interaction" else a["Brand"])
                           if t else _global_id("Membership", "1"), "invalid"),
    "negative pk": (lambda t, a, b: _global_id(t or "Brand", "-1"), "invalid"),
    "non-numeric pk": (lambda t, a, b: _global_id(t or "Video", "abc"), "invalid"),
    "missing row": (lambda t, a, b: _global_id(t or "Brand", "999999999"), "not_found"),
    "another brand's row": (lambda t, a, b: gid(b[t or "Video"]), "not_found"),
    "5,000 characters": (lambda t, a, b: "A" * 5000, "invalid"),
    "base64 of bytes that are not text": (lambda t, a, b: base64.b64encode(b"\xff\xfe\x00\x81").decode(),
                                          "invalid"),
}
QUERY_CODES = {"invalid": "BAD_USER_INPUT", "not_found": "NOT_FOUND"}
PAYLOAD_CODES = {"invalid": "INVALID", "not_found": "NOT_FOUND"}

# Words of Python, Django or a database that a client must never read.
LEAKS = ("Traceback", "DoesNotExist", "matching query", "SQLite", "sqlite", "psycopg", "Field '", "invalid literal",
         "codec", "utf-8", "base64", "Incorrect padding", "out of range for type", "NoneType", "Internal server error")


# --- the walk over the live schema ------------------------------------------------------------------------

@dataclass(frozen=True)
class IdPosition:
    operation: str  # "query" or "mutation"
    field: str  # root field
    path: tuple[str, ...]  # argument, then input fields
    is_list: bool

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def node_type(self) -> str | None:
        if self.name in ("id", "ids"):
            return ID_TYPES_BY_ROOT_FIELD[self.field]
        return ID_TYPES_BY_NAME[self.name]

    def __str__(self) -> str:
        return f"{self.operation}.{self.field}({'.'.join(self.path)})"


def _unwrap(type_) -> tuple[object, bool]:
    """The named type and whether a list wraps it."""
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        is_list |= isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list


def _positions_in(operation: str, field: str, path: tuple[str, ...], type_, seen: frozenset) -> list[IdPosition]:
    named, is_list = _unwrap(type_)
    if isinstance(named, GraphQLScalarType) and named.name == "ID":
        return [IdPosition(operation, field, path, is_list)]
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:  # AND/OR/NOT repeat their type
        return [position for name, sub in named.fields.items()
                for position in _positions_in(operation, field, (*path, name), sub.type, seen | {named.name})]
    return []


def id_positions() -> list[IdPosition]:
    found = []
    for operation, root in (("query", schema._schema.query_type), ("mutation", schema._schema.mutation_type)):
        for field_name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                found += _positions_in(operation, field_name, (arg_name,), arg.type, frozenset())
    return found


POSITIONS = id_positions()


def test_the_walk_finds_every_kind_of_id_argument():
    names = {str(p) for p in POSITIONS}
    # top level, inside an input, a list inside an input, a list at the top level, inside a filter, per event
    assert {"query.brandKpis(brand)", "mutation.createCampaign(input.brandId)", "mutation.createCampaign(input.videoIds)",
            "query.nodes(ids)", "query.interactions(filters.video)",
            "mutation.ingestInteractions(events.campaignId)"} <= names
    assert len(POSITIONS) == 68  # 21 root query arguments, 11 filter fields, 36 mutation inputs
    for position in POSITIONS:  # every id argument says which node type it names (a KeyError names a new one)
        assert position.node_type is None or position.node_type in ID_TYPES_BY_NAME.values() or (
            position.node_type in ID_TYPES_BY_ROOT_FIELD.values())


# --- building one operation -----------------------------------------------------------------------------

def _literal(value) -> str:
    if isinstance(value, IntLiteral):
        return str(value.value)
    if isinstance(value, _Enum):
        return value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


@dataclass(frozen=True)
class _Enum:
    name: str


SCALARS = {"String": "douyin", "Int": 1, "Float": 1.0, "Boolean": False, "Date": "2026-01-01",
           "DateTime": "2026-01-01T00:00:00+00:00", "Decimal": "1", "Time": "10:00:00", "JSON": "{}"}


def _valid(type_: GraphQLInputType, name: str, field: str, a: dict):
    """A valid value of a required argument or input field (ids: brand A's row of the right type)."""
    named, is_list = _unwrap(type_)
    if isinstance(named, GraphQLScalarType) and named.name == "ID":
        type_name = (ID_TYPES_BY_ROOT_FIELD[field] if name in ("id", "ids") else ID_TYPES_BY_NAME[name]) or "Video"
        value = gid(a[type_name])
    elif isinstance(named, GraphQLScalarType):
        value = SCALARS[named.name]
    elif isinstance(named, GraphQLEnumType):
        value = _Enum(next(iter(named.values)))
    else:
        value = _required_fields(named, field, a)
    return [value] if is_list else value


def _required_fields(input_type: GraphQLInputObjectType, field: str, a: dict) -> dict:
    return {name: _valid(sub.type, name, field, a) for name, sub in input_type.fields.items()
            if isinstance(sub.type, GraphQLNonNull) and sub.default_value is Undefined}


def _arguments(position: IdPosition, bad, a: dict) -> dict:
    """The root field's arguments: required ones valid, and ``bad`` at the position's path."""
    root = getattr(schema._schema, f"{position.operation}_type").fields[position.field]
    args = {name: _valid(arg.type, name, position.field, a) for name, arg in root.args.items()
            if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined}
    container, type_ = args, root.args[position.path[0]].type
    for step, next_step in zip(position.path, position.path[1:], strict=False):
        named, is_list = _unwrap(type_)
        if step not in container:
            fields = _required_fields(named, position.field, a)
            container[step] = [fields] if is_list else fields
        value = container[step]
        container = value[0] if isinstance(value, list) else value  # a list of inputs: the first one
        type_ = named.fields[next_step].type
    container[position.name] = [bad] if position.is_list else bad
    return args


def _selection(position: IdPosition) -> str:
    root = getattr(schema._schema, f"{position.operation}_type").fields[position.field]
    named = get_named_type(root.type)
    if not isinstance(named, GraphQLObjectType):
        return "{ __typename }"
    wanted = [f for f in ("totalCount",) if f in named.fields]
    if "errors" in named.fields:
        wanted.append("errors { field code message }")
    if "eventErrors" in named.fields:
        wanted.append("eventErrors { index field code message }")
    return "{ " + " ".join(wanted or ["__typename"]) + " }"


def operation(position: IdPosition, bad, a: dict) -> str:
    args = ", ".join(f"{k}: {_literal(v)}" for k, v in _arguments(position, bad, a).items())
    return f"{position.operation} {{ {position.field}({args}) {_selection(position)} }}"


def _counts(a: dict, b: dict) -> dict:
    return {model.__name__: model.objects.count() for model in MODELS} | {
        "campaign_videos": a["Campaign"].videos.count() + b["Campaign"].videos.count()}


# --- the test ---------------------------------------------------------------------------------------------

@pytest.fixture
def world(db):
    a, b = seed(BrandFactory(slug="brand-a")), seed(BrandFactory(slug="brand-b"))
    return a, b, member(a["Brand"], Role.ADMIN)


def _assert_no_leak(body: dict) -> None:
    text = json.dumps(body)
    assert not [word for word in LEAKS if word in text], body


@pytest.mark.parametrize("position", POSITIONS, ids=str)
def test_every_bad_id_gets_a_typed_client_error(world, position, caplog):
    a, b, user = world
    for case, (build, answer) in BAD_IDS.items():
        before = _counts(a, b)
        document = operation(position, build(position.node_type, a, b), a)
        with caplog.at_level(logging.INFO):
            caplog.clear()
            body = gql(document, user=user)
        where = f"{case}: {document[:300]}"
        _assert_no_leak(body)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], where
        if position.operation == "query":
            assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body.get("errors", [])] == [
                (QUERY_CODES[answer], position.name)], (where, body)
        else:
            assert "errors" not in body, (where, body)
            payload = body["data"][position.field]
            found = {(e["field"], e["code"]) for e in payload["errors"] + payload.get("eventErrors", [])}
            assert (position.name, PAYLOAD_CODES[answer]) in found, (where, body)
            assert _counts(a, b) == before, where


def test_reproductions_of_the_issue(world):
    a, b, user = world
    missing_brand = gql('{ node(id: "QnJhbmQ6OTk5OTk5") { id } }', user=user)  # Brand:999999
    assert missing_brand == {"data": None, "errors": [
        {"message": "No such Brand.", "locations": [{"line": 1, "column": 3}], "path": ["node"],
         "extensions": {"code": "NOT_FOUND", "field": "id"}}]}
    int_literal = gql("{ recommendationModels(brand: 1406) { edges { node { version } } } }", user=user)
    assert [e["extensions"] for e in int_literal["errors"]] == [{"code": "BAD_USER_INPUT", "field": "brand"}]
    persona_id = gql('{ reports(brand: "UGVyc29uYTox") { edges { node { id } } } }', user=user)  # Persona:1
    assert [(e["message"], e["extensions"]) for e in persona_id["errors"]] == [
        ("Expected a Brand id, got a Persona id.", {"code": "BAD_USER_INPUT", "field": "brand"})]


def test_a_missing_row_and_another_brands_row_get_the_same_answer(world):
    a, b, user = world
    query = "query($id: ID!) { campaignKpis(campaign: $id, dateFrom: \"2026-01-01\", dateTo: \"2026-01-02\") { dateFrom } }"
    missing = gql(query, {"id": _global_id("Campaign", str(b["Campaign"].pk + 1000))}, user=user)
    foreign = gql(query, {"id": gid(b["Campaign"])}, user=user)
    assert missing == foreign
    assert [e["extensions"] for e in foreign["errors"]] == [{"code": "NOT_FOUND", "field": "campaign"}]


def test_nodes_answers_found_rows_in_the_order_asked(world):
    a, b, user = world
    ids = [gid(a["Campaign"]), gid(a["Brand"]), gid(a["Video"])]
    body = gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, user=user)
    assert body == {"data": {"nodes": [{"id": i} for i in ids]}}


def test_an_unexpected_error_stays_masked_and_is_the_only_thing_logged_at_error(world, caplog, monkeypatch):
    a, b, user = world
    from analytics.personas import selectors

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "persona_get", broken)
    with caplog.at_level(logging.INFO):
        gql('{ node(id: "garbage") { id } }', user=user)  # a client error: INFO only
        body = gql("query($id: ID!) { persona(id: $id) { id } }", {"id": gid(a["Persona"])}, user=user)
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("Internal server error.", {"code": "INTERNAL_SERVER_ERROR"})]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "secret internals" in errors[0].getMessage() + str(errors[0].exc_info)


@pytest.mark.parametrize("time, expected", [("17:00:00Z", 1), ("19:00:00+02:00", 1), ("17:00:00", 1),
                                            ("18:00:00Z", 0)])
def test_time_filters_take_times_with_an_offset(brand, time, expected):
    """Was "SQLite backend does not support timezone-aware times.": an offset is now converted to UTC."""
    import datetime

    user = member(brand, Role.VIEWER)
    CampaignFactory(brand=brand, starts_at=datetime.datetime(2026, 1, 5, 17, 0, tzinfo=datetime.UTC))
    CampaignFactory(brand=brand, starts_at=datetime.datetime(2026, 1, 5, 16, 0, tzinfo=datetime.UTC))
    body = gql('query($t: Time!) { campaigns(filters: {startsAt: {time: {exact: $t}}}) { totalCount } }',
               {"t": time}, user=user)
    assert body == {"data": {"campaigns": {"totalCount": expected}}}
    literal = gql("{ campaigns(filters: {startsAt: {time: {exact: " + json.dumps(time) + "}}}) { totalCount } }",
                  user=user)
    assert literal == body

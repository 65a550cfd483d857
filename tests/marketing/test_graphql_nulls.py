"""Walks every mutation input: null in any nullable input field is a typed error or a valid change, never a crash."""

from __future__ import annotations

import pytest
from graphql import GraphQLInputObjectType, GraphQLNonNull, get_named_type

from marketing.models import Role
from reelboard.graphql.schema import schema
from tests.conftest import member
from tests.factories import BrandFactory
from tests.marketing.graphql_helpers import gql
from tests.marketing.test_graphql_isolation import MUTATION_CASES, seed


def nullable_input_fields() -> list[tuple[str, str]]:
    """(mutation, input field) for every nullable field of every mutation's ``input`` argument."""
    cases = []
    for name, field in schema._schema.mutation_type.fields.items():
        arg = field.args.get("input")
        if arg is None:
            continue
        input_type = get_named_type(arg.type)
        assert isinstance(input_type, GraphQLInputObjectType)
        cases += [(name, f) for f, spec in input_type.fields.items() if not isinstance(spec.type, GraphQLNonNull)]
    return sorted(cases)


@pytest.mark.django_db
@pytest.mark.parametrize("mutation,field", nullable_input_fields())
def test_null_in_a_nullable_input_field_never_crashes(mutation, field):
    own = seed(BrandFactory(slug="brand-own"))
    var_defs, args, build = MUTATION_CASES[mutation]
    variables = build(own, own)  # the walk's inputs, aimed at the caller's own brand
    variables["input"][field] = None
    body = gql(f"mutation({var_defs}) {{ {mutation}({args}) {{ errors {{ field code }} }} }}", variables,
               user=member(own["Brand"], Role.ADMIN))
    assert "errors" not in body, body
    assert {e["field"] for e in body["data"][mutation]["errors"]} <= {field, "input"}, body

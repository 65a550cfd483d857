"""The schema as a contract: schema.graphql is printed from the code, and everything in it is described."""

from __future__ import annotations

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

from reelboard.graphql.schema import schema
from reelboard.management.commands.graphql_schema import SCHEMA_FILE, schema_sdl

# Types the libraries declare (strawberry's relay and scalars, strawberry-django's filter lookups and
# Ordering): their names and fields are the libraries' documented API, not ours to describe. Exempted by
# where they are defined, never by name, so a type of ours cannot slip in.
LIBRARY_MODULES = ("strawberry.", "strawberry_django.", "graphql.")
# What Django puts in a model without a docstring ("Campaign(id, brand, name, ...)"): not a description.
DJANGO_DOCSTRING = re.compile(r"^\w+\(id, ")


def _library_type(graphql_type) -> bool:
    definition = (graphql_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None) or getattr(definition, "wrapped_cls", None)
    module = getattr(origin, "__module__", "") or ""
    return graphql_type.name not in ("Query", "Mutation") and module.startswith(LIBRARY_MODULES)


def undescribed(graphql_schema: GraphQLSchema) -> list[str]:
    """Every type, field, root-field argument, enum and enum value of ours without a description."""
    missing = []
    for name, graphql_type in sorted(graphql_schema.type_map.items()):
        if name.startswith("__") or _library_type(graphql_type):
            continue
        if not graphql_type.description or DJANGO_DOCSTRING.match(graphql_type.description):
            missing.append(f"type {name}")
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"field {name}.{field_name}")
                if name in ("Query", "Mutation"):
                    missing.extend(f"argument {name}.{field_name}({argument})"
                                   for argument, value in field.args.items() if not value.description)
        if isinstance(graphql_type, GraphQLEnumType):
            missing.extend(f"enum value {name}.{value_name}" for value_name, value in graphql_type.values.items()
                           if not value.description)
    return missing


def test_committed_schema_is_current():
    assert SCHEMA_FILE.exists(), "schema.graphql is missing: run `.venv/bin/python manage.py graphql_schema`."
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_sdl(), (
        "schema.graphql is stale: run `.venv/bin/python manage.py graphql_schema` and commit it "
        "(and say in CHANGELOG.md what changed for clients).")


def test_everything_in_the_schema_is_described():
    missing = undescribed(schema._schema)
    assert not missing, (f"{len(missing)} without a description (describe them in the type, or in "
                         "marketing/graphql/descriptions.py):\n" + "\n".join(missing))


def test_library_exemption_covers_library_types_only():
    exempt = sorted(name for name, t in schema._schema.type_map.items()
                    if not name.startswith("__") and _library_type(t))
    ours = [name for name in exempt if name in {"Campaign", "Brand", "UserError", "KpiSet", "Query", "Mutation"}]
    assert ours == []
    assert "PageInfo" in exempt and "StrFilterLookup" in exempt

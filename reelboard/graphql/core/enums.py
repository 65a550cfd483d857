"""GraphQL enums built from the model choices (one source of truth: the models' ``TextChoices``)."""

from __future__ import annotations

from collections.abc import Mapping

import strawberry
from django.db.models import TextChoices


def choices_enum(choices: type[TextChoices], *, name: str, description: str,
                 values: Mapping[str, str] | None = None) -> type[TextChoices]:
    """The GraphQL enum of a model's ``TextChoices``: the class itself, so resolvers return and services
    receive the model's values. Each value is described by ``values[NAME]`` (what it means to a client)
    or, when the label says enough, by the choice's label."""
    graphql_enum = strawberry.enum(choices, name=name, description=description)
    for value in graphql_enum.__strawberry_definition__.values:
        value.description = (values or {}).get(value.name) or str(choices[value.name].label)
    return graphql_enum


def describe_values(graphql_enum: type, values: Mapping[str, str]) -> type:
    """Describe the values of an enum that is not a model's choices (a selector's or service's enum)."""
    for value in graphql_enum.__strawberry_definition__.values:
        value.description = values[value.name]
    return graphql_enum

"""Personas' root fields: a brand's personas (active or a ready version), one persona, persona model versions.

Resolvers decode ids and call one selector.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry.types import Info

from analytics.personas import models, selectors
from marketing.models import Brand
from reelboard.graphql.core import ids
from reelboard.graphql.core.errors import decode_id
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.core.types import Connection
from reelboard.graphql.personas.mutations import Mutation
from reelboard.graphql.personas.types import PersonaModelType, PersonaType


def _brand_id(info: Info, brand: str) -> int:
    """A brand the caller may see (a missing one and another brand's: NOT_FOUND)."""
    return ids.visible(Brand.objects, brand, expected="Brand", field="brand", principal=principal_of(info)).pk


@strawberry.type
class Query:
    @strawberry_django.connection(
        Connection[PersonaType], extensions=authenticated(),
        description="Personas of a brand's active model (or of a given ready version), largest first.")
    def personas(self, info: Info, brand: strawberry.ID, version: Annotated[int | None, strawberry.argument(
            description="A ready version of the brand's persona models; default: the active one. A version that "
                        "does not exist or is not ready answers NOT_FOUND.")] = None) -> QuerySet[models.Persona]:
        return selectors.personas_for_brand(principal=principal_of(info), brand_id=_brand_id(info, brand),
                                            version=version)

    @strawberry.field(extensions=authenticated(), description="One persona, with its KPIs across campaigns.")
    def persona(self, info: Info, id: strawberry.ID) -> PersonaType:
        persona = selectors.persona_get(principal=principal_of(info),
                                        persona_id=decode_id(id, expected="Persona", field="id"))
        if persona is None:
            raise ids.not_found("id", "Persona")
        return persona

    @strawberry_django.connection(Connection[PersonaModelType], extensions=authenticated(),
                                  description="Persona model versions of a brand, newest first.")
    def persona_models(self, info: Info, brand: strawberry.ID) -> QuerySet[models.PersonaModel]:
        return selectors.persona_models(principal=principal_of(info), brand_id=_brand_id(info, brand))


__all__ = ["Mutation", "Query"]

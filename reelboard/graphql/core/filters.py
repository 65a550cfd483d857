"""Pieces every app's filters share: ids in filter arguments."""

from __future__ import annotations

from strawberry.types import Info

from reelboard.graphql.core import ids
from reelboard.graphql.core.permissions import principal_of


def visible_pks(values: list[str], info: Info, model: type, *, field: str) -> list[int]:
    """Database ids of the ``model`` rows the ids name, all visible to the caller: a malformed id or one of
    another type is BAD_USER_INPUT naming the filter, a missing or hidden row NOT_FOUND (``reelboard.graphql.core.ids``)."""
    return ids.require_visible(model.objects, values, expected=model.__name__, field=field,
                               principal=principal_of(info))

"""Id arguments: the one place that decodes them and decides what a bad or missing one answers.

Every id argument of the API (root fields, mutation inputs, lists of ids, ids inside filters) is
declared ``strawberry.ID``: the raw string the client sent, so no id is decoded before a resolver
runs. Resolvers call :func:`decode_id` / :func:`decode_ids` (a malformed id, or an id of another
type) and :func:`visible` / :func:`require_visible` (a missing row, or a row of a brand the caller
cannot see: the same answer, so existence is not revealed). Both raise ``ServiceValidationError``
with code ``invalid`` or ``not_found`` and the GraphQL name of the argument as ``field``:

- a mutation's ``run_service`` turns it into payload ``errors`` (nothing was written);
- anywhere else (query fields, filters) ``BadInputCodes`` turns it into a GraphQL error with
  ``extensions.code`` ``BAD_USER_INPUT`` or ``NOT_FOUND`` and ``extensions.field`` (see
  :func:`graphql_code`). No resolver catches ``DoesNotExist`` or these errors by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from strawberry import relay
from strawberry_django.relay import resolve_model_node, resolve_model_nodes

from marketing.auth import Principal
from marketing.services.errors import ErrorCode, ServiceValidationError

# The longest id the API hands out is base64 of "RecommenderModel:" and 19 digits (~50 characters);
# anything much longer is refused before it is decoded.
MAX_ID_LENGTH = 128

_DATABASE_ID = re.compile(r"[1-9][0-9]{0,18}")
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_MAX_PK = 2**63 - 1  # bigint


def _invalid(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError.single(field, ErrorCode.INVALID, message)


def not_found(field: str, expected: str) -> ServiceValidationError:
    """A missing row and another brand's row: the same answer."""
    return ServiceValidationError.single(field, ErrorCode.NOT_FOUND, _("No such %(type)s.") % {"type": expected})


def parse_global_id(value: str | relay.GlobalID, *, field: str) -> relay.GlobalID:
    """The (type name, node id) pair of an id as the client sent it; anything else is ``invalid``."""
    if isinstance(value, relay.GlobalID):
        return value
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise _invalid(field, _("Not an id: pass an id returned by this API."))
    try:
        gid = relay.GlobalID.from_id(value)
    except ValueError:  # not base64, not text, no "Type:" prefix
        raise _invalid(field, _("Not an id: pass an id returned by this API.")) from None
    if not _TYPE_NAME.fullmatch(gid.type_name):
        raise _invalid(field, _("Not an id: pass an id returned by this API."))
    return gid


def decode_id(value: str | relay.GlobalID | None, *, expected: str, field: str) -> int | None:
    """The database id of an id of type ``expected`` (None stays None).

    Raises ``ServiceValidationError`` (``invalid``) for a malformed id, an id of another type or one
    whose node part is not a positive database id; ``field`` is the argument's GraphQL name.
    """
    if value is None:
        return None
    gid = parse_global_id(value, field=field)
    if gid.type_name != expected:
        raise _invalid(field, _("Expected a %(expected)s id, got a %(given)s id.")
                       % {"expected": expected, "given": gid.type_name})
    if not _DATABASE_ID.fullmatch(gid.node_id) or int(gid.node_id) > _MAX_PK:
        raise _invalid(field, _("Not a %(expected)s id.") % {"expected": expected})
    return int(gid.node_id)


def decode_ids(values: Iterable[str | relay.GlobalID] | None, *, expected: str, field: str) -> list[int] | None:
    if values is None:
        return None
    return [decode_id(v, expected=expected, field=field) for v in values]


def visible(queryset: QuerySet, value: str | relay.GlobalID | None, *, expected: str, field: str,
            principal: Principal) -> Model | None:
    """The row an id names, if the principal may see it; ``not_found`` otherwise (None stays None).

    ``queryset`` is the model's brand-scoped queryset (``for_principal`` is applied here), with any
    ``select_related`` the caller needs.
    """
    pk = decode_id(value, expected=expected, field=field)
    if pk is None:
        return None
    row = queryset.for_principal(principal).filter(pk=pk).first()
    if row is None:
        raise not_found(field, expected)
    return row


def require_visible(queryset: QuerySet, values: Iterable[str | relay.GlobalID] | None, *, expected: str,
                    field: str, principal: Principal) -> list[int] | None:
    """The database ids of a list of ids, each of a row the principal may see (``not_found`` otherwise)."""
    pks = decode_ids(values, expected=expected, field=field)
    if not pks:
        return pks
    found = set(queryset.for_principal(principal).filter(pk__in=pks).values_list("pk", flat=True))
    if found != set(pks):
        raise not_found(field, expected)
    return pks


# ServiceValidationError codes as the GraphQL error codes of queries (mutations answer payload errors).
_GRAPHQL_CODES = {ErrorCode.NOT_FOUND: "NOT_FOUND", ErrorCode.PERMISSION_DENIED: "PERMISSION_DENIED"}


def graphql_code(code: ErrorCode | str) -> str:
    """``extensions.code`` of a query's client error: NOT_FOUND, PERMISSION_DENIED, else BAD_USER_INPUT."""
    return _GRAPHQL_CODES.get(ErrorCode(code), "BAD_USER_INPUT")


def _node_type(info, gid: relay.GlobalID, field: str) -> type[relay.Node]:
    try:
        return gid.resolve_type(info)
    except relay.GlobalIDValueError:  # a name that is not a node type of this schema
        raise _invalid(field, _("Not an id of this API: %(given)s is not a node type.")
                       % {"given": gid.type_name}) from None


def node(info, value: str, *, field: str) -> Model:
    """``node(id:)``: the row of any node type, through that type's ``get_queryset`` (its visibility)."""
    gid = parse_global_id(value, field=field)
    node_type = _node_type(info, gid, field)
    pk = decode_id(gid, expected=gid.type_name, field=field)
    row = resolve_model_node(node_type, str(pk), info=info, required=False)
    if row is None:
        raise not_found(field, gid.type_name)
    return row


def nodes(info, values: list[str], *, field: str) -> list[Model]:
    """``nodes(ids:)``: the rows in the order asked; one missing or hidden id answers ``not_found``."""
    gids = [parse_global_id(value, field=field) for value in values]
    wanted: dict[type[relay.Node], list[int]] = {}
    keys = []
    for gid in gids:
        node_type = _node_type(info, gid, field)
        pk = decode_id(gid, expected=gid.type_name, field=field)
        wanted.setdefault(node_type, []).append(pk)
        keys.append((node_type, pk))
    rows = {}
    for node_type, pks in wanted.items():
        for row in resolve_model_nodes(node_type, node_ids=[str(pk) for pk in pks], info=info, required=False):
            if row is not None:
                rows[(node_type, row.pk)] = row
    missing = [key for key in keys if key not in rows]
    if missing:
        raise not_found(field, missing[0][0].__strawberry_definition__.name)
    return [rows[key] for key in keys]

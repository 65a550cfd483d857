"""Typed user errors in mutation payloads, converted from the services' ``ServiceValidationError``."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.utils.str_converters import to_camel_case

from marketing.services.errors import ErrorCode, FieldError, ServiceValidationError
from reelboard.graphql.core.ids import decode_id, decode_ids  # noqa: F401 - the one decoder, re-exported

_CODE_MEANINGS = {
    "REQUIRED": "The field is missing or empty.",
    "INVALID": "The value is malformed (a bad id, a naive date-time, watch time on a non-view, ...).",
    "INVALID_CHOICE": "The value is not one of the allowed ones.",
    "TOO_LONG": "The text is longer than allowed.",
    "OUT_OF_RANGE": "The number or date is outside the allowed range.",
    "NEGATIVE": "A budget, amount or watch time below zero.",
    "END_BEFORE_START": "An end before its start.",
    "DUPLICATE": "A unique value already used (an external id, a spend day, ...).",
    "NOT_FOUND": "The row does not exist or belongs to another brand (the same answer, on purpose).",
    "PERMISSION_DENIED": "Your role on the brand does not allow this.",
    "CROSS_BRAND": "The rows named belong to different brands.",
    "FORBIDDEN_TRANSITION": "The campaign cannot move from its status to that one.",
    "NOT_APPROVED": "The video is not approved.",
    "LIMIT_EXCEEDED": "Too many items (e.g. more than INGEST_MAX_EVENTS events).",
    "CURRENCY_MISMATCH": "A value in another currency than the brand's.",
    "BEFORE_RETENTION_HORIZON": "A time before the brand's raw-event retention horizon.",
}
UserErrorCode = strawberry.enum(
    enum.Enum("UserErrorCode", {code.name: strawberry.enum_value(code.value, description=_CODE_MEANINGS.get(code.name))
                                for code in ErrorCode}),
    description="Why an input was rejected.",
)

# Service argument names that the GraphQL inputs spell differently.
_FIELD_ALIASES = {"brand": "brandId", "token": "id", "campaign": "campaignId"}


@strawberry.type(description="A validation failure: which input field, a stable code, and a readable message.")
class UserError:
    field: str = strawberry.field(description="The input field (camelCase), or 'input' for the whole input.")
    code: UserErrorCode  # type: ignore[valid-type]
    message: str


def graphql_field_name(service_field: str, aliases: dict[str, str] | None = None) -> str:
    """The GraphQL input field a service's error field stands for (``aliases`` first: per mutation)."""
    if aliases and service_field in aliases:
        return aliases[service_field]
    return _FIELD_ALIASES.get(service_field, to_camel_case(service_field))


def user_errors(errors: list[FieldError], *, aliases: dict[str, str] | None = None) -> list[UserError]:
    return [
        UserError(field=graphql_field_name(e.field, aliases), code=UserErrorCode(ErrorCode(e.code).value),
                  message=e.message)
        for e in errors
    ]


def run_service(payload: type, result_field: str | None, call: Callable[[], Any], *,
                aliases: dict[str, str] | None = None):
    """Call a service; its validation errors become the payload's ``errors`` (nothing was written).

    ``aliases`` renames service error fields for this mutation's input (e.g. ``{"brand": "input"}``).
    """
    try:
        result = call()
    except ServiceValidationError as exc:
        return payload(errors=user_errors(exc.errors, aliases=aliases))
    if result_field is None:  # the call built the payload itself
        return result
    return payload(errors=[], **{result_field: result})

"""Typed validation errors shared by every service, the GraphQL payloads and the admin."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ErrorCode(enum.StrEnum):
    REQUIRED = "required"
    INVALID = "invalid"
    INVALID_CHOICE = "invalid_choice"
    TOO_LONG = "too_long"
    OUT_OF_RANGE = "out_of_range"
    NEGATIVE = "negative"
    END_BEFORE_START = "end_before_start"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    CROSS_BRAND = "cross_brand"
    FORBIDDEN_TRANSITION = "forbidden_transition"
    NOT_APPROVED = "not_approved"
    LIMIT_EXCEEDED = "limit_exceeded"
    CURRENCY_MISMATCH = "currency_mismatch"
    BEFORE_RETENTION_HORIZON = "before_retention_horizon"


@dataclass(frozen=True)
class FieldError:
    field: str
    code: ErrorCode
    message: str


class ServiceValidationError(Exception):
    """Raised by a service before it writes anything; carries every problem found."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    @classmethod
    def single(cls, field: str, code: ErrorCode, message: str) -> ServiceValidationError:
        return cls([FieldError(field, code, message)])


_DJANGO_CODES = {
    "required": ErrorCode.REQUIRED,
    "blank": ErrorCode.REQUIRED,
    "null": ErrorCode.REQUIRED,
    "invalid_choice": ErrorCode.INVALID_CHOICE,
    "max_length": ErrorCode.TOO_LONG,
    "min_value": ErrorCode.OUT_OF_RANGE,
    "max_value": ErrorCode.OUT_OF_RANGE,
    "max_digits": ErrorCode.OUT_OF_RANGE,
    "max_decimal_places": ErrorCode.INVALID,
    "unique": ErrorCode.DUPLICATE,
    "unique_together": ErrorCode.DUPLICATE,
}


def errors_from_django(exc: ValidationError) -> list[FieldError]:
    """Map a model's ``full_clean`` errors onto typed field errors."""
    found = []
    for field, errors in exc.error_dict.items():
        for error in errors:
            name = "input" if field == NON_FIELD_ERRORS else field
            message = error.message % error.params if error.params else error.message
            found.append(FieldError(name, _DJANGO_CODES.get(error.code or "", ErrorCode.INVALID), str(message)))
    return found


class Collector:
    """Gathers field errors so a service reports all of them at once, then raises."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, code: ErrorCode, message: str) -> None:
        self.errors.append(FieldError(field, code, message))

    def has(self, field: str) -> bool:
        return any(e.field == field for e in self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ServiceValidationError(self.errors)


def full_clean_or_raise(obj, *, exclude=None) -> None:
    """Run the model's own validation and report its problems as typed field errors."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ServiceValidationError(errors_from_django(exc)) from None

"""Why a job or a report failed, in two forms: the detail for operators, a short classified message for brands.

The detail (exception type and text) goes to the row's ``error`` field and the log, which operators read;
brand viewers see only the classified message through GraphQL, never an exception's text, which can
name internal hosts, paths or SQL. An exception class can declare its class with ``failure_code``.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from marketing.services.errors import ServiceValidationError


class FailureCode(models.TextChoices):
    INVALID_INPUT = "invalid_input", gettext_lazy("Invalid input")
    DELIVERY_BLOCKED = "delivery_blocked", gettext_lazy("Delivery blocked")
    DELIVERY_FAILED = "delivery_failed", gettext_lazy("Delivery failed")
    TIMED_OUT = "timed_out", gettext_lazy("Timed out")
    INTERNAL = "internal", gettext_lazy("Internal error")


def _message(code: str) -> str:
    return {
        FailureCode.DELIVERY_BLOCKED: gettext("The webhook URL is not allowed: fix the schedule's webhook URL, "
                                              "then re-send."),
        FailureCode.DELIVERY_FAILED: gettext("The report could not be delivered; it is retried automatically."),
        FailureCode.TIMED_OUT: gettext("This took too long and was stopped. Try a smaller window or retry later."),
        FailureCode.INTERNAL: gettext("An internal error stopped this. The operators have the details."),
    }[code]


@dataclass(frozen=True)
class Failure:
    code: str
    message: str  # short, for brand viewers (GraphQL)
    detail: str  # for operators (the admin and the logs)


def failure_of(exc: BaseException) -> Failure:
    """Classify an exception: a service's validation error keeps its own message (written for people)."""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ServiceValidationError):
        return Failure(FailureCode.INVALID_INPUT, "; ".join(str(e.message) for e in exc.errors), str(exc))
    if isinstance(exc, SoftTimeLimitExceeded | TimeLimitExceeded | TimeoutError):
        code = FailureCode.TIMED_OUT
    elif isinstance(exc, smtplib.SMTPException | ConnectionError):
        code = FailureCode.DELIVERY_FAILED
    else:
        code = getattr(exc, "failure_code", FailureCode.INTERNAL)
    return Failure(code, _message(code), detail)

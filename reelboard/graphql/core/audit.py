"""Audit every API write: one entry per mutation root field that executes.

The entry is written by a field extension on each root field of ``Mutation`` (``audited``), so it follows
what runs, however the field was selected: directly, through a fragment or an inline fragment, under an
alias, in a batch; a field skipped by ``@skip``/``@include`` runs nothing and records nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types import Info

from marketing.auth import ANONYMOUS
from marketing.models import AuditSource
from marketing.services.audit import audit_record

logger = logging.getLogger(__name__)

# Services that write a richer entry themselves when they succeed.
SELF_AUDITED = frozenset({"eraseViewer", "exportViewerData", "setBrandRetention", "createAdAccount", "updateAdAccount",
                          "deleteAdAccount"})


class AuditMutationField(FieldExtension):
    """Records who called the mutation and whether it succeeded (it returned a payload without ``errors``
    and raised nothing). Variables are recorded by name only: their values may be personal."""

    def resolve(self, next_, source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            payload = next_(source, info, **kwargs)
        except Exception:
            _record(info, succeeded=False)
            raise
        _record(info, succeeded=payload is not None and not getattr(payload, "errors", None))
        return payload


def _record(info: Info, *, succeeded: bool) -> None:
    principal = getattr(info.context, "principal", ANONYMOUS)
    if not principal.is_authenticated:  # refused before anything was written
        return
    action = info.field_name
    if succeeded and action in SELF_AUDITED:
        return
    operation = info.operation.name
    try:
        audit_record(principal=principal, source=AuditSource.API, action=action, succeeded=succeeded,
                     details={"operation": operation.value if operation else "",
                              "variables": sorted(info.variable_values or {})})
    except Exception:  # the write itself is done; a failing audit insert is logged, not raised
        logger.exception("could not record the audit entry of a mutation")


def audited(mutation: type) -> type:
    """``mutation`` (the root Mutation type) with every root field audited by ``AuditMutationField``."""
    for field in mutation.__strawberry_definition__.fields:
        if not any(isinstance(extension, AuditMutationField) for extension in field.extensions):
            field.extensions.append(AuditMutationField())
    return mutation

"""Audit every API write: one entry per root field of each mutation operation."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from marketing.auth import ANONYMOUS
from marketing.models import AuditSource
from marketing.services.audit import audit_record

logger = logging.getLogger(__name__)

# Services that write a richer entry themselves when they succeed.
SELF_AUDITED = frozenset({"eraseViewer", "exportViewerData"})


class AuditMutations(SchemaExtension):
    """Records who called which mutation and whether it succeeded (no GraphQL error and no payload
    ``errors`` in the response). Variables are recorded by name only: their values may be personal."""

    def on_execute(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.operation_type != OperationType.MUTATION:
            return
        principal = getattr(context.context, "principal", ANONYMOUS)
        if not principal.is_authenticated:  # refused before anything was written
            return
        result = context.result
        data = getattr(result, "data", None) or {}
        failed = {error.path[0] for error in (getattr(result, "errors", None) or []) if error.path}
        try:
            for field in _root_fields(context.graphql_document, context.operation_name):
                key = field.alias.value if field.alias else field.name.value
                payload = data.get(key)
                succeeded = key not in failed and payload is not None and not (
                    isinstance(payload, dict) and payload.get("errors"))
                if succeeded and field.name.value in SELF_AUDITED:
                    continue
                audit_record(principal=principal, source=AuditSource.API, action=field.name.value,
                             succeeded=succeeded, details={"operation": context.operation_name or "",
                                                           "variables": sorted(context.variables or {})})
        except Exception:  # the write itself is done; a failing audit insert is logged, not raised
            logger.exception("could not record the audit entry of a mutation")


def _root_fields(document, operation_name: str | None) -> list[FieldNode]:
    if document is None:
        return []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next((o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)),
                     None)
    if operation is None:
        return []
    return [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]

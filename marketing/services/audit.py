"""The audit log: one entry per API mutation, admin change and privacy request."""

from __future__ import annotations

from typing import Any

from marketing.auth import Principal
from marketing.models import AuditEntry, AuditSource


def audit_record(*, principal: Principal, source: str, action: str, brand_id: int | None = None,
                 object_type: str = "", object_id: Any = "", succeeded: bool = True,
                 details: dict[str, Any] | None = None) -> AuditEntry:
    """Append an entry. ``details`` must hold ids, counts and field names only, never personal data.

    An entry made by a token is filed under the token's brand when the caller does not name one.
    """
    token = principal.token
    if brand_id is None and token is not None:
        brand_id = token.brand_id
    return AuditEntry.objects.create(
        brand_id=brand_id, actor_user=principal.actor, actor_token=token, source=AuditSource(source),
        action=action[:80], object_type=object_type, object_id=str(object_id)[:64], succeeded=succeeded,
        details=details or {},
    )

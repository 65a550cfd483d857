"""Permission helpers shared by the services."""

from __future__ import annotations

from django.db import models

from marketing.auth import Principal
from marketing.models import Role
from marketing.services.errors import ErrorCode, ServiceValidationError


def get_for_role(
    queryset: models.QuerySet, *, principal: Principal, pk, field: str, min_role: str = Role.EDITOR
):
    """Fetch one row the principal may act on with ``min_role``.

    Rows of other brands are reported as not found, so the answer never reveals that they exist.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise ServiceValidationError.single(field, ErrorCode.NOT_FOUND, f"No such {field}.") from None
    obj = queryset.for_principal(principal).filter(pk=pk).first()
    if obj is None:
        raise ServiceValidationError.single(field, ErrorCode.NOT_FOUND, f"No such {field}.")
    brand_id = obj.pk if queryset.model._meta.model_name == "brand" else obj.brand_id
    if not principal.has_role(brand_id, min_role):
        raise ServiceValidationError.single(
            field, ErrorCode.PERMISSION_DENIED, f"Your role on this brand does not allow this (needs {min_role})."
        )
    return obj

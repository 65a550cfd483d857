"""Viewers' privacy rights: erase everything stored about a viewer, or export it.

Both need the brand ``admin`` role, are recorded in the audit log (by viewer id, never by raw
platform id) and are offered by GraphQL (``eraseViewer``, ``exportViewerData``), the admin (an
action on viewers) and ``manage.py erase_viewer``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min

from marketing.auth import Principal
from marketing.ingestion.services import enqueue_rollup_refresh
from marketing.models import AuditSource, Brand, Interaction, Platform, Role, Viewer, pseudonymise_viewer_id
from marketing.services.access import get_for_role
from marketing.services.audit import audit_record
from marketing.services.errors import ErrorCode, ServiceValidationError
from marketing.signals import viewer_erasing, viewer_exporting

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasureReceipt:
    viewer_id: int
    brand_id: int
    interactions: int
    persona_assignments: int


def viewer_id_for_platform_user(*, principal: Principal, brand_slug: str, platform_code: str, raw_id: str) -> int:
    """The viewer a data-subject request names by its platform user id (pseudonymised here, never stored)."""
    brand = Brand.objects.for_principal(principal).filter(slug=brand_slug).first()
    if brand is None:
        raise ServiceValidationError.single("brand", ErrorCode.NOT_FOUND, "No such brand.")
    platform = Platform.objects.filter(code=platform_code).first()
    if platform is None:
        raise ServiceValidationError.single("platform", ErrorCode.INVALID_CHOICE, "No such platform.")
    key = pseudonymise_viewer_id(brand_id=brand.pk, platform_code=platform.code, raw_id=raw_id)
    viewer_id = Viewer.objects.filter(brand=brand, platform=platform, viewer_key=key).values_list("pk", flat=True).first()
    if viewer_id is None:
        raise ServiceValidationError.single("viewer", ErrorCode.NOT_FOUND, "No such viewer.")
    return viewer_id


def viewer_erase(*, principal: Principal, viewer_id: int, source: str = AuditSource.API) -> ErasureReceipt:
    """Delete the viewer and everything derived from them, in one transaction, then refresh the KPIs.

    Cascades remove their interactions, persona assignments and per-viewer rollups; the days their
    interactions touched are rebuilt by the rollup task once the transaction commits (recommendations
    are computed from live interactions, so nothing of theirs is served afterwards; model training
    reads the database and no longer sees them).
    """
    viewer = get_for_role(Viewer.objects, principal=principal, pk=viewer_id, field="viewer", min_role=Role.ADMIN)
    with transaction.atomic():
        viewer = Viewer.objects.select_for_update().get(pk=viewer.pk)
        window = Interaction.objects.filter(viewer=viewer).aggregate(
            n=Count("id"), start=Min("occurred_at"), end=Max("occurred_at"))
        assignments = viewer.persona_assignments.count()
        # The apps above name the spans they need rebuilt (analytics: days whose raw events retention removed).
        spans = [span for _receiver, span in viewer_erasing.send(sender=Viewer, viewer=viewer) if span]
        receipt = ErasureReceipt(viewer_id=viewer.pk, brand_id=viewer.brand_id, interactions=window["n"],
                                 persona_assignments=assignments)
        viewer.delete()
        audit_record(principal=principal, source=source, action="eraseViewer", brand_id=receipt.brand_id,
                     object_type="viewer", object_id=receipt.viewer_id,
                     details={"interactions": receipt.interactions, "persona_assignments": assignments})
        start, end, brand_id = window["start"], window["end"], receipt.brand_id
        for span in spans:
            start, end = min(filter(None, (start, span[0]))), max(filter(None, (end, span[1])))
        if start is not None:
            transaction.on_commit(lambda: enqueue_rollup_refresh(brand_id, start, end))
    logger.info("viewer %s of brand %s erased (%s interactions)", receipt.viewer_id, receipt.brand_id,
                receipt.interactions)
    return receipt


def viewer_export(*, principal: Principal, viewer_id: int, source: str = AuditSource.API) -> dict[str, Any]:
    """Everything stored about one viewer, as JSON-ready data (a data-subject access request)."""
    viewer = get_for_role(Viewer.objects.select_related("platform", "brand"), principal=principal, pk=viewer_id,
                          field="viewer", min_role=Role.ADMIN)
    interactions = [
        {"event_id": row["event_id"], "kind": row["kind"], "occurred_at": row["occurred_at"].isoformat(),
         "video": row["video__external_id"], "video_title": row["video__title"], "campaign": row["campaign__name"],
         "watch_ms": row["watch_ms"], "value": None if row["value"] is None else str(row["value"]),
         "currency": row["currency"]}
        for row in Interaction.objects.filter(viewer=viewer).order_by("occurred_at", "id").values(
            "event_id", "kind", "occurred_at", "video__external_id", "video__title", "campaign__name", "watch_ms",
            "value", "currency")
    ]
    audit_record(principal=principal, source=source, action="exportViewerData", brand_id=viewer.brand_id,
                 object_type="viewer", object_id=viewer.pk, details={"interactions": len(interactions)})
    export = {
        "viewer": {
            "id": viewer.pk, "brand": viewer.brand.slug, "platform": viewer.platform.code,
            "pseudonymous_key": viewer.viewer_key, "gender": viewer.gender, "age_band": viewer.age_band,
            "region": viewer.region,
            "first_seen_at": viewer.first_seen_at.isoformat() if viewer.first_seen_at else None,
            "last_seen_at": viewer.last_seen_at.isoformat() if viewer.last_seen_at else None,
        },
        "interactions": interactions,
    }
    for _receiver, sections in viewer_exporting.send(sender=Viewer, viewer=viewer):  # e.g. persona assignments
        export.update(sections)
    return export

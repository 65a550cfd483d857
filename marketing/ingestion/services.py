"""Ingesting interactions through the API, and queuing the rollup work of what any ingest stored.

:func:`ingest_events` validates one batch of events sent through the API and stores the valid ones, with the
same validator and writer as the file importer (importer.py).

After a commit that stored new interactions, the analytics rollups of the touched window are refreshed
by a Celery task; if the task cannot be queued the events stay stored (the nightly recompute catches up).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from celery import current_app
from django.conf import settings
from django.db import transaction

from marketing.auth import Principal
from marketing.ingestion.staged import EventColumns
from marketing.ingestion.validation import BrandContext
from marketing.ingestion.writers import WriteOutcome, make_writer
from marketing.models import Brand, Role
from marketing.services.access import get_for_role
from marketing.services.errors import ErrorCode, ServiceValidationError
from marketing.services.retention import horizon_start

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventError:
    """A problem with the event at ``index`` (0-based) of an API batch."""

    index: int
    field: str
    code: ErrorCode
    message: str


@dataclass
class IngestResult:
    """Outcome of :func:`ingest_events`: counts of events, plus every problem of the rejected ones."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[EventError] = field(default_factory=list)


def enqueue_rollup_refresh(brand_id: int, start: datetime, end: datetime) -> None:
    # By its registered name: analytics sits above this app (eager in embedded mode like any task).
    try:
        current_app.signature("analytics.refresh_rollups").delay(
            brand_id, start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat())
    except Exception:  # a broker outage must not lose stored events; the nightly recompute catches up
        logger.warning("ingest: could not enqueue the rollup refresh for brand %s [%s, %s]",
                       brand_id, start.isoformat(), end.isoformat(), exc_info=True)


def enqueue_pending_rollups(brand_id: int) -> None:
    """Queue the rollup delta for the brand's newly stored events (recorded as PendingRollup rows by the
    writer, in the import's transaction): a lost enqueue is caught up by the every-minute beat task."""
    try:
        current_app.signature("analytics.apply_pending_rollups").delay(brand_id)
    except Exception:  # a broker outage must not fail an ingest whose events are stored
        logger.warning("ingest: could not enqueue the rollup delta for brand %s; the beat task catches up",
                       brand_id, exc_info=True)


def queue_rollups_on_commit(brand_id: int, outcome: WriteOutcome) -> None:
    """Once the transaction commits, queue the rollup delta of the events it stored (if it stored any)."""
    if outcome.inserted and outcome.start is not None:
        transaction.on_commit(lambda: enqueue_pending_rollups(brand_id))


# --- API batches ----------------------------------------------------------------------------


def ingest_events(*, principal: Principal, brand_id, events: list[dict]) -> IngestResult:
    """Validate a batch of reelboard events for one brand and store the valid ones atomically.

    ``events``: at most ``settings.INGEST_MAX_EVENTS`` dicts with keys ``event_id`` (optional, <= 64
    chars; derived when missing), ``platform`` (code), ``viewer_id`` (the platform's raw user id, hashed
    here), ``video_external_id`` (an existing video of the brand), ``campaign_id`` (optional, the brand's),
    ``kind``, ``watch_ms`` (views only, ms), ``value`` (>= 0), ``currency`` (ISO code; with a value it
    must be the brand's, which is also the default), ``occurred_at`` (ISO-8601 with offset, or an
    aware datetime).

    Returns accepted (newly stored), duplicates (event ids already stored), rejected (invalid) and the
    errors of the rejected events. Raises ServiceValidationError for a caller without the editor role or
    a batch over the limit. Requires the editor role on the brand.
    """
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand_id",
                         min_role=Role.EDITOR)
    if len(events) > settings.INGEST_MAX_EVENTS:
        raise ServiceValidationError.single(
            "events", ErrorCode.LIMIT_EXCEEDED, f"At most {settings.INGEST_MAX_EVENTS} events per batch."
        )
    context = BrandContext(brand_id=brand.pk, currency=brand.currency, retained_from=horizon_start(brand))
    batch = EventColumns.from_events(events)
    # Problems the API layer found while decoding (a malformed campaign GlobalID), reported with the rest.
    batch.problems = {i: list(event["__problems__"]) for i, event in enumerate(events)
                      if isinstance(event, dict) and "__problems__" in event}
    checked = context.validate_events(batch, lines=range(len(events)), fmt="reelboard")
    result = IngestResult(rejected=len(checked.errors), errors=[
        EventError(index, p.field, p.code, p.message) for index, problems in checked.errors.items() for p in problems
    ])
    rows = checked.staged
    if len(rows):
        with transaction.atomic():
            writer = make_writer(brand_id=brand.pk)
            writer.stage(rows, {})
            outcome = writer.finish()
            queue_rollups_on_commit(brand.pk, outcome)
        result.accepted = outcome.inserted
        result.duplicates = len(rows) - outcome.inserted
    return result

"""Ingesting interactions: the file importer and the API service share one validator and one writer.

* :func:`import_file` streams a file in chunks (``CHUNK_ROWS`` records) through the format's mapper, the
  brand's validator and the set-based writer, inside one transaction.
* :func:`ingest_events` does the same for one batch of events sent through the API.

After a commit that stored new interactions, the analytics rollups of the touched window are refreshed
by a Celery task; if the task cannot be queued the events stay stored (the nightly recompute catches up).
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import transaction

from marketing.auth import Principal
from marketing.ingestion.formats import FORMATS, open_source
from marketing.ingestion.sources import RecordChunk
from marketing.ingestion.validation import BrandContext, EventColumns, RowError, StagedEvents
from marketing.ingestion.writers import WriteOutcome, make_writer
from marketing.models import Brand, Role
from marketing.services.access import get_for_role
from marketing.services.errors import ErrorCode, ServiceValidationError
from marketing.services.retention import horizon_start

logger = logging.getLogger(__name__)

# Records per chunk. One chunk is parsed and validated (~1 KB a record at its peak: the parsed strings,
# the columns and the staged values) while the previous one, ~120 bytes a row of COPY text by then, is
# written: 50,000 keeps the importer's own share near 60 MB over Django's ~200 MB, whatever the file.
CHUNK_ROWS = 50_000
MAX_REPORTED_ERRORS = 20


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


@dataclass
class ImportSummary:
    """Outcome of :func:`import_file`. Counts are of input records (a MovieLens rating may give 2 events)."""

    read: int = 0
    events: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    videos_created: int = 0
    committed: bool = False
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    reject_file: Path | None = None
    seconds: float = 0.0


class StrictModeFailure(Exception):
    """Raised inside the transaction to roll back a strict import that found invalid rows."""


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


def _after_commit(brand_id: int, outcome: WriteOutcome) -> None:
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
            _after_commit(brand.pk, outcome)
        result.accepted = outcome.inserted
        result.duplicates = len(rows) - outcome.inserted
    return result


# --- Files ----------------------------------------------------------------------------------


ProgressCallback = Callable[[int, float, bool], None]  # (records read, fraction of file read, final)


def import_file(
    *, path: str | Path, brand: Brand, fmt: str = "reelboard", platform: str | None = None,
    create_missing: bool = False, approve_created: bool = False, skip_invalid: bool = False,
    reject_file: str | Path | None = None, progress: ProgressCallback | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportSummary:
    """Import an interaction file (CSV/TSV or JSON Lines, optionally gzip) into ``brand``.

    Strict by default: every record is validated and nothing is committed if any is invalid
    (``summary.errors`` holds the first problems, ``committed`` is False). With ``skip_invalid`` the valid
    records are stored and each rejected record is written with its reasons to ``reject_file``
    (default ``PATH.rejects.csv``). Unknown viewers are always created; unknown videos only with
    ``create_missing`` (pending moderation unless ``approve_created``), otherwise they are row errors.
    This is an operator tool: it trusts its caller, so there is no principal.
    """
    spec = FORMATS[fmt]
    path = Path(path)
    summary = ImportSummary()
    started = time.monotonic()
    mapper = None if fmt == "reelboard" else spec.mapper(platform)
    reject_path = Path(reject_file) if reject_file else path.with_name(path.name + ".rejects.csv")
    reject_handle = reject_writer = None
    context = BrandContext(brand_id=brand.pk, currency=brand.currency, create_missing=create_missing,
                           retained_from=horizon_start(brand))
    options = {"fmt": spec.name, "columns": spec.columns, "default_duration_ms": spec.default_duration_ms}

    def reject(source, line: int, record, problems: list[RowError]) -> None:
        nonlocal reject_handle, reject_writer
        summary.rejected += 1
        room = MAX_REPORTED_ERRORS - len(summary.errors)
        if room > 0:
            summary.errors.extend(problems[:room])
        if skip_invalid:
            if reject_writer is None:
                reject_handle = open(reject_path, "w", newline="", encoding="utf-8")  # noqa: SIM115
                reject_writer = csv.writer(reject_handle)
                reject_writer.writerow(["line", "column", "code", "reason", "record"])
            reject_writer.writerow([
                line, " | ".join(p.field for p in problems), " | ".join(p.code.value for p in problems),
                " | ".join(p.message for p in problems), source.serialise(record),
            ])

    def validate_records(source, writer, chunk: RecordChunk) -> tuple[StagedEvents, dict[int, list[RowError]]]:
        """The chunk's valid events staged, and the problems of each rejected record (by position)."""
        if mapper is None:  # reelboard records are events already: the hot path, validated column by column
            values = source.columns(chunk)
            if platform:  # --platform fills the rows that name none
                values["platform"] = [v if v else platform for v in values.get("platform") or [None] * len(chunk.lines)]
            batch = EventColumns(size=len(chunk.records), values=values, unreadable=chunk.unreadable)
            checked = context.validate_events(batch, lines=chunk.lines, before_query=writer.wait_idle, **options)
            return checked.staged, checked.errors
        # Other formats map each record to zero, one or two events; a record is stored whole or rejected whole.
        events, owners = [], []
        errors: dict[int, list[RowError]] = {}
        for position, record in enumerate(chunk.records):
            line = chunk.lines[position]
            if position in chunk.unreadable:
                errors[position] = [RowError(line, "input", ErrorCode.INVALID, chunk.unreadable[position])]
                continue
            mapped, problems = mapper(source.as_dict(record))
            if problems:
                errors[position] = [RowError(line, column, code, message) for column, code, message in problems]
            events.extend(mapped)
            owners.extend([position] * len(mapped))
        checked = context.validate_events(EventColumns.from_events(events), lines=[chunk.lines[o] for o in owners],
                                          before_query=writer.wait_idle, **options)
        for index, problems in checked.errors.items():
            errors.setdefault(owners[index], []).extend(problems)
        staged = checked.staged
        if errors:
            keep = [k for k, index in enumerate(checked.positions) if owners[index] not in errors]
            if len(keep) < len(staged):
                staged = staged.take(keep)
        return staged, dict(sorted(errors.items()))

    def process(source, writer, chunk: RecordChunk) -> None:
        before = set(context.videos_to_create)
        rows, errors = validate_records(source, writer, chunk)
        for position, problems in errors.items():
            reject(source, chunk.lines[position], chunk.records[position], problems)
        chunk.records.clear()  # the parsed text is no longer needed: free it before the chunk is rendered
        # Only the videos first seen in this chunk, and only those a valid row needs.
        needed = {(p, ext) for p, ext in zip(rows.platform_id, rows.video_ext, strict=True) if ext is not None}
        new_videos = {k: d for k, d in context.videos_to_create.items() if k not in before and k in needed}
        for key in [k for k in context.videos_to_create if k not in before and k not in needed]:
            # Referenced only by rejected rows: forget it, a later valid row may still ask for it.
            del context.videos_to_create[key]
            del context.videos[key]
        summary.events += len(rows)
        if summary.rejected and not skip_invalid:
            return  # strict mode: keep validating, stop writing (the transaction will be rolled back)
        writer.stage(rows, new_videos)

    try:
        with open_source(path, spec) as source, transaction.atomic():
            # background: the database writes chunk N while this thread validates chunk N + 1
            writer = make_writer(brand_id=brand.pk, approve_created=approve_created, background=True)
            try:
                for chunk in source.chunks(chunk_rows):
                    summary.read += len(chunk.records)
                    process(source, writer, chunk)
                    if progress:
                        progress(summary.read, source.fraction_read(), False)
                if summary.rejected and not skip_invalid:
                    raise StrictModeFailure
                outcome = writer.finish()
            finally:
                writer.close()  # the worker must be idle before the transaction commits or rolls back
            summary.inserted = outcome.inserted
            summary.duplicates = summary.events - outcome.inserted
            summary.videos_created = outcome.videos_created
            _after_commit(brand.pk, outcome)
        summary.committed = True
    except StrictModeFailure:
        summary.committed = False
    finally:
        if reject_handle is not None:
            reject_handle.close()
            summary.reject_file = reject_path
        summary.seconds = time.monotonic() - started
        if progress:
            progress(summary.read, 1.0, True)
    return summary

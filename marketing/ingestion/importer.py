"""The file importer: a file streamed in chunks (``CHUNK_ROWS`` records) through the format's mapper, the
brand's validator and the set-based writer, inside one transaction.

After a commit that stored new interactions, the rollup delta of the brand is queued as for an API batch
(:func:`marketing.ingestion.services.queue_rollups_on_commit`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from marketing.ingestion.formats import FORMATS, open_source
from marketing.ingestion.rejects import RejectFile, RowError
from marketing.ingestion.services import queue_rollups_on_commit
from marketing.ingestion.sources import RecordChunk
from marketing.ingestion.staged import EventColumns, StagedEvents
from marketing.ingestion.validation import BrandContext
from marketing.ingestion.writers import make_writer
from marketing.models import Brand
from marketing.services.errors import ErrorCode
from marketing.services.retention import horizon_start

# Records per chunk. One chunk is parsed and validated (~1 KB a record at its peak: the parsed strings,
# the columns and the staged values) while the previous one, ~120 bytes a row of COPY text by then, is
# written: 50,000 keeps the importer's own share near 60 MB over Django's ~200 MB, whatever the file.
CHUNK_ROWS = 50_000
MAX_REPORTED_ERRORS = 20

ProgressCallback = Callable[[int, float, bool], None]  # (records read, fraction of file read, final)


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
    return FileImporter(
        path=path, brand=brand, fmt=fmt, platform=platform, create_missing=create_missing,
        approve_created=approve_created, skip_invalid=skip_invalid, reject_file=reject_file,
        progress=progress, chunk_rows=chunk_rows,
    ).run()


class FileImporter:
    """One run of :func:`import_file` (see it for the arguments): the chunk loop and what it accumulates."""

    def __init__(
        self, *, path: str | Path, brand: Brand, fmt: str, platform: str | None, create_missing: bool,
        approve_created: bool, skip_invalid: bool, reject_file: str | Path | None,
        progress: ProgressCallback | None, chunk_rows: int,
    ) -> None:
        self.spec = FORMATS[fmt]
        self.path = Path(path)
        self.brand = brand
        self.platform = platform
        self.approve_created = approve_created
        self.skip_invalid = skip_invalid
        self.progress = progress
        self.chunk_rows = chunk_rows
        self.summary = ImportSummary()
        self.started = time.monotonic()
        self.mapper = None if fmt == "reelboard" else self.spec.mapper(platform)
        self.rejects = RejectFile(Path(reject_file) if reject_file
                                  else self.path.with_name(self.path.name + ".rejects.csv"))
        self.context = BrandContext(brand_id=brand.pk, currency=brand.currency, create_missing=create_missing,
                                    retained_from=horizon_start(brand))
        self.options = {"fmt": self.spec.name, "columns": self.spec.columns,
                        "default_duration_ms": self.spec.default_duration_ms}

    @property
    def strict_failed(self) -> bool:
        """A strict import found an invalid record: keep validating, write nothing, roll back at the end."""
        return bool(self.summary.rejected) and not self.skip_invalid

    def run(self) -> ImportSummary:
        summary = self.summary
        try:
            with open_source(self.path, self.spec) as source, transaction.atomic():
                self._import(source)
            summary.committed = True
        except StrictModeFailure:
            summary.committed = False
        finally:
            if self.rejects.opened:
                self.rejects.close()
                summary.reject_file = self.rejects.path
            summary.seconds = time.monotonic() - self.started
            if self.progress:
                self.progress(summary.read, 1.0, True)
        return summary

    def _import(self, source) -> None:
        """Every chunk of ``source`` validated and written, in the caller's transaction."""
        summary = self.summary
        # background: the database writes chunk N while this thread validates chunk N + 1
        writer = make_writer(brand_id=self.brand.pk, approve_created=self.approve_created, background=True)
        try:
            for chunk in source.chunks(self.chunk_rows):
                summary.read += len(chunk.records)
                self._process(source, writer, chunk)
                if self.progress:
                    self.progress(summary.read, source.fraction_read(), False)
            if self.strict_failed:
                raise StrictModeFailure
            outcome = writer.finish()
        finally:
            writer.close()  # the worker must be idle before the transaction commits or rolls back
        summary.inserted = outcome.inserted
        summary.duplicates = summary.events - outcome.inserted
        summary.videos_created = outcome.videos_created
        queue_rollups_on_commit(self.brand.pk, outcome)

    def _process(self, source, writer, chunk: RecordChunk) -> None:
        before = set(self.context.videos_to_create)
        if self.mapper is None:
            rows, errors = self._validate_events(source, writer, chunk)
        else:
            rows, errors = self._validate_mapped(source, writer, chunk)
        for position, problems in errors.items():
            self._reject(source, chunk.lines[position], chunk.records[position], problems)
        chunk.records.clear()  # the parsed text is no longer needed: free it before the chunk is rendered
        new_videos = self._new_videos_needed(rows, before)
        self.summary.events += len(rows)
        if self.strict_failed:
            return  # strict mode: keep validating, stop writing (the transaction will be rolled back)
        writer.stage(rows, new_videos)

    def _validate_events(self, source, writer,
                         chunk: RecordChunk) -> tuple[StagedEvents, dict[int, list[RowError]]]:
        """Reelboard records are events already: the hot path, validated column by column."""
        values = source.columns(chunk)
        if self.platform:  # --platform fills the rows that name none
            values["platform"] = [v if v else self.platform
                                  for v in values.get("platform") or [None] * len(chunk.lines)]
        batch = EventColumns(size=len(chunk.records), values=values, unreadable=chunk.unreadable)
        checked = self.context.validate_events(batch, lines=chunk.lines, before_query=writer.wait_idle,
                                               **self.options)
        return checked.staged, checked.errors

    def _validate_mapped(self, source, writer,
                         chunk: RecordChunk) -> tuple[StagedEvents, dict[int, list[RowError]]]:
        """Other formats map each record to zero, one or two events: a record is stored whole or rejected
        whole. Returns the chunk's valid events staged, and the problems of each rejected record by position.
        """
        events, owners = [], []
        errors: dict[int, list[RowError]] = {}
        for position, record in enumerate(chunk.records):
            line = chunk.lines[position]
            if position in chunk.unreadable:
                errors[position] = [RowError(line, "input", ErrorCode.INVALID, chunk.unreadable[position])]
                continue
            mapped, problems = self.mapper(source.as_dict(record))
            if problems:
                errors[position] = [RowError(line, column, code, message) for column, code, message in problems]
            events.extend(mapped)
            owners.extend([position] * len(mapped))
        checked = self.context.validate_events(
            EventColumns.from_events(events), lines=[chunk.lines[o] for o in owners],
            before_query=writer.wait_idle, **self.options)
        for index, problems in checked.errors.items():
            errors.setdefault(owners[index], []).extend(problems)
        staged = checked.staged
        if errors:
            keep = [k for k, index in enumerate(checked.positions) if owners[index] not in errors]
            if len(keep) < len(staged):
                staged = staged.take(keep)
        return staged, dict(sorted(errors.items()))

    def _new_videos_needed(self, rows: StagedEvents, before: set) -> dict[tuple[int, str], int]:
        """The videos to create first seen in this chunk, only those a valid row needs."""
        context = self.context
        needed = {(p, ext) for p, ext in zip(rows.platform_id, rows.video_ext, strict=True) if ext is not None}
        new_videos = {k: d for k, d in context.videos_to_create.items() if k not in before and k in needed}
        for key in [k for k in context.videos_to_create if k not in before and k not in needed]:
            # Referenced only by rejected rows: forget it, a later valid row may still ask for it.
            del context.videos_to_create[key]
            del context.videos[key]
        return new_videos

    def _reject(self, source, line: int, record, problems: list[RowError]) -> None:
        summary = self.summary
        summary.rejected += 1
        room = MAX_REPORTED_ERRORS - len(summary.errors)
        if room > 0:
            summary.errors.extend(problems[:room])
        if self.skip_invalid:
            self.rejects.write(line, problems, source.serialise(record))

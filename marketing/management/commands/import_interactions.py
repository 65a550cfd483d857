"""``manage.py import_interactions PATH --format {reelboard,kuairec,movielens} --brand SLUG``.

Streams a CSV/TSV or JSON Lines file (gzip allowed) into one brand's interactions. Strict by default;
see ``marketing.ingestion`` for the formats and rules.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from marketing.ingestion import import_file
from marketing.ingestion.formats import FORMATS
from marketing.ingestion.importer import CHUNK_ROWS
from marketing.ingestion.sources import SourceError
from marketing.models import Brand


class Progress:
    """Rows, rows/s and ETA: redrawn in place on a terminal, one plain line every few seconds otherwise."""

    def __init__(self, stream, *, every_seconds: float = 5.0) -> None:
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started = self.last = time.monotonic()
        self.every = 0.5 if self.tty else every_seconds

    def __call__(self, rows: int, fraction: float, final: bool) -> None:
        now = time.monotonic()
        if not final and now - self.last < self.every:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = rows / elapsed
        eta = elapsed * (1 - fraction) / fraction if 0 < fraction < 1 else 0.0
        text = f"{rows:,} rows read, {rate:,.0f} rows/s, {fraction:.0%} of file, ETA {eta:,.0f} s"
        if self.tty:
            # \x1b[K clears what a longer previous line left on the right
            self.stream.write("\r" + text + "\x1b[K" + ("\n" if final else ""))
            self.stream.flush()
        else:
            self.stream.write(("done: " if final else "progress: ") + text + "\n")


class Command(BaseCommand):
    help = "Import interactions from a CSV/TSV or JSON Lines file (gzip allowed) into one brand."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", dest="fmt", choices=sorted(FORMATS), default="reelboard")
        parser.add_argument("--brand", required=True, help="The brand's slug.")
        parser.add_argument("--platform", help="Platform code for formats without one "
                                                "(kuairec: kuaishou, movielens: douyin).")
        parser.add_argument("--create-missing", action="store_true",
                            help="Create unknown videos (pending moderation) instead of rejecting their rows.")
        parser.add_argument("--approve-created", action="store_true",
                            help="Videos created by --create-missing are approved, not pending.")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Store the valid rows and write the invalid ones to the reject file.")
        parser.add_argument("--reject-file", help="Where rejected rows go (default: PATH.rejects.csv).")
        parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS,
                            help=f"Records per chunk (memory vs speed; {CHUNK_ROWS:,}).")

    def handle(self, *args, path, fmt, brand, platform, create_missing, approve_created, skip_invalid,
               reject_file, chunk_rows, **options):
        brand_obj = Brand.objects.filter(slug=brand).first()
        if brand_obj is None:
            raise CommandError(f"No brand with slug {brand!r}.")
        verbosity = options.get("verbosity", 1)
        progress = Progress(sys.stderr) if verbosity >= 1 else None
        try:
            summary = import_file(
                path=path, brand=brand_obj, fmt=fmt, platform=platform, create_missing=create_missing,
                approve_created=approve_created, skip_invalid=skip_invalid, reject_file=reject_file,
                progress=progress, chunk_rows=chunk_rows,
            )
        except (SourceError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        for error in summary.errors:
            self.stderr.write(f"line {error.line}, column {error.field}: {error.message} [{error.code.value}]")
        rate = summary.read / summary.seconds if summary.seconds else 0.0
        self.stdout.write(
            f"read {summary.read}, inserted {summary.inserted}, duplicates {summary.duplicates}, "
            f"rejected {summary.rejected}, videos created {summary.videos_created} "
            f"in {summary.seconds:.1f} s ({rate:,.0f} rows/s)"
        )
        if summary.reject_file:
            self.stdout.write(f"rejected rows written to {summary.reject_file}")
        if not summary.committed:
            raise CommandError(
                f"{summary.rejected} invalid row(s): nothing was imported (fix them, or use --skip-invalid)."
            )

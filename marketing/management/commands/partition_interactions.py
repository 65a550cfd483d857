"""``manage.py partition_interactions [--batch-rows N] [--max-batches N] [--no-swap] [--drop-old] [--no-verify]``.

Converts an existing plain ``marketing_interaction`` table on PostgreSQL into the partitioned one (monthly
partitions by ``occurred_at``, see ``marketing.partitioning``) without a long lock:

1. creates ``marketing_interaction_partitioned`` with partitions for every month the data spans (and the
   months ahead) plus a default partition, and triggers that copy every later insert, delete and update;
2. copies the rows by id in batches of ``--batch-rows``, one transaction each, with their event keys
   (``InteractionEventKey``); progress is stored with each batch, so a killed run is resumed by running
   the command again;
3. swaps: under an exclusive lock, copies the last rows, checks the row counts (``--no-verify`` skips
   the two counts), renames the old table ``marketing_interaction_unpartitioned`` (dropped with
   ``--drop-old``) and the new one into place.

Ingest and reads keep working during steps 1-2; step 3 blocks them for the time of the last batch (and
the counts). ``--max-batches`` stops after that many batches (spread a conversion over quiet hours);
``--no-swap`` copies without swapping.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from marketing import partitioning


class Command(BaseCommand):
    help = "Convert the interactions table to monthly partitions (PostgreSQL), in resumable batches."

    def add_arguments(self, parser):
        parser.add_argument("--batch-rows", type=int, default=50_000, help="Rows per copy transaction.")
        parser.add_argument("--max-batches", type=int, default=0, help="Stop after this many batches (0: all).")
        parser.add_argument("--no-swap", action="store_true", help="Copy only; swap on a later run.")
        parser.add_argument("--drop-old", action="store_true", help="Drop the old table after the swap.")
        parser.add_argument("--no-verify", action="store_true", help="Skip the row counts before the swap.")

    def handle(self, *args, batch_rows, max_batches, no_swap, drop_old, no_verify, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Partitioning is for PostgreSQL; SQLite keeps one interactions table.")
        if batch_rows < 1:
            raise CommandError("--batch-rows must be at least 1.")
        if partitioning.is_partitioned():
            self.stdout.write("marketing_interaction is already partitioned: nothing to do.")
            return
        if partitioning.prepare_conversion():
            self.stdout.write("created marketing_interaction_partitioned and its partitions")
        else:
            self.stdout.write("resuming the conversion")
        batches = copied = 0
        while not max_batches or batches < max_batches:
            rows = partitioning.copy_batch(batch_rows=batch_rows)
            if not rows:
                break
            batches, copied = batches + 1, copied + rows
            if batches % 20 == 0:
                progress = partitioning.conversion_progress()
                self.stdout.write(f"copied up to id {progress.last_id} (~{progress.source_rows} rows in all)")
        self.stdout.write(f"{copied} rows copied in {batches} batches")
        if no_swap or (max_batches and batches >= max_batches):
            self.stdout.write("not swapped yet: run the command again to continue")
            return
        partitioning.swap_tables(drop_old=drop_old, verify=not no_verify)
        self.stdout.write("swapped: marketing_interaction is partitioned"
                          + ("" if drop_old else "; the old table is marketing_interaction_unpartitioned"))

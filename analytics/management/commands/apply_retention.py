"""Remove raw interactions past each brand's retention, in this process (the nightly task does the same)."""

from django.core.management.base import BaseCommand, CommandError

from analytics import retention
from marketing.models import Brand


class Command(BaseCommand):
    help = ("Remove raw interactions older than each brand's raw_event_retention_days in bounded batches "
            "(KPIs unchanged), and per-viewer rollups of those days for brands that purge them. With "
            "--dry-run, print what would go per brand and change nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--brand", dest="slug", help="Brand slug; default: every brand with a retention period.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be removed; remove nothing.")
        parser.add_argument("--batch-size", type=int, default=None,
                            help="Rows per transaction (default: the RETENTION_BATCH_SIZE setting).")

    def handle(self, slug, dry_run, batch_size, **options):
        if slug is not None and not Brand.objects.filter(slug=slug).exists():
            raise CommandError(f"No brand with slug {slug!r}.")
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        runs = retention.apply_retention(slug=slug, dry_run=dry_run, batch_size=batch_size)
        verb = "would remove" if dry_run else "removed"
        for run in runs:
            if run.days is None:
                self.stdout.write(f"{run.slug}: no retention period, nothing to remove")
                continue
            line = (f"{run.slug}: {run.days} days (raw events before {run.horizon.isoformat()}): "
                    f"{verb} {run.interactions} raw interactions")
            if run.purge_viewer_data:
                line += (f", {run.viewer_rollups} per-viewer rollup rows, {run.day_sets} daily viewer sets, "
                         f"{run.video_sets} per-video viewer sets")
            if run.partitions:
                line += f"; partitions dropped: {', '.join(run.partitions)}"
            self.stdout.write(line)
        if not runs:
            self.stdout.write("No brand has a retention period.")

"""Rebuild the KPI rollups from the raw interactions, in this process (e.g. right after a migration)."""

import time

from django.core.management.base import BaseCommand, CommandError

from analytics import rollups
from marketing.models import Brand


class Command(BaseCommand):
    help = ("Rebuild DailyRollup and DailyViewerRollup from the interactions for one brand or all brands. "
            "Idempotent; the nightly analytics.recompute_all_rollups task does the same through Celery.")

    def add_arguments(self, parser):
        parser.add_argument("--brand", type=int, action="append", dest="brand_ids",
                            help="Brand id (repeatable); default: every brand.")

    def handle(self, brand_ids, **options):
        ids = brand_ids or list(Brand.objects.order_by("pk").values_list("pk", flat=True))
        missing = set(ids) - set(Brand.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing:
            raise CommandError(f"No brand {sorted(missing)}.")
        for brand_id in ids:
            started = time.perf_counter()
            rows = rollups.recompute_brand(brand_id=brand_id)
            self.stdout.write(f"brand {brand_id}: {rows} daily rollup rows in {time.perf_counter() - started:.1f} s")

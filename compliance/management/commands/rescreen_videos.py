"""manage.py rescreen_videos [--brand SLUG] [--enqueue]: screen every video whose stored rule-set version
is not the current one (run after deploying new rule-set files; saving a brand rule does it by itself)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from compliance.tasks import rescreen_stale_videos
from marketing.models import Brand


class Command(BaseCommand):
    help = "Re-screen videos screened under an older rule-set version."

    def add_arguments(self, parser):
        parser.add_argument("--brand", help="Only this brand (slug).")
        parser.add_argument("--enqueue", action="store_true", help="Send the task to the workers instead.")

    def handle(self, *args, **options):
        brand_id = None
        if options["brand"]:
            brand_id = Brand.objects.filter(slug=options["brand"]).values_list("pk", flat=True).first()
            if brand_id is None:
                raise CommandError(f"No brand {options['brand']!r}.")
        if options["enqueue"]:
            rescreen_stale_videos.delay(brand_id)
            self.stdout.write("re-screen enqueued")
            return
        result = rescreen_stale_videos.apply(args=(brand_id,)).get()
        self.stdout.write(f"{result['videos']} videos screened, {result['flags']} flags, "
                          f"{len(result['sent_back'])} approved videos sent back to review")

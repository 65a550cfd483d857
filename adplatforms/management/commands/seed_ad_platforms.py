"""Give every demo brand an ad account per ad platform with 60 days of report rows, and raise today's pacing
alerts (idempotent: accounts that exist are kept). Run by ``make demo`` after ``seed_demo``.

    manage.py seed_ad_platforms
"""

from django.core.management.base import BaseCommand

from adplatforms import demo
from analytics import pacing_alerts
from analytics.models import AlertEndpoint, ReportLanguage
from analytics.tasks import send_pacing_alert
from marketing.demo import DEMO_SLUGS
from marketing.models import Brand

DEMO_ALERT_RECIPIENT = "marketing@example.com"


class Command(BaseCommand):
    help = "Seed the demo brands' ad accounts (TikTok, Ocean Engine, Kuaishou) and raise today's pacing alerts."

    def handle(self, *args, **options):
        brands = {b.slug: b for b in Brand.objects.filter(slug__in=DEMO_SLUGS)}
        for slug in DEMO_SLUGS:
            if slug not in brands:
                continue
            brand = brands[slug]
            seeded = demo.seed_brand(brand=brand)
            AlertEndpoint.objects.get_or_create(brand=brand, defaults={
                "recipients": DEMO_ALERT_RECIPIENT, "language": ReportLanguage.SIMPLIFIED_CHINESE})
            self.stdout.write(f"{brand.name}: {seeded.accounts} ad accounts added, {seeded.stat_rows} report rows, "
                              f"{seeded.spend_rows} days of platform spend")
        created = pacing_alerts.evaluate()
        for alert_id in created:
            send_pacing_alert.delay(alert_id)
        self.stdout.write(f"{len(created)} pacing alerts raised today")

"""Generate and send one scheduled KPI report by hand."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics import reports
from analytics.models import KpiReportSchedule
from analytics.selectors import Period


class Command(BaseCommand):
    help = "Generate and send the KPI report of a schedule for a period (default: its last complete period)."

    def add_arguments(self, parser):
        parser.add_argument("schedule_id", type=int)
        parser.add_argument("--period", default="last",
                            help="'last' (the schedule's last complete period) or FROM..TO (ISO dates).")
        parser.add_argument("--resend", action="store_true", help="Send again even if it was delivered.")

    def handle(self, schedule_id, period, resend, **options):
        schedule = KpiReportSchedule.objects.select_related("brand").filter(pk=schedule_id).first()
        if schedule is None:
            raise CommandError(f"No report schedule {schedule_id}.")
        if period == "last":
            from zoneinfo import ZoneInfo

            today = timezone.now().astimezone(ZoneInfo(schedule.brand.reporting_timezone)).date()
            chosen = reports.last_complete_period(schedule.period, today)
        else:
            try:
                first, _, last = period.partition("..")
                chosen = Period(date.fromisoformat(first), date.fromisoformat(last or first))
            except ValueError as exc:
                raise CommandError(f"--period: expected 'last' or FROM..TO ISO dates ({exc}).") from None
        report = reports.generate_report(schedule_id=schedule.pk, period=chosen)
        if resend:
            type(report).objects.filter(pk=report.pk).update(email_sent_at=None, webhook_sent_at=None)
        report = reports.deliver(report_id=report.pk)
        self.stdout.write(f"report {report.pk} for {chosen.date_from}..{chosen.date_to}: {report.status}")

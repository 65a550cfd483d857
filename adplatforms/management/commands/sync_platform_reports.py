"""Backfill an ad account's platform reports for a day range, as a ``Job``, with a progress bar.

    manage.py sync_platform_reports --account 3 --from 2026-11-01 --to 2026-11-30
"""

from __future__ import annotations

import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from adplatforms import tasks
from adplatforms.models import AdAccount
from adplatforms.services import days_between
from marketing.jobs.services import job_create


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


class Bar:
    """``[#####-----] 3/7 days 2026-11-03``, redrawn in place on a terminal, one line per day otherwise."""

    def __init__(self, stream, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, done: int, total: int, day: date) -> None:
        filled = round(self.width * done / total)
        text = f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{total} days {day.isoformat()}"
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K" + ("\n" if done == total else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Sync an ad account's platform reports for a day range (the account's time zone) as a job."

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, required=True, help="AdAccount id.")
        parser.add_argument("--from", dest="date_from", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", required=True, help="Last day, YYYY-MM-DD (inclusive).")
        parser.add_argument("--no-retry", action="store_true", help="Do not queue failed days again.")

    def handle(self, *args, account, date_from, date_to, no_retry, verbosity, **options):
        start, end = _day(date_from), _day(date_to)
        if end < start:
            raise CommandError("--to is before --from.")
        try:
            ad_account = AdAccount.objects.get(pk=account)
        except AdAccount.DoesNotExist:
            raise CommandError(f"No ad account {account}.") from None
        days = days_between(start, end)
        with transaction.atomic():
            job = job_create(brand_id=ad_account.brand_id, kind=tasks.SYNC_JOB_KIND,
                             params={"ad_account_id": ad_account.pk, "date_from": start.isoformat(),
                                     "date_to": end.isoformat(), "days": [d.isoformat() for d in days],
                                     "attempt": tasks.MAX_ATTEMPT if no_retry else 0})
        bar = Bar(sys.stderr) if verbosity >= 1 else None
        outcome = tasks.run_sync_job(job_id=job.pk, on_day=bar)
        if "error" in outcome:
            raise CommandError(outcome["error"])
        self.stdout.write(f"job {job.pk}: {len(outcome['days_synced'])} days synced, {outcome['rows_written']} rows, "
                          f"{outcome['spend_rows']} campaign spend rows, {len(outcome['failed_days'])} days failed"
                          + (f" ({', '.join(outcome['failed_days'])}; retry job {outcome.get('retry_job_id')})"
                             if outcome["failed_days"] else ""))

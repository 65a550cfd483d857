"""Import an ad platform's report export (CSV or XLSX) into an ad account, strict by default.

    manage.py import_platform_report tiktok-export.xlsx --account 3
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from adplatforms.importer import ImportRejected, import_report
from adplatforms.models import AdAccount


class Command(BaseCommand):
    help = ("Import a TikTok Ads Manager, Ocean Engine or Kuaishou report export (CSV/XLSX, English or Chinese "
            "headers) into an ad account. Strict: any invalid line rejects the file, with line numbers.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--account", type=int, required=True, help="AdAccount id (its platform reads the headers).")
        parser.add_argument("--skip-invalid", action="store_true", help="Write the valid lines, report the others.")

    def handle(self, *args, path, account, skip_invalid, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = import_report(account_id=account, path=file, skip_invalid=skip_invalid)
        except AdAccount.DoesNotExist:
            raise CommandError(f"No ad account {account}.") from None
        except ImportRejected as exc:
            raise CommandError(f"Nothing imported; {len(exc.errors)} problem(s):\n{exc}") from None
        for error in result.errors[:50]:
            self.stderr.write(f"skipped {error}")
        self.stdout.write(f"{result.rows_written} {result.level} rows written for {len(result.days)} day(s), "
                          f"{result.spend_rows} campaign spend rows, {result.rows_skipped} line(s) skipped")

"""``manage.py erase_viewer (--viewer-id ID | --brand SLUG --platform CODE --platform-user-id RAW) [--export PATH]``.

Erases a viewer (interactions, persona assignments, per-viewer rollups; KPIs recomputed) as the
operator of the installation; the audit log records it with source ``command``. A data-subject
request usually names the platform user id: it is pseudonymised here and never stored or printed.
``--export`` first writes everything stored about the viewer to a JSON file.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from marketing.auth import Principal
from marketing.models import AuditSource
from marketing.services import privacy
from marketing.services.errors import ServiceValidationError

OPERATOR = Principal(is_global=True)


class Command(BaseCommand):
    help = "Erase a viewer and everything derived from them (optionally exporting it first)."

    def add_arguments(self, parser):
        parser.add_argument("--viewer-id", type=int)
        parser.add_argument("--brand", help="The brand's slug (with --platform and --platform-user-id).")
        parser.add_argument("--platform", help="Platform code, e.g. douyin.")
        parser.add_argument("--platform-user-id", help="The platform's user id (never stored or printed).")
        parser.add_argument("--export", metavar="PATH", help="Write the viewer's data to this JSON file first.")

    def handle(self, *args, viewer_id=None, brand=None, platform=None, platform_user_id=None, export=None,
               **options):
        named = (brand, platform, platform_user_id)
        if (viewer_id is not None and any(named)) or (viewer_id is None and not all(named)):
            raise CommandError("Give either --viewer-id or all of --brand, --platform and --platform-user-id.")
        try:
            if viewer_id is None:
                viewer_id = privacy.viewer_id_for_platform_user(principal=OPERATOR, brand_slug=brand,
                                                                platform_code=platform, raw_id=platform_user_id)
            if export:
                data = privacy.viewer_export(principal=OPERATOR, viewer_id=viewer_id, source=AuditSource.COMMAND)
                with open(export, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, indent=2, ensure_ascii=False)
            receipt = privacy.viewer_erase(principal=OPERATOR, viewer_id=viewer_id, source=AuditSource.COMMAND)
        except ServiceValidationError as exc:
            raise CommandError("; ".join(f"{e.field}: {e.message}" for e in exc.errors)) from None
        self.stdout.write(f"Erased viewer {receipt.viewer_id}: {receipt.interactions} interactions, "
                          f"{receipt.persona_assignments} persona assignments; KPI rollups are being refreshed.")

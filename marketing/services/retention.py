"""A brand's raw-event retention: the setting, and the horizon every import is checked against.

The work itself (removing raw interactions, purging per-viewer data) is ``analytics.retention``; this
module is what the API, the admin and the importers call. Days are the brand's reporting days: with
``raw_event_retention_days = N`` the horizon is the start of the brand day ``today - N``; interactions
that occurred before it are removed every night, and an import of such events is refused.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketing.auth import Principal
from marketing.models import RETENTION_MAX_DAYS, RETENTION_MIN_DAYS, AuditSource, Brand, Role
from marketing.services.access import get_for_role
from marketing.services.audit import audit_record
from marketing.services.errors import ErrorCode, ServiceValidationError, full_clean_or_raise


def horizon_day(brand: Brand, *, now: datetime | None = None) -> date | None:
    """The first brand day whose raw interactions are kept (None: retention off, everything is kept).

    The later of the policy's day (today minus the retention days) and the day before which the last
    retention run already removed raw events (a shortened-then-lengthened period does not bring them back).
    """
    removed = brand.raw_events_removed_before
    if brand.raw_event_retention_days is None:
        return removed
    today = (now or timezone.now()).astimezone(ZoneInfo(brand.reporting_timezone)).date()
    policy = today - timedelta(days=brand.raw_event_retention_days)
    return max(policy, removed) if removed else policy


def horizon_start(brand: Brand, *, now: datetime | None = None) -> datetime | None:
    """The instant an event must not be older than to be stored (start of ``horizon_day`` in the brand zone)."""
    day = horizon_day(brand, now=now)
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(brand.reporting_timezone))


def brand_set_retention(*, principal: Principal, brand_id, raw_event_retention_days: int | None,
                        purge_viewer_data: bool, source: str = AuditSource.API) -> Brand:
    """Set a brand's retention (brand admins only): ``raw_event_retention_days`` in
    ``RETENTION_MIN_DAYS..RETENTION_MAX_DAYS`` or None (off), and whether per-viewer data goes too.

    Takes effect at the next retention run (nightly, or ``manage.py apply_retention``); imports are
    checked against the new horizon at once. Recorded in the audit log.
    """
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand_id", min_role=Role.ADMIN)
    days = raw_event_retention_days
    if days is not None and not (RETENTION_MIN_DAYS <= days <= RETENTION_MAX_DAYS):
        raise ServiceValidationError.single(
            "raw_event_retention_days", ErrorCode.OUT_OF_RANGE,
            _("Retention is %(min)d to %(max)d days, or empty to keep raw events.")
            % {"min": RETENTION_MIN_DAYS, "max": RETENTION_MAX_DAYS})
    if purge_viewer_data and days is None:
        raise ServiceValidationError.single(
            "purge_viewer_data", ErrorCode.INVALID,
            _("Purging per-viewer data needs a retention period: set the raw event retention too."))
    before = {"raw_event_retention_days": brand.raw_event_retention_days,
              "purge_viewer_data": brand.purge_viewer_data}
    brand.raw_event_retention_days, brand.purge_viewer_data = days, bool(purge_viewer_data)
    full_clean_or_raise(brand)
    with transaction.atomic():
        brand.save(update_fields=["raw_event_retention_days", "purge_viewer_data", "updated_at"])
        audit_record(principal=principal, source=source, action="setBrandRetention", brand_id=brand.pk,
                     object_type="brand", object_id=brand.pk,
                     details={"before": before, "after": {"raw_event_retention_days": days,
                                                          "purge_viewer_data": brand.purge_viewer_data}})
    return brand

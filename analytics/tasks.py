"""Celery tasks keeping the KPI rollups current. Small, idempotent, taking ids."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils.dateparse import parse_datetime

from analytics import rollups
from marketing.models import Brand

logger = logging.getLogger(__name__)


@shared_task(name="analytics.refresh_rollups", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def refresh_rollups(brand_id: int, start: str, end: str) -> int:
    """Rebuild the days touched by newly ingested interactions (occurred_at between start and end)."""
    return rollups.refresh_window(brand_id=brand_id, start=parse_datetime(start), end=parse_datetime(end))


@shared_task(name="analytics.apply_pending_rollups", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def apply_pending_rollups(brand_id: int) -> int:
    """Add the brand's newly ingested interactions to the rollups (enqueued after each ingest commit),
    then queue the rebuild of the reach blocks the delta made stale."""
    added = rollups.apply_pending(brand_id=brand_id)
    if added:
        rebuild_reach_blocks.delay(brand_id)
    return added


@shared_task(name="analytics.rebuild_reach_blocks", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def rebuild_reach_blocks(brand_id: int) -> int:
    """Union the brand's stale per-video reach blocks again (reads are exact meanwhile, only slower)."""
    return rollups.rebuild_stale_blocks(brand_id=brand_id)


@shared_task(name="analytics.apply_all_pending_rollups", acks_late=True)
def apply_all_pending_rollups() -> int:
    """Beat safety net (every minute): queue the delta for every brand with pending interactions, which
    catches up ingests whose own enqueue failed (broker down) as soon as the broker is back, and the
    block rebuild for every brand with stale reach blocks and nothing pending."""
    from analytics.models import PendingRollup, StaleReachBlock

    brand_ids = sorted(set(PendingRollup.objects.values_list("brand_id", flat=True)))
    for brand_id in brand_ids:
        apply_pending_rollups.delay(brand_id)
    for brand_id in sorted(set(StaleReachBlock.objects.values_list("brand_id", flat=True)) - set(brand_ids)):
        rebuild_reach_blocks.delay(brand_id)
    return len(brand_ids)


@shared_task(name="analytics.recompute_brand_rollups", acks_late=True, reject_on_worker_lost=True)
def recompute_brand_rollups(brand_id: int) -> int:
    return rollups.recompute_brand(brand_id=brand_id)


@shared_task(name="analytics.recompute_all_rollups", acks_late=True)
def recompute_all_rollups() -> int:
    """Nightly safety net: queue a full rebuild per brand (catches anything an enqueue missed)."""
    brand_ids = list(Brand.objects.values_list("pk", flat=True))
    for brand_id in brand_ids:
        recompute_brand_rollups.delay(brand_id)
    return len(brand_ids)


@shared_task(name="analytics.run_due_reports", acks_late=True)
def run_due_reports() -> list[int]:
    """Beat entry point (every 5 minutes): generate the reports that are due and queue their delivery."""
    from django.utils import timezone

    from analytics import reports
    from analytics.models import KpiReportSchedule

    queued = []
    for schedule in KpiReportSchedule.objects.filter(is_active=True).select_related("brand"):
        period = reports.due_period(schedule, timezone.now())
        if period is None:
            continue
        try:
            report = reports.generate_report(schedule_id=schedule.pk, period=period)
        except Exception:  # one broken schedule must not hold up the others; the next tick tries again
            logger.exception("report schedule %s: generating %s..%s failed", schedule.pk, period.date_from,
                             period.date_to)
            continue
        send_report.delay(report.pk)
        queued.append(report.pk)
    return queued


@shared_task(name="analytics.send_report", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=3600, max_retries=8)
def send_report(report_id: int) -> str:
    """Deliver one stored report; channels already delivered are skipped, so retries never resend."""
    from analytics import reports

    return reports.deliver(report_id=report_id).status


@shared_task(name="analytics.apply_brand_retention", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def apply_brand_retention(brand_id: int) -> int:
    """Remove one brand's raw interactions past its retention (batched; safe to run twice). Returns rows removed."""
    from analytics import retention

    return retention.apply_brand_retention(brand_id=brand_id).interactions


@shared_task(name="analytics.apply_all_retention", acks_late=True)
def apply_all_retention() -> int:
    """Nightly (beat): drop whole partitions every brand's horizon covers (when configured), then queue
    each brand with a retention period. Returns the number of brands queued."""
    from analytics import retention

    retention.drop_partitions()
    brand_ids = list(Brand.objects.filter(raw_event_retention_days__isnull=False).values_list("pk", flat=True))
    for brand_id in brand_ids:
        apply_brand_retention.delay(brand_id)
    return len(brand_ids)
@shared_task(name="analytics.evaluate_pacing", acks_late=True)
def evaluate_pacing() -> list[int]:
    """Beat entry point (every 15 minutes): raise today's pacing alerts and queue their delivery."""
    from analytics import pacing_alerts

    created = pacing_alerts.evaluate()
    for alert_id in created:
        send_pacing_alert.delay(alert_id)
    return created


@shared_task(name="analytics.send_pacing_alert", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=3600, max_retries=8)
def send_pacing_alert(alert_id: int) -> int:
    """Deliver one pacing alert; channels already delivered are skipped, so retries never resend."""
    from analytics import pacing_alerts

    return pacing_alerts.deliver(alert_id=alert_id).pk

"""Ad-platform sync tasks: small, take ids, delegate to ``adplatforms.services``, safe to run twice.

Beat (migration 0002_sync_schedule): every hour today and yesterday, every night the last 7 days.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from adplatforms import services
from adplatforms.models import AdAccount, AdAccountStatus
from marketing.jobs import services as jobs
from marketing.jobs.failures import Failure, FailureCode, failure_of

logger = logging.getLogger(__name__)

SYNC_JOB_KIND = "adplatforms.sync"
MAX_ATTEMPT = 1_000_000  # an attempt number that never retries (manage.py sync_platform_reports --no-retry)


def enqueue_sync(*, account: AdAccount, days: list[date], attempt: int = 0, countdown: int = 0, created_by=None):
    """A ``Job`` syncing ``days`` of ``account``, sent to the worker after commit."""
    days = sorted(days)
    job = jobs.job_create(brand_id=account.brand_id, kind=SYNC_JOB_KIND, created_by=created_by,
                          params={"ad_account_id": account.pk, "date_from": days[0].isoformat(),
                                  "date_to": days[-1].isoformat(), "days": [d.isoformat() for d in days],
                                  "attempt": attempt})
    transaction.on_commit(lambda: sync_ad_account.apply_async(kwargs={"job_id": job.pk}, countdown=countdown or None))
    return job


@shared_task(name="adplatforms.sync_ad_account", acks_late=True, reject_on_worker_lost=True)
def sync_ad_account(job_id: int) -> dict:
    """Run one sync job. Days that failed are queued again (after AD_SYNC_RETRY_DELAY_SECONDS, at most
    AD_SYNC_DAY_RETRIES times) while the days that succeeded stay written. A finished job is a no-op."""
    return run_sync_job(job_id=job_id)


def run_sync_job(*, job_id: int, on_day=None) -> dict:
    """The body of ``sync_ad_account``, also run in-process by ``manage.py sync_platform_reports``."""
    job = jobs.job_start(job_id=job_id)
    if job.is_finished:
        return job.result or {}
    params = job.params
    days = [date.fromisoformat(d) for d in params.get("days") or []]
    date_from, date_to = date.fromisoformat(params["date_from"]), date.fromisoformat(params["date_to"])

    def progress(done: int, total: int, day: date) -> None:
        jobs.job_progress(job_id=job_id, progress=done / total, message=f"{done}/{total} days ({day.isoformat()})")
        if on_day is not None:
            on_day(done, total, day)

    try:
        result = services.sync_account(account_id=params["ad_account_id"], date_from=date_from, date_to=date_to,
                                       days=days or None, progress=progress)
    except services.SyncRefused as exc:
        jobs.job_fail(job_id=job_id, failure=Failure(FailureCode.INVALID_INPUT, str(exc), str(exc)))
        return {"error": str(exc)}
    except AdAccount.DoesNotExist:
        jobs.job_fail(job_id=job_id, failure=Failure(FailureCode.INVALID_INPUT, "The ad account no longer exists.",
                                                     "AdAccount.DoesNotExist"))
        return {"error": "no such ad account"}
    except Exception as exc:
        logger.exception("ad account sync job %s failed", job_id)
        jobs.job_fail(job_id=job_id, failure=failure_of(exc))
        raise
    outcome = result.as_dict()
    attempt = int(params.get("attempt", 0))
    if result.failed_days and attempt < settings.AD_SYNC_DAY_RETRIES:
        account = AdAccount.objects.get(pk=params["ad_account_id"])
        retry = enqueue_sync(account=account, days=[date.fromisoformat(d) for d in result.failed_days],
                             attempt=attempt + 1, countdown=settings.AD_SYNC_RETRY_DELAY_SECONDS)
        outcome["retry_job_id"] = retry.pk
    if result.failed_days and not result.days_synced:
        detail = "; ".join(result.errors)
        jobs.job_fail(job_id=job_id, failure=Failure(FailureCode.DELIVERY_FAILED,
                                                     gettext("No day could be synced (%(failed)d failed).")
                                                     % {"failed": len(result.failed_days)}, detail))
        from marketing.jobs.models import Job

        Job.objects.filter(pk=job_id).update(result=outcome)
    else:
        jobs.job_succeed(job_id=job_id, result=outcome)
    return outcome


@shared_task(name="adplatforms.sync_recent", acks_late=True)
def sync_recent(days: int = 2) -> list[int]:
    """Beat entry point: one sync job per active account over its last ``days`` days (its own zone).

    Accounts without credentials (the demo's, or ones whose token was removed) are skipped: a sync of
    them could only fail, every hour; ``syncAdAccount`` on such an account still answers why."""
    job_ids = []
    for account in AdAccount.objects.filter(status=AdAccountStatus.ACTIVE).select_related("brand"):
        if not account.has_credentials:
            continue
        today = services.account_today(account)
        with transaction.atomic():
            job = enqueue_sync(account=account, days=[today - timedelta(days=i) for i in range(days)])
        job_ids.append(job.pk)
    return job_ids

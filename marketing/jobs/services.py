"""Job bookkeeping used by Celery tasks: start, report progress, finish. Safe to call twice."""

from __future__ import annotations

from celery import current_app
from django.db import transaction
from django.utils import timezone

from marketing.jobs.failures import Failure
from marketing.jobs.models import Job, JobStatus


def job_create(*, brand_id: int, kind: str, params: dict | None = None, created_by=None) -> Job:
    return Job.objects.create(brand_id=brand_id, kind=kind, params=params or {}, created_by=created_by)


def job_enqueue(*, job: Job, task: str, **task_kwargs) -> Job:
    """Send the job's task (its registered name, e.g. ``"recommendations.train"``: a service never imports
    its own tasks module, which builds on it) after the surrounding transaction commits (the worker must see
    the row)."""

    def send():
        result = current_app.signature(task).apply_async(kwargs={"job_id": job.pk, **task_kwargs})
        Job.objects.filter(pk=job.pk, task_id="").update(task_id=result.id or "")

    transaction.on_commit(send)
    return job


def job_start(*, job_id: int) -> Job:
    Job.objects.filter(pk=job_id).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), error=""
    )
    return Job.objects.get(pk=job_id)


def job_progress(*, job_id: int, progress: float, message: str = "") -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        progress=min(max(progress, 0.0), 1.0), message=message[:300]
    )


def job_succeed(*, job_id: int, result: dict | None = None) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED, progress=1.0, result=result, finished_at=timezone.now(), message="done"
    )


def job_fail(*, job_id: int, failure: Failure) -> None:
    """Mark the job failed: the detail for operators in ``error``, the short classified message in ``message``."""
    Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=failure.detail[:5000],
                                         message=failure.message[:300], finished_at=timezone.now())

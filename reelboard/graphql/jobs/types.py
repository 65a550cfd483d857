"""The GraphQL type of a pollable background job (training, a sync), answered by the mutations that start one."""

from __future__ import annotations

import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from marketing.jobs import models
from marketing.jobs.models import Job
from reelboard.graphql.core.enums import choices_enum

JobStatus = choices_enum(
    models.JobStatus, name="JobStatus", description="Where a background job stands.",
    values={"QUEUED": "Waiting for a worker.", "RUNNING": "Being worked on (see progress and message).",
            "SUCCEEDED": "Done; result holds what it produced.", "FAILED": "Failed; error says why, in short."})


@strawberry.type(name="Job", description="A background job (training, a sync) of one of your brands: poll it for its "
                                        "status, progress and result.")
class JobType:
    id: relay.GlobalID
    kind: str
    status: JobStatus  # type: ignore[valid-type]
    progress: float
    message: str
    error: str = strawberry.field(description="Why a failed job failed, in short (operators have the detail).")
    result: JSON | None
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


def job_from(job: Job) -> JobType:
    job.refresh_from_db()
    return JobType(id=relay.GlobalID("Job", str(job.pk)), kind=job.kind, status=JobStatus(job.status),
                   progress=job.progress, message=job.message,
                   error=job.message if job.status == JobStatus.FAILED.value else "", result=job.result,
                   created_at=job.created_at, finished_at=job.finished_at)

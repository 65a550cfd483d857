"""GraphQL for pollable background jobs: ``job(id) { status progress message error result }``."""

from __future__ import annotations

import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from marketing.jobs import models
from marketing.jobs.models import Job
from reelboard.graphql.core import ids
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.marketing.enums import choices_enum

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


@strawberry.type
class Query:
    @strawberry.field(extensions=authenticated(), description="A background job of your brands, to poll.")
    def job(self, info: Info, id: strawberry.ID) -> JobType:
        return job_from(ids.visible(Job.objects, id, expected="Job", field="id", principal=principal_of(info)))

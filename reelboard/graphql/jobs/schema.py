"""``job(id) { status progress message error result }``: poll a background job."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from marketing.jobs.models import Job
from reelboard.graphql.core import ids
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.jobs.types import JobType, job_from


@strawberry.type
class Query:
    @strawberry.field(extensions=authenticated(), description="A background job of your brands, to poll.")
    def job(self, info: Info, id: strawberry.ID) -> JobType:
        return job_from(ids.visible(Job.objects, id, expected="Job", field="id", principal=principal_of(info)))

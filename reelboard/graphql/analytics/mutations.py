"""resendReport: deliver a stored KPI report again (editors)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from analytics import reports
from analytics.models import KpiReport
from marketing.models import Role
from marketing.services.access import get_for_role
from reelboard.graphql.analytics.types import KpiReportType
from reelboard.graphql.core.errors import UserError, decode_id, run_service
from reelboard.graphql.core.permissions import authenticated, principal_of


@strawberry.type
class ResendReportPayload:
    report: KpiReportType | None = None
    errors: list[UserError]


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=authenticated(), description="Deliver a stored report again (editors).")
    def resend_report(self, info: Info, id: strawberry.ID) -> ResendReportPayload:
        def call():
            report = get_for_role(KpiReport.objects.select_related("schedule"), principal=principal_of(info),
                                  pk=decode_id(id, expected="KpiReport", field="id"), field="id",
                                  min_role=Role.EDITOR)
            reports.resend(report_id=report.pk)
            report.refresh_from_db()
            return ResendReportPayload(report=report, errors=[])

        return run_service(ResendReportPayload, None, call)

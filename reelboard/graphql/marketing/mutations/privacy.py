"""eraseViewer and exportViewerData: viewers' privacy rights (brand admins; both audited)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from marketing.services import privacy
from reelboard.graphql.core.errors import UserError, decode_id, run_service
from reelboard.graphql.core.permissions import authenticated, principal_of


@strawberry.input
class ViewerInput:
    viewer_id: strawberry.ID


@strawberry.type
class EraseViewerPayload:
    erased_interactions: int | None = None
    erased_persona_assignments: int | None = None
    errors: list[UserError]


@strawberry.type
class ExportViewerDataPayload:
    data: JSON | None = strawberry.field(default=None, description="The viewer, their interactions and personas.")
    errors: list[UserError]


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(extensions=authenticated(), description=(
        "Erase a viewer and everything derived from them; KPIs are recomputed (brand admins)."))
    def erase_viewer(self, info: Info, input: ViewerInput) -> EraseViewerPayload:
        def call():
            receipt = privacy.viewer_erase(principal=principal_of(info), viewer_id=decode_id(
                input.viewer_id, expected="Viewer", field="viewerId"))
            return EraseViewerPayload(erased_interactions=receipt.interactions,
                                      erased_persona_assignments=receipt.persona_assignments, errors=[])

        return run_service(EraseViewerPayload, None, call, aliases={"viewer": "viewerId"})

    @strawberry.mutation(extensions=authenticated(), description="Everything stored about a viewer (brand admins).")
    def export_viewer_data(self, info: Info, input: ViewerInput) -> ExportViewerDataPayload:
        return run_service(ExportViewerDataPayload, "data", lambda: privacy.viewer_export(
            principal=principal_of(info), viewer_id=decode_id(input.viewer_id, expected="Viewer", field="viewerId"),
        ), aliases={"viewer": "viewerId"})

"""setBrandRetention: a brand's raw-event retention (brand admins; docs/operator/retention.md)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from marketing.models import RETENTION_MAX_DAYS, RETENTION_MIN_DAYS
from marketing.services import retention
from reelboard.graphql.core.errors import UserError, decode_id, run_service
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.marketing.types import BrandType


@strawberry.input
class SetBrandRetentionInput:
    brand_id: strawberry.ID
    raw_event_retention_days: int | None = strawberry.field(
        default=None, description=f"Keep raw interactions this many brand days ({RETENTION_MIN_DAYS}.."
                                  f"{RETENTION_MAX_DAYS}); null keeps them for ever.")
    purge_viewer_data: bool = strawberry.field(
        default=False, description="Also remove the per-viewer rollups and viewer sets of those days (daily "
                                   "reach is kept as a number). Needs a retention period.")


@strawberry.type
class SetBrandRetentionPayload:
    brand: BrandType | None = None
    errors: list[UserError]


@strawberry.type
class RetentionMutation:
    @strawberry.mutation(extensions=authenticated(),
                         description="Set a brand's raw-event retention (brand admins). Applied by the nightly run.")
    def set_brand_retention(self, info: Info, input: SetBrandRetentionInput) -> SetBrandRetentionPayload:
        return run_service(SetBrandRetentionPayload, "brand", lambda: retention.brand_set_retention(
            principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brandId"),
            raw_event_retention_days=input.raw_event_retention_days, purge_viewer_data=input.purge_viewer_data,
        ))

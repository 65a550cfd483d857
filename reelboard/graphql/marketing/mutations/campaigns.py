"""createCampaign, updateCampaign, changeCampaignStatus, recordSpend."""

from __future__ import annotations

import datetime
import decimal

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from marketing.services import campaigns
from reelboard.graphql.core.errors import UserError, decode_id, decode_ids, run_service
from reelboard.graphql.core.mutations import enum_value, given
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.marketing.enums import CampaignObjective, CampaignStatus
from reelboard.graphql.marketing.types import CampaignSpendType, CampaignType


@strawberry.input
class CreateCampaignInput:
    brand_id: strawberry.ID
    name: str
    objective: CampaignObjective  # type: ignore[valid-type]
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None = None
    budget_lifetime: decimal.Decimal | None = None
    budget_daily: decimal.Decimal | None = None
    currency: str | None = None
    video_ids: list[strawberry.ID] | None = None


@strawberry.input(description="Only the fields you send change.")
class UpdateCampaignInput:
    id: strawberry.ID
    name: str | None = UNSET
    objective: CampaignObjective | None = UNSET  # type: ignore[valid-type]
    starts_at: datetime.datetime | None = UNSET
    ends_at: datetime.datetime | None = UNSET
    budget_lifetime: decimal.Decimal | None = UNSET
    budget_daily: decimal.Decimal | None = UNSET
    currency: str | None = UNSET
    video_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="The complete list of the campaign's videos (replaces it); [] removes all.")


@strawberry.input
class ChangeCampaignStatusInput:
    id: strawberry.ID
    status: CampaignStatus  # type: ignore[valid-type]


@strawberry.input
class RecordSpendInput:
    campaign_id: strawberry.ID
    date: datetime.date
    amount: decimal.Decimal
    currency: str | None = None


@strawberry.type
class CampaignPayload:
    campaign: CampaignType | None = None
    errors: list[UserError]


@strawberry.type
class RecordSpendPayload:
    spend: CampaignSpendType | None = None
    errors: list[UserError]


def _video_ids(value):
    if value is UNSET:
        return UNSET
    return decode_ids(value, expected="Video", field="videoIds")


@strawberry.type
class CampaignMutation:
    @strawberry.mutation(extensions=authenticated(), description="Create a draft campaign (editors).")
    def create_campaign(self, info: Info, input: CreateCampaignInput) -> CampaignPayload:
        return run_service(CampaignPayload, "campaign", lambda: campaigns.campaign_create(
            principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brandId"),
            name=input.name, objective=enum_value(input.objective), starts_at=input.starts_at,
            ends_at=input.ends_at, budget_lifetime=input.budget_lifetime, budget_daily=input.budget_daily,
            currency=input.currency, video_ids=_video_ids(input.video_ids),
        ))

    @strawberry.mutation(extensions=authenticated(), description="Change a campaign's details (editors).")
    def update_campaign(self, info: Info, input: UpdateCampaignInput) -> CampaignPayload:
        return run_service(CampaignPayload, "campaign", lambda: campaigns.campaign_update(
            principal=principal_of(info), campaign_id=decode_id(input.id, expected="Campaign", field="id"),
            **given(name=input.name, objective=enum_value(input.objective), starts_at=input.starts_at,
                    ends_at=input.ends_at, budget_lifetime=input.budget_lifetime, budget_daily=input.budget_daily,
                    currency=input.currency, video_ids=_video_ids(input.video_ids)),
        ))

    @strawberry.mutation(extensions=authenticated(), description="Move a campaign along its lifecycle (editors).")
    def change_campaign_status(self, info: Info, input: ChangeCampaignStatusInput) -> CampaignPayload:
        return run_service(CampaignPayload, "campaign", lambda: campaigns.campaign_transition(
            principal=principal_of(info), campaign_id=decode_id(input.id, expected="Campaign", field="id"),
            to=enum_value(input.status),
        ))

    @strawberry.mutation(extensions=authenticated(), description="Set one day's spend of a campaign (editors).")
    def record_spend(self, info: Info, input: RecordSpendInput) -> RecordSpendPayload:
        return run_service(RecordSpendPayload, "spend", lambda: campaigns.campaign_record_spend(
            principal=principal_of(info),
            campaign_id=decode_id(input.campaign_id, expected="Campaign", field="campaignId"),
            date=input.date, amount=input.amount, currency=input.currency,
        ))

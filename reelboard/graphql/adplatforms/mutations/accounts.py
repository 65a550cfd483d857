"""createAdAccount, updateAdAccount, deleteAdAccount (brand admins), syncAdAccount (brand editors)."""

from __future__ import annotations

import datetime

import strawberry
from strawberry import UNSET, relay
from strawberry.types import Info

from adplatforms import services
from reelboard.graphql.adplatforms import enums
from reelboard.graphql.adplatforms.types import AdAccountType
from reelboard.graphql.core.errors import UserError, decode_id, run_service
from reelboard.graphql.core.mutations import enum_value, given
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.jobs.types import JobType, job_from


@strawberry.input(description="Write-only: never returned. In updates, only the fields sent change; an empty "
                              "string removes one.")
class AdCredentialsInput:
    access_token: str | None = UNSET
    refresh_token: str | None = UNSET
    app_id: str | None = UNSET
    secret: str | None = UNSET

    def as_dict(self) -> dict:
        return {k: ("" if v is None else v) for k, v in given(access_token=self.access_token,
                                                              refresh_token=self.refresh_token, app_id=self.app_id,
                                                              secret=self.secret).items()}


@strawberry.input
class CreateAdAccountInput:
    brand_id: strawberry.ID
    ad_platform: enums.AdPlatform  # type: ignore[valid-type]
    advertiser_id: str
    name: str
    time_zone: str = "Asia/Shanghai"
    currency: str | None = None
    credentials: AdCredentialsInput | None = None


@strawberry.input(description="Only the fields you send change.")
class UpdateAdAccountInput:
    id: strawberry.ID
    name: str | None = UNSET
    time_zone: str | None = UNSET
    currency: str | None = UNSET
    status: enums.AdAccountStatus | None = UNSET  # type: ignore[valid-type]
    credentials: AdCredentialsInput | None = UNSET


@strawberry.input
class DeleteAdAccountInput:
    id: strawberry.ID


@strawberry.input(description="Days in the account's time zone; default yesterday and today; at most 93 days.")
class SyncAdAccountInput:
    id: strawberry.ID
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@strawberry.type
class AdAccountPayload:
    ad_account: AdAccountType | None = None
    errors: list[UserError]


@strawberry.type
class DeleteAdAccountPayload:
    deleted_id: relay.GlobalID | None = None
    errors: list[UserError]


@strawberry.type
class SyncAdAccountPayload:
    job: JobType | None = None
    errors: list[UserError]


_ALIASES = {"brand_id": "brandId", "id": "id"}


@strawberry.type
class AdAccountMutation:
    @strawberry.mutation(extensions=authenticated(), description="Connect an ad account to a brand (brand admins).")
    def create_ad_account(self, info: Info, input: CreateAdAccountInput) -> AdAccountPayload:
        return run_service(AdAccountPayload, "ad_account", lambda: services.ad_account_create(
            principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brandId"),
            ad_platform=enum_value(input.ad_platform), advertiser_id=input.advertiser_id, name=input.name,
            time_zone=input.time_zone, currency=input.currency,
            credentials=input.credentials.as_dict() if input.credentials else None,
        ), aliases=_ALIASES)

    @strawberry.mutation(extensions=authenticated(), description="Change an ad account (brand admins).")
    def update_ad_account(self, info: Info, input: UpdateAdAccountInput) -> AdAccountPayload:
        return run_service(AdAccountPayload, "ad_account", lambda: services.ad_account_update(
            principal=principal_of(info), account_id=decode_id(input.id, expected="AdAccount", field="id"),
            **given(name=input.name, time_zone=input.time_zone, currency=input.currency,
                    status=enum_value(input.status) if input.status else input.status,
                    credentials=input.credentials.as_dict() if input.credentials else input.credentials),
        ), aliases=_ALIASES)

    @strawberry.mutation(extensions=authenticated(), description="Remove an ad account, its stats and the spend it "
                                                                 "synced (brand admins).")
    def delete_ad_account(self, info: Info, input: DeleteAdAccountInput) -> DeleteAdAccountPayload:
        def call():
            pk = services.ad_account_delete(principal=principal_of(info),
                                            account_id=decode_id(input.id, expected="AdAccount", field="id"))
            return DeleteAdAccountPayload(deleted_id=relay.GlobalID("AdAccount", str(pk)), errors=[])

        return run_service(DeleteAdAccountPayload, None, call, aliases=_ALIASES)

    @strawberry.mutation(extensions=authenticated(), description="Sync an ad account's reports now (brand editors); "
                                                                 "poll job(id) for progress and counts.")
    def sync_ad_account(self, info: Info, input: SyncAdAccountInput) -> SyncAdAccountPayload:
        def call():
            job = services.sync_job_create(principal=principal_of(info),
                                           account_id=decode_id(input.id, expected="AdAccount", field="id"),
                                           date_from=input.date_from, date_to=input.date_to)
            return SyncAdAccountPayload(job=job_from(job), errors=[])

        return run_service(SyncAdAccountPayload, None, call, aliases=_ALIASES)

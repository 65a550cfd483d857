"""createBrand, updateBrand, createApiToken (the raw token is returned once), revokeApiToken."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from marketing.services import brands
from reelboard.graphql.core.errors import UserError, decode_id, run_service
from reelboard.graphql.core.mutations import enum_value, given
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.marketing.enums import Role
from reelboard.graphql.marketing.types import ApiTokenType, BrandType


@strawberry.input
class CreateBrandInput:
    name: str
    slug: str | None = None
    reporting_timezone: str = "Asia/Shanghai"
    currency: str = "CNY"


@strawberry.input
class UpdateBrandInput:
    id: strawberry.ID
    name: str | None = UNSET
    slug: str | None = UNSET
    reporting_timezone: str | None = UNSET
    currency: str | None = UNSET


@strawberry.type
class BrandPayload:
    brand: BrandType | None = None
    errors: list[UserError]


@strawberry.input
class CreateApiTokenInput:
    brand_id: strawberry.ID
    name: str
    role: Role = Role.VIEWER  # type: ignore[valid-type]
    expires_in_days: int | None = strawberry.field(
        default=None, description="Days until the token stops working: 1..API_TOKEN_MAX_DAYS (365), "
                                  "default API_TOKEN_DEFAULT_DAYS (90).")


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiTokenType | None = None
    raw_token: str | None = strawberry.field(
        default=None, description="The secret, shown only in this response: store it now."
    )
    errors: list[UserError]


@strawberry.input
class RevokeApiTokenInput:
    id: strawberry.ID


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiTokenType | None = None
    errors: list[UserError]


@strawberry.type
class BrandMutation:
    @strawberry.mutation(extensions=authenticated(), description="Create a brand; you become its admin.")
    def create_brand(self, info: Info, input: CreateBrandInput) -> BrandPayload:
        return run_service(BrandPayload, "brand", lambda: brands.brand_create(
            principal=principal_of(info), name=input.name, slug=input.slug,
            reporting_timezone=input.reporting_timezone, currency=input.currency,
        ), aliases={"brand": "input"})  # the caller may not create brands at all: no single field is at fault

    @strawberry.mutation(extensions=authenticated(), description="Change a brand (brand admins).")
    def update_brand(self, info: Info, input: UpdateBrandInput) -> BrandPayload:
        return run_service(BrandPayload, "brand", lambda: brands.brand_update(
            principal=principal_of(info), brand_id=decode_id(input.id, expected="Brand", field="id"),
            **given(name=input.name, slug=input.slug, reporting_timezone=input.reporting_timezone,
                    currency=input.currency),
        ))

    @strawberry.mutation(extensions=authenticated(),
                         description="Issue an API token (brand admins, signed in: a token cannot issue tokens).")
    def create_api_token(self, info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
        def call():
            token, raw = brands.api_token_create(
                principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brandId"),
                name=input.name, role=enum_value(input.role), expires_in_days=input.expires_in_days,
            )
            return CreateApiTokenPayload(api_token=token, raw_token=raw, errors=[])

        # a token may not issue tokens at all: no single input field is at fault
        return run_service(CreateApiTokenPayload, None, call, aliases={"token": "input"})

    @strawberry.mutation(extensions=authenticated(), description="Revoke an API token (brand admins).")
    def revoke_api_token(self, info: Info, input: RevokeApiTokenInput) -> RevokeApiTokenPayload:
        return run_service(RevokeApiTokenPayload, "api_token", lambda: brands.api_token_revoke(
            principal=principal_of(info), token_id=decode_id(input.id, expected="ApiToken", field="id"),
        ))

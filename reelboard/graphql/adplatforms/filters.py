"""Filters of the ad-platform lists."""

from __future__ import annotations

import strawberry
import strawberry_django
from django.db.models import Q
from strawberry.types import Info

from adplatforms import models
from marketing import models as marketing_models
from reelboard.graphql.adplatforms import enums
from reelboard.graphql.core.filters import visible_pks


@strawberry_django.filter_type(models.AdAccount, lookups=True)
class AdAccountFilter:
    ad_platform: enums.AdPlatform | None  # type: ignore[valid-type]
    status: enums.AdAccountStatus | None  # type: ignore[valid-type]

    @strawberry_django.filter_field(description="Accounts of these brands.")
    def brand(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}brand_id__in": visible_pks(value, info, marketing_models.Brand, field="brand")})


@strawberry_django.filter_type(models.PlatformDailyStat, lookups=True)
class PlatformDailyStatFilter:
    level: enums.ReportLevel | None  # type: ignore[valid-type]
    stat_date: strawberry.auto
    report_date: strawberry.auto
    external_id: strawberry.auto

    @strawberry_django.filter_field(description="Stats of these ad accounts.")
    def ad_account(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}ad_account_id__in": visible_pks(value, info, models.AdAccount, field="adAccount")})

    @strawberry_django.filter_field(description="Stats mapped to these campaigns.")
    def campaign(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}campaign_id__in": visible_pks(value, info, marketing_models.Campaign, field="campaign")})

    @strawberry_django.filter_field(description="Stats of these ad platforms.")
    def ad_platform(self, value: list[enums.AdPlatform], prefix: str) -> Q:  # type: ignore[valid-type]
        return Q(**{f"{prefix}ad_account__ad_platform__in": [v.value for v in value]})


@strawberry_django.filter_type(models.ExternalObject, lookups=True)
class ExternalAdObjectFilter:
    level: enums.ReportLevel | None  # type: ignore[valid-type]
    external_id: strawberry.auto

    @strawberry_django.filter_field(description="Objects of these ad accounts.")
    def ad_account(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}ad_account_id__in": visible_pks(value, info, models.AdAccount, field="adAccount")})

    @strawberry_django.filter_field(description="true: mapped to a campaign; false: not mapped yet.")
    def mapped(self, value: bool, prefix: str) -> Q:
        return Q(**{f"{prefix}campaign__isnull": not value})

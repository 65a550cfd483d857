"""GraphQL types of the ad-platform models; brand-scoped through ``BrandScoped`` (``for_principal``).

``AdAccount`` has no credential field: they are write-only (``hasCredentials`` says whether any are stored).
"""

from __future__ import annotations

import datetime
import decimal

import strawberry
import strawberry_django

from adplatforms import models
from reelboard.graphql.adplatforms import enums, filters
from reelboard.graphql.core.types import BrandScoped
from reelboard.graphql.marketing.types import BrandType, CampaignType, VideoType


@strawberry_django.type(models.AdAccount, name="AdAccount", filters=filters.AdAccountFilter)
class AdAccountType(BrandScoped):
    brand: BrandType
    advertiser_id: strawberry.auto
    name: strawberry.auto
    time_zone: str = strawberry_django.field(description="IANA zone the platform reports days in.")
    currency: strawberry.auto
    last_synced_at: datetime.datetime | None
    last_sync_error: strawberry.auto
    created_at: strawberry.auto

    @strawberry_django.field(only=["ad_platform"])
    def ad_platform(self) -> enums.AdPlatform:  # type: ignore[valid-type]
        return enums.AdPlatform(self.ad_platform)

    @strawberry_django.field(only=["status"])
    def status(self) -> enums.AdAccountStatus:  # type: ignore[valid-type]
        return enums.AdAccountStatus(self.status)

    @strawberry_django.field(only=["credentials_encrypted"], description="Whether credentials are stored "
                             "(they are never returned).")
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


@strawberry_django.type(models.ExternalObject, name="ExternalAdObject", filters=filters.ExternalAdObjectFilter)
class ExternalAdObjectType(BrandScoped):
    ad_account: AdAccountType
    external_id: strawberry.auto
    name: strawberry.auto
    parent_external_id: strawberry.auto
    external_video_id: strawberry.auto
    campaign: CampaignType | None
    video: VideoType | None
    mapped_by_hand: strawberry.auto

    @strawberry_django.field(only=["level"])
    def level(self) -> enums.ReportLevel:  # type: ignore[valid-type]
        return enums.ReportLevel(self.level)


@strawberry_django.type(models.PlatformDailyStat, name="PlatformDailyStat", filters=filters.PlatformDailyStatFilter,
                        description="One day of a campaign / ad group / ad as its ad platform reports it. A null "
                                    "metric is one the platform does not report (never 0).")
class PlatformDailyStatType(BrandScoped):
    ad_account: AdAccountType
    external_id: strawberry.auto
    stat_date: datetime.date = strawberry_django.field(description="The day in the account's time zone.")
    report_date: datetime.date = strawberry_django.field(description="The brand's reporting day.")
    campaign: CampaignType | None
    spend: decimal.Decimal | None
    impressions: int | None
    clicks: int | None
    reach: int | None
    plays: int | None
    plays_2s: int | None
    plays_3s: int | None
    plays_6s: int | None
    plays_10s: int | None
    effective_plays: int | None = strawberry_django.field(
        description="Plays the platform counts as effective: Ocean Engine 10 s (or a full play of a shorter "
                    "video), Kuaishou 3 s; null on TikTok.")
    plays_25: int | None
    plays_50: int | None
    plays_75: int | None
    plays_100: int | None
    avg_play_time_s: float | None
    profile_visits: int | None
    conversions: int | None
    fetched_at: strawberry.auto

    @strawberry_django.field(only=["level"])
    def level(self) -> enums.ReportLevel:  # type: ignore[valid-type]
        return enums.ReportLevel(self.level)

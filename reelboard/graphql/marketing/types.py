"""GraphQL types of marketing's models: brands, videos, campaigns and their spend, viewers, interactions, API tokens.

Every node type derives from ``reelboard.graphql.core.types.BrandScoped`` (visibility through ``for_principal``).
The other domains' fields hang off these types here: ``Video.complianceFlags`` (compliance), ``Campaign.kpis``
and ``Campaign.pacing`` (analytics), ``Campaign.audience`` and ``Viewer.persona`` (personas); their types come
from those domains' ``types.py``, which do not import this module (a type of theirs that returns one of these
names it with ``strawberry.lazy``).
"""

from __future__ import annotations

import datetime
import decimal

import strawberry
import strawberry_django
from strawberry.types import Info

from analytics.personas import selectors as persona_selectors
from marketing import models
from reelboard.graphql.analytics.types import CampaignPacing, KpiSet, campaign_kpis, campaign_pacing
from reelboard.graphql.compliance.types import ComplianceFlag
from reelboard.graphql.core.permissions import principal_of
from reelboard.graphql.core.types import BrandScoped
from reelboard.graphql.marketing import enums, filters, orderings
from reelboard.graphql.personas.types import PersonaAudienceEntry, PersonaType


@strawberry_django.type(models.Platform, name="Platform")
class PlatformType:
    code: strawberry.auto
    name: strawberry.auto


@strawberry_django.type(models.Tag, name="Tag")
class TagType:
    name: strawberry.auto


@strawberry_django.type(
    models.Brand, name="Brand", filters=filters.BrandFilter, ordering=orderings.BrandOrder
)
class BrandType(BrandScoped):
    name: strawberry.auto
    slug: strawberry.auto
    reporting_timezone: strawberry.auto
    currency: strawberry.auto
    raw_event_retention_days: strawberry.auto
    purge_viewer_data: strawberry.auto
    created_at: strawberry.auto
    updated_at: strawberry.auto

    @strawberry_django.field(description="Your role on this brand.")
    def my_role(self, info: Info) -> enums.Role | None:
        role = principal_of(info).role_for(self.pk)
        return models.Role(role) if role else None


@strawberry_django.type(
    models.Video, name="Video", filters=filters.VideoFilter, ordering=orderings.VideoOrder,
    description="A brand's short video on one platform: its copy (title, description, script, cover text, "
                "tags) and where it is in moderation. Only approved videos join campaigns and are recommended.",
)
class VideoType(BrandScoped):
    brand: BrandType
    platform: PlatformType
    external_id: strawberry.auto
    title: strawberry.auto
    description: strawberry.auto
    script: strawberry.auto
    cover_text: strawberry.auto
    category: strawberry.auto
    tags: list[TagType]
    duration_ms: strawberry.auto
    published_at: strawberry.auto
    moderation_status: enums.ModerationStatus
    moderation_reason: strawberry.auto
    moderated_at: strawberry.auto
    created_at: strawberry.auto
    updated_at: strawberry.auto

    @strawberry_django.field(description="The video's current compliance flags (its latest screening).",
                             prefetch_related=["compliance_flags"])
    def compliance_flags(self) -> list[ComplianceFlag]:
        return list(self.compliance_flags.all())


@strawberry_django.type(
    models.CampaignSpend, name="CampaignSpend", filters=filters.CampaignSpendFilter,
    ordering=orderings.CampaignSpendOrder,
)
class CampaignSpendType(BrandScoped):
    campaign: CampaignType
    date: datetime.date
    amount: decimal.Decimal
    currency: strawberry.auto
    updated_at: strawberry.auto


@strawberry_django.type(
    models.Campaign, name="Campaign", filters=filters.CampaignFilter, ordering=orderings.CampaignOrder,
    description="A brand's marketing campaign: its videos, objective, budget, flight (startsAt..endsAt), "
                "lifecycle status and daily spend; KPIs, pacing and the persona audience hang off it.",
)
class CampaignType(BrandScoped):
    brand: BrandType
    name: strawberry.auto
    objective: enums.CampaignObjective
    status: enums.CampaignStatus
    budget_lifetime: decimal.Decimal | None
    budget_daily: decimal.Decimal | None
    currency: strawberry.auto
    starts_at: strawberry.auto
    ends_at: strawberry.auto
    status_changed_at: strawberry.auto
    videos: list[VideoType]
    spend: list[CampaignSpendType]
    created_at: strawberry.auto
    updated_at: strawberry.auto

    @strawberry_django.field(description="Personas of the brand's active model ranked for this campaign: "
                                         "observed engagement and conversion first, then predicted tag affinity.")
    def audience(self, info: Info) -> list[PersonaAudienceEntry]:
        return persona_selectors.campaign_audience(principal=principal_of(info), campaign_id=self.pk)

    @strawberry_django.field(description="KPIs of this campaign over a date range of the brand's days.",
                             select_related=["brand"])
    def kpis(self, date_from: datetime.date, date_to: datetime.date) -> KpiSet:
        return campaign_kpis(self, date_from, date_to)

    @strawberry_django.field(description="Budget pacing now: null unless the campaign is active and has a budget.",
                             only=["status", "budget_lifetime", "budget_daily", "currency", "starts_at", "ends_at",
                                   "brand__reporting_timezone"], select_related=["brand"])
    def pacing(self) -> CampaignPacing | None:
        return campaign_pacing(self)


@strawberry_django.type(
    models.Viewer, name="Viewer", filters=filters.ViewerFilter, ordering=orderings.ViewerOrder
)
class ViewerType(BrandScoped):
    """A pseudonymous viewer: the keyed hash, coarse demographics and when they were seen; nothing else."""

    viewer_key: strawberry.auto
    gender: enums.Gender | None = strawberry_django.field(
        resolver=lambda root: models.Gender(root.gender) if root.gender else None, only=["gender"]
    )
    age_band: enums.AgeBand | None = strawberry_django.field(
        resolver=lambda root: models.AgeBand(root.age_band) if root.age_band else None, only=["age_band"]
    )
    region: strawberry.auto
    first_seen_at: strawberry.auto
    last_seen_at: strawberry.auto

    @strawberry_django.field(description="The viewer's persona in the brand's active persona model.",
                             prefetch_related=[lambda info: persona_selectors.active_persona_prefetch()])
    def persona(self, info: Info) -> PersonaType | None:
        return persona_selectors.persona_of_loaded_viewer(principal=principal_of(info), viewer=self)


@strawberry_django.type(
    models.Interaction, name="Interaction", filters=filters.InteractionFilter,
    ordering=orderings.InteractionOrder,
)
class InteractionType(BrandScoped):
    event_id: strawberry.auto
    kind: enums.InteractionKind
    video: VideoType
    viewer: ViewerType
    campaign: CampaignType | None
    watch_ms: strawberry.auto
    value: decimal.Decimal | None
    currency: strawberry.auto
    occurred_at: strawberry.auto


@strawberry_django.type(
    models.ApiToken, name="ApiToken", filters=filters.ApiTokenFilter, ordering=orderings.ApiTokenOrder
)
class ApiTokenType(BrandScoped):
    """An API token's metadata (never its hash): visible to the brand's admins only."""

    min_role: strawberry.Private[str] = models.Role.ADMIN

    brand: BrandType
    name: strawberry.auto
    role: enums.Role
    prefix: strawberry.auto
    created_at: strawberry.auto
    last_used_at: strawberry.auto
    revoked_at: strawberry.auto
    expires_at: strawberry.auto
    is_active: bool = strawberry_django.field(only=["revoked_at", "expires_at"])


__all__ = [
    "ApiTokenType", "BrandType", "CampaignSpendType", "CampaignType", "InteractionType",
    "PlatformType", "TagType", "VideoType", "ViewerType",
]

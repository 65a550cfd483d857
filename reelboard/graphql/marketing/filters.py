"""Filters of the list fields: brand, platform, status, moderation status, tags, date ranges, title search."""

from __future__ import annotations

import strawberry
import strawberry_django
from django.db.models import Q
from strawberry.types import Info

from marketing import models
from reelboard.graphql.core.filters import visible_pks
from reelboard.graphql.marketing import enums


@strawberry_django.filter_type(models.Brand, lookups=True)
class BrandFilter:
    name: strawberry.auto
    slug: strawberry.auto
    created_at: strawberry.auto


@strawberry_django.filter_type(models.Video, lookups=True)
class VideoFilter:
    moderation_status: enums.ModerationStatus | None
    category: strawberry.auto
    published_at: strawberry.auto
    title: strawberry.auto

    @strawberry_django.filter_field(description="Videos of these brands.")
    def brand(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}brand_id__in": visible_pks(value, info, models.Brand, field="brand")})

    @strawberry_django.filter_field(description="Videos on these platforms (codes, e.g. 'douyin').")
    def platform(self, value: list[str], prefix: str) -> Q:
        return Q(**{f"{prefix}platform__code__in": value})

    @strawberry_django.filter_field(description="Videos carrying any of these tags (case-insensitive).")
    def tags(self, value: list[str], prefix: str) -> Q:
        # A subquery, not a join: a join would list a video once per matching tag.
        tagged = models.Video.tags.through.objects.filter(tag__name__in=[t.strip().lower() for t in value])
        return Q(**{f"{prefix}pk__in": tagged.values("video_id")})

    @strawberry_django.filter_field(description="Case-insensitive text search in the title.")
    def search(self, value: str, prefix: str) -> Q:
        return Q(**{f"{prefix}title__icontains": value})


@strawberry_django.filter_type(models.Campaign, lookups=True)
class CampaignFilter:
    status: enums.CampaignStatus | None
    objective: enums.CampaignObjective | None
    starts_at: strawberry.auto
    ends_at: strawberry.auto
    name: strawberry.auto

    @strawberry_django.filter_field(description="Campaigns of these brands.")
    def brand(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}brand_id__in": visible_pks(value, info, models.Brand, field="brand")})

    @strawberry_django.filter_field(description="Case-insensitive text search in the name.")
    def search(self, value: str, prefix: str) -> Q:
        return Q(**{f"{prefix}name__icontains": value})


@strawberry_django.filter_type(models.CampaignSpend, lookups=True)
class CampaignSpendFilter:
    date: strawberry.auto

    @strawberry_django.filter_field(description="Spend of these campaigns.")
    def campaign(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}campaign_id__in": visible_pks(value, info, models.Campaign, field="campaign")})


@strawberry_django.filter_type(models.Viewer, lookups=True)
class ViewerFilter:
    gender: enums.Gender | None
    age_band: enums.AgeBand | None
    region: strawberry.auto
    first_seen_at: strawberry.auto
    last_seen_at: strawberry.auto

    @strawberry_django.filter_field(description="Viewers of these brands.")
    def brand(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}brand_id__in": visible_pks(value, info, models.Brand, field="brand")})

    @strawberry_django.filter_field(description="Viewers on these platforms (codes).")
    def platform(self, value: list[str], prefix: str) -> Q:
        return Q(**{f"{prefix}platform__code__in": value})


@strawberry_django.filter_type(models.Interaction, lookups=True)
class InteractionFilter:
    kind: enums.InteractionKind | None
    occurred_at: strawberry.auto

    @strawberry_django.filter_field(description="Interactions of these brands.")
    def brand(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}brand_id__in": visible_pks(value, info, models.Brand, field="brand")})

    @strawberry_django.filter_field(description="Interactions with these videos.")
    def video(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}video_id__in": visible_pks(value, info, models.Video, field="video")})

    @strawberry_django.filter_field(description="Interactions within these campaigns.")
    def campaign(self, value: list[strawberry.ID], prefix: str, info: Info) -> Q:
        return Q(**{f"{prefix}campaign_id__in": visible_pks(value, info, models.Campaign, field="campaign")})


@strawberry_django.filter_type(models.ApiToken, lookups=True)
class ApiTokenFilter:
    name: strawberry.auto
    role: enums.Role | None

    @strawberry_django.filter_field(description="Only tokens that are not revoked (true) or only revoked ones.")
    def active(self, value: bool, prefix: str) -> Q:
        return Q(**{f"{prefix}revoked_at__isnull": value})

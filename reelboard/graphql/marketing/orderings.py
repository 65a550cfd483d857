"""Ordering inputs (``ordering: [{publishedAt: DESC}]``) of the list fields."""

from __future__ import annotations

import strawberry
import strawberry_django

from marketing import models


@strawberry_django.order_type(models.Brand)
class BrandOrder:
    name: strawberry.auto
    created_at: strawberry.auto


@strawberry_django.order_type(models.Video)
class VideoOrder:
    title: strawberry.auto
    published_at: strawberry.auto
    created_at: strawberry.auto
    duration_ms: strawberry.auto


@strawberry_django.order_type(models.Campaign)
class CampaignOrder:
    name: strawberry.auto
    starts_at: strawberry.auto
    ends_at: strawberry.auto
    status: strawberry.auto
    created_at: strawberry.auto


@strawberry_django.order_type(models.CampaignSpend)
class CampaignSpendOrder:
    date: strawberry.auto
    amount: strawberry.auto


@strawberry_django.order_type(models.Viewer)
class ViewerOrder:
    first_seen_at: strawberry.auto
    last_seen_at: strawberry.auto


@strawberry_django.order_type(models.Interaction)
class InteractionOrder:
    occurred_at: strawberry.auto


@strawberry_django.order_type(models.ApiToken)
class ApiTokenOrder:
    name: strawberry.auto
    created_at: strawberry.auto
    last_used_at: strawberry.auto

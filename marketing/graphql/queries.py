"""Root query fields: ``node``/``nodes`` and one brand-scoped connection per node type."""

from __future__ import annotations

import strawberry
import strawberry_django
from strawberry import relay

from marketing.graphql.permissions import authenticated
from marketing.graphql.types import (
    ApiTokenType,
    BrandType,
    CampaignSpendType,
    CampaignType,
    Connection,
    InteractionType,
    VideoType,
    ViewerType,
)


@strawberry.type
class Query:
    node: relay.Node = strawberry_django.node(extensions=authenticated())
    nodes: list[relay.Node] = strawberry_django.node(extensions=authenticated())

    brands: Connection[BrandType] = strawberry_django.connection(extensions=authenticated())
    videos: Connection[VideoType] = strawberry_django.connection(extensions=authenticated())
    campaigns: Connection[CampaignType] = strawberry_django.connection(extensions=authenticated())
    campaign_spend: Connection[CampaignSpendType] = strawberry_django.connection(extensions=authenticated())
    viewers: Connection[ViewerType] = strawberry_django.connection(extensions=authenticated())
    interactions: Connection[InteractionType] = strawberry_django.connection(extensions=authenticated())
    api_tokens: Connection[ApiTokenType] = strawberry_django.connection(
        extensions=authenticated(), description="The tokens of brands you administer (metadata only)."
    )

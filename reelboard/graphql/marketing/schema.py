"""Marketing's root fields: ``node``/``nodes``, one brand-scoped connection per node type; its mutations
(``mutations/``) and ``ingestInteractions`` (``ingest.py``)."""

from __future__ import annotations

from typing import Annotated

import strawberry
import strawberry_django
from strawberry import relay
from strawberry.tools import merge_types
from strawberry.types import Info

from reelboard.graphql.core import ids
from reelboard.graphql.core.permissions import authenticated
from reelboard.graphql.core.types import Connection
from reelboard.graphql.marketing.ingest import IngestMutation
from reelboard.graphql.marketing.mutations import MarketingMutation
from reelboard.graphql.marketing.types import (
    ApiTokenType,
    BrandType,
    CampaignSpendType,
    CampaignType,
    InteractionType,
    VideoType,
    ViewerType,
)


@strawberry.type
class Query:
    # node/nodes decode their ids through reelboard.graphql.core.ids like every other id argument.
    @strawberry.field(extensions=authenticated())
    def node(self, info: Info,
             id: Annotated[strawberry.ID, strawberry.argument(description="The ID of the object.")]) -> relay.Node:
        return ids.node(info, id, field="id")

    @strawberry.field(extensions=authenticated())
    def nodes(self, info: Info, ids_: Annotated[list[strawberry.ID], strawberry.argument(
            name="ids", description="The IDs of the objects.")]) -> list[relay.Node]:
        return ids.nodes(info, ids_, field="ids")

    brands: Connection[BrandType] = strawberry_django.connection(extensions=authenticated())
    videos: Connection[VideoType] = strawberry_django.connection(extensions=authenticated())
    campaigns: Connection[CampaignType] = strawberry_django.connection(extensions=authenticated())
    campaign_spend: Connection[CampaignSpendType] = strawberry_django.connection(extensions=authenticated())
    viewers: Connection[ViewerType] = strawberry_django.connection(extensions=authenticated())
    interactions: Connection[InteractionType] = strawberry_django.connection(extensions=authenticated())
    api_tokens: Connection[ApiTokenType] = strawberry_django.connection(
        extensions=authenticated(), description="The tokens of brands you administer (metadata only)."
    )


Mutation = merge_types("MarketingMutation", (MarketingMutation, IngestMutation))

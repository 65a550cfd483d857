"""adAccounts, platformDailyStats, externalAdObjects: brand-scoped connections."""

from __future__ import annotations

import strawberry
import strawberry_django

from reelboard.graphql.adplatforms.mutations import AdPlatformsMutation as Mutation
from reelboard.graphql.adplatforms.types import AdAccountType, ExternalAdObjectType, PlatformDailyStatType
from reelboard.graphql.core.permissions import authenticated
from reelboard.graphql.core.types import Connection


@strawberry.type
class Query:
    ad_accounts: Connection[AdAccountType] = strawberry_django.connection(
        extensions=authenticated(), description="Your brands' ad-platform accounts (never their credentials).")
    platform_daily_stats: Connection[PlatformDailyStatType] = strawberry_django.connection(
        extensions=authenticated(), description="Daily figures as the ad platforms report them.")
    external_ad_objects: Connection[ExternalAdObjectType] = strawberry_django.connection(
        extensions=authenticated(), description="The ad platforms' campaigns, ad groups and ads, and their mapping.")


__all__ = ["Mutation", "Query"]

"""Root mutations, one module per group; each resolver decodes ids and calls one service."""

from __future__ import annotations

from strawberry.tools import merge_types

from reelboard.graphql.marketing.mutations.brands import BrandMutation
from reelboard.graphql.marketing.mutations.campaigns import CampaignMutation
from reelboard.graphql.marketing.mutations.privacy import PrivacyMutation
from reelboard.graphql.marketing.mutations.retention import RetentionMutation
from reelboard.graphql.marketing.mutations.videos import VideoMutation

MarketingMutation = merge_types("MarketingMutation", (BrandMutation, VideoMutation, CampaignMutation,
                                                          PrivacyMutation, RetentionMutation))

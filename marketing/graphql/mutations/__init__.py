"""Root mutations, one module per group; each resolver decodes ids and calls one service."""

from __future__ import annotations

from strawberry.tools import merge_types

from marketing.graphql.mutations.brands import BrandMutation
from marketing.graphql.mutations.campaigns import CampaignMutation
from marketing.graphql.mutations.privacy import PrivacyMutation
from marketing.graphql.mutations.retention import RetentionMutation
from marketing.graphql.mutations.videos import VideoMutation

MarketingMutation = merge_types("MarketingMutation", (BrandMutation, VideoMutation, CampaignMutation,
                                                          PrivacyMutation, RetentionMutation))

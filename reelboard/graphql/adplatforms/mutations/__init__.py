"""Ad-platform mutations; each resolver decodes ids and calls one service."""

from __future__ import annotations

from strawberry.tools import merge_types

from reelboard.graphql.adplatforms.mutations.accounts import AdAccountMutation

AdPlatformsMutation = merge_types("AdPlatformsMutation", (AdAccountMutation,))

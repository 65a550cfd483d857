"""Compliance API: ``checkCopy``, ``viewerByPlatformUser``, brand rules; ``Video.complianceFlags`` is
declared on the Video type (reelboard.graphql.marketing.types) with a lazy annotation to ``types.ComplianceFlag``."""

from reelboard.graphql.compliance.mutations import ComplianceMutation as Mutation
from reelboard.graphql.compliance.schema import Query

__all__ = ["Mutation", "Query"]

"""Compliance API: ``checkCopy``, ``viewerByPlatformUser``, brand rules; ``Video.complianceFlags`` is
declared on the Video type (marketing.graphql.types) with a lazy annotation to ``types.ComplianceFlag``."""

from compliance.graphql.mutations import ComplianceMutation as Mutation
from compliance.graphql.queries import Query

__all__ = ["Mutation", "Query"]

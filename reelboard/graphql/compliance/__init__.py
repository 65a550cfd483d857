"""Compliance API: ``checkCopy``, ``viewerByPlatformUser``, brand rules; ``Video.complianceFlags`` is
declared on the Video type (reelboard.graphql.marketing.types), returning ``types.ComplianceFlag``."""

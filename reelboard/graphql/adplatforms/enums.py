"""GraphQL enums of the ad-platform models (the models' TextChoices themselves: one source of truth)."""

from __future__ import annotations

from adplatforms import models
from reelboard.graphql.core.enums import choices_enum

AdPlatform = choices_enum(models.AdPlatform, name="AdPlatform",
                          description="An ad platform (the seller of the ads), not a video platform.")
ReportLevel = choices_enum(
    models.ReportLevel, name="ReportLevel", description="The level of an ad platform's report rows.",
    values={"CAMPAIGN": "One row per platform campaign.", "ADGROUP": "One row per ad group (ad set).",
            "AD": "One row per ad (creative)."})
AdAccountStatus = choices_enum(
    models.AdAccountStatus, name="AdAccountStatus", description="Whether an ad account is synced.",
    values={"ACTIVE": "Synced daily.", "PAUSED": "Not synced until set active again.",
            "AUTH_FAILED": "The platform refused its credentials; update them (see lastSyncError)."})

"""Marketing's GraphQL enums, built from the model choices (``reelboard.graphql.core.enums.choices_enum``)."""

from __future__ import annotations

from marketing import models
from reelboard.graphql.core.enums import choices_enum

Role = choices_enum(models.Role, name="Role", description="A member's or token's role on a brand.", values={
    "VIEWER": "Reads the brand's data.",
    "EDITOR": "Also writes: videos, campaigns, spend, ingestion, training, report re-sends.",
    "ADMIN": "Also manages the brand, its API tokens and viewers' privacy requests."})
ModerationStatus = choices_enum(
    models.ModerationStatus, name="ModerationStatus",
    description="Where a video is in review: only approved videos are recommended or added to campaigns.",
    values={"PENDING": "Not reviewed yet.", "APPROVED": "Cleared for campaigns and recommendations.",
            "REJECTED": "Refused (see moderationReason)."})
CampaignObjective = choices_enum(
    models.CampaignObjective, name="CampaignObjective", description="What a campaign is optimised for.",
    values={"AWARENESS": "Reach and impressions.", "TRAFFIC": "Clicks to the brand's pages.",
            "ENGAGEMENT": "Likes, comments, shares and follows.", "CONVERSIONS": "Sign-ups, leads and other goals.",
            "SALES": "Purchases and revenue."})
CampaignStatus = choices_enum(
    models.CampaignStatus, name="CampaignStatus",
    description="A campaign's lifecycle state; changeCampaignStatus moves it along the allowed transitions.",
    values={"DRAFT": "Being prepared; not running.", "SCHEDULED": "Ready, waiting for its start.",
            "ACTIVE": "Running: its interactions and spend count.", "PAUSED": "Stopped for now; may resume.",
            "COMPLETED": "Ended; its figures are final.", "ARCHIVED": "Put away; read-only."})
InteractionKind = choices_enum(
    models.InteractionKind, name="InteractionKind", description="What a viewer did with a video.",
    values={"IMPRESSION": "The video was shown.", "VIEW": "The video was played (with watch time).",
            "LIKE": "Liked.", "COMMENT": "Commented.", "SHARE": "Shared.", "FOLLOW": "Followed the brand's account.",
            "CLICK": "Clicked through to the brand's page.", "CONVERSION": "Reached a goal other than a purchase.",
            "PURCHASE": "Bought (with value and currency)."})
Gender = choices_enum(models.Gender, name="Gender", description="A viewer's gender, as the platform reports it.")
AgeBand = choices_enum(models.AgeBand, name="AgeBand", description="A viewer's age band, in years.")

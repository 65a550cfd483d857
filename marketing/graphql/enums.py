"""GraphQL enums built from the model choices (one source of truth: marketing.models)."""

from __future__ import annotations

import strawberry

from marketing import models

Role = strawberry.enum(models.Role, name="Role")
ModerationStatus = strawberry.enum(models.ModerationStatus, name="ModerationStatus")
CampaignObjective = strawberry.enum(models.CampaignObjective, name="CampaignObjective")
CampaignStatus = strawberry.enum(models.CampaignStatus, name="CampaignStatus")
InteractionKind = strawberry.enum(models.InteractionKind, name="InteractionKind")
Gender = strawberry.enum(models.Gender, name="Gender")
AgeBand = strawberry.enum(models.AgeBand, name="AgeBand")

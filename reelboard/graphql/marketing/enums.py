"""GraphQL enums built from the model choices (one source of truth: the models' ``TextChoices``)."""

from __future__ import annotations

from collections.abc import Mapping

import strawberry
from django.db.models import TextChoices

from marketing import models


def choices_enum(choices: type[TextChoices], *, name: str, description: str,
                 values: Mapping[str, str] | None = None) -> type[TextChoices]:
    """The GraphQL enum of a model's ``TextChoices``: the class itself, so resolvers return and services
    receive the model's values. Each value is described by ``values[NAME]`` (what it means to a client)
    or, when the label says enough, by the choice's label."""
    graphql_enum = strawberry.enum(choices, name=name, description=description)
    for value in graphql_enum.__strawberry_definition__.values:
        value.description = (values or {}).get(value.name) or str(choices[value.name].label)
    return graphql_enum


def describe_values(graphql_enum: type, values: Mapping[str, str]) -> type:
    """Describe the values of an enum that is not a model's choices (a selector's or service's enum)."""
    for value in graphql_enum.__strawberry_definition__.values:
        value.description = values[value.name]
    return graphql_enum


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

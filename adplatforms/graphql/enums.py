"""GraphQL enums of the ad-platform models (values from the models' TextChoices: one source of truth)."""

from __future__ import annotations

import enum

import strawberry

from adplatforms import models

AdPlatform = strawberry.enum(enum.Enum("AdPlatform", {c.name: c.value for c in models.AdPlatform}), name="AdPlatform",
                             description="An ad platform (the seller of the ads), not a video platform.")
ReportLevel = strawberry.enum(enum.Enum("ReportLevel", {c.name: c.value for c in models.ReportLevel}),
                              name="ReportLevel")
AdAccountStatus = strawberry.enum(enum.Enum("AdAccountStatus", {c.name: c.value for c in models.AdAccountStatus}),
                                  name="AdAccountStatus")

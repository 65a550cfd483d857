"""GraphQL types of viewer personas: persona model versions, personas with their campaign KPIs, a persona
ranked for a campaign.

``Campaign.audience`` and ``Viewer.persona`` (declared in reelboard.graphql.marketing.types with lazy
annotations) return ``PersonaAudienceEntry`` / ``Persona``, resolved straight from the selectors'
results (``selectors.AudienceEntry``, ``Persona`` rows).
Lists that grow (personas, persona models) are connections; the node types scope rows through
``BrandScoped.get_queryset`` like every node type.
"""

from __future__ import annotations

import decimal
import enum

import strawberry
import strawberry_django
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from analytics.personas import models, selectors
from analytics.trained.models import TrainingStatus
from reelboard.graphql.core.enums import choices_enum
from reelboard.graphql.core.permissions import principal_of
from reelboard.graphql.core.types import BrandScoped

PersonaModelStatus = choices_enum(
    TrainingStatus, name="PersonaModelStatus", description="Where a persona model version is in training.",
    values={"QUEUED": "Waiting for a worker.", "TRAINING": "Being trained (poll its job).",
            "READY": "Trained: can be made active.", "FAILED": "Training failed (see error)."})
AudienceBasis = strawberry.enum(
    enum.Enum("AudienceBasis", {"OBSERVED": strawberry.enum_value(
        "observed", description="Enough of the persona's viewers saw the campaign's videos: ranked by their "
                                "engagement and conversion."),
        "PREDICTED": strawberry.enum_value("predicted", description="Too few saw them: ranked by tag affinity only.")}),
    description="What a persona's rank for a campaign rests on.")


@strawberry_django.type(models.PersonaModel, name="PersonaModel",
                        description="One versioned clustering of a brand's viewers into personas; one version per "
                                    "brand is active (the one assignments, KPIs and recommendations use).")
class PersonaModelType(BrandScoped):
    version: strawberry.auto
    status: PersonaModelStatus  # type: ignore[valid-type]
    is_active: strawberry.auto
    k: strawberry.auto = strawberry_django.field(description="Personas after merging clusters below the minimum size.")
    n_viewers: strawberry.auto = strawberry_django.field(description="Viewers clustered in this version.")
    params: JSON = strawberry_django.field(description="Training parameters: k or k range, random_state, SVD size, "
                                                       "window.")
    metrics: JSON = strawberry_django.field(description="silhouette, inertia, sizes, silhouette per candidate k.")
    window_start: strawberry.auto
    window_end: strawberry.auto
    training_seconds: strawberry.auto = strawberry_django.field(description="Wall time of the training, seconds.")
    trained_at: strawberry.auto = strawberry_django.field(description="When training finished; null before.")
    activated_at: strawberry.auto = strawberry_django.field(description="When it was last made active; null if never.")
    error: str = strawberry_django.field(description="Why training failed, in short; empty otherwise.")


@strawberry.type(description="A persona's KPIs in one campaign (analytics.kpis formulas).")
class PersonaCampaignKpis:
    campaign_id: relay.GlobalID
    campaign_name: str
    reach: int
    impressions: int
    views: int
    engagement_rate: decimal.Decimal | None
    clicks: int
    ctr: decimal.Decimal | None
    conversions: int
    cvr: decimal.Decimal | None
    purchases: int
    revenue: decimal.Decimal | None


@strawberry.type(description="A persona's KPIs per campaign of its brand (campaigns with too few of its viewers left out).")
class PersonaKpis:
    campaigns: list[PersonaCampaignKpis]
    suppressed: int = strawberry.field(
        description="Campaigns left out because fewer than PRIVACY_MIN_GROUP_SIZE of the persona's viewers took part.")


@strawberry_django.type(models.Persona, name="Persona",
                        description="A cluster of a brand's viewers with its privacy-safe profile.")
class PersonaType(BrandScoped):
    index: strawberry.auto
    size: strawberry.auto = strawberry_django.field(description="Viewers assigned to it at training time.")
    share: strawberry.auto
    profile: JSON = strawberry_django.field(
        description="top_tags (lift over the population), demographics (shares, dominant), engagement "
                    "(persona vs population), sample_videos. Values held by fewer than PRIVACY_MIN_GROUP_SIZE viewers "
                    "are never included.")

    @strawberry_django.field(description="Generated: who, top tags, distinctive behaviour; in the request's language "
                                         "(Accept-Language), tags and regions as the brand's data has them.",
                             only=["label", "profile"])
    def label(self) -> str:
        return self.display_label

    @strawberry_django.field(description="Version of the persona model this persona belongs to.",
                             select_related=["model"])
    def model_version(self) -> int:
        return self.model.version

    @strawberry_django.field(description="The persona's KPIs in each of the brand's campaigns.")
    def kpis(self, info: Info) -> PersonaKpis:
        result = selectors.persona_campaign_kpis(principal=principal_of(info), persona_id=self.pk)
        rows = result.rows if result else []
        return PersonaKpis(suppressed=result.suppressed if result else 0, campaigns=[
            PersonaCampaignKpis(campaign_id=relay.GlobalID("Campaign", str(r["campaign_id"])),
                                **{k: v for k, v in r.items() if k != "campaign_id"}) for r in rows])


@strawberry.type(name="PersonaAudienceEntry", description="One persona ranked for a campaign.")
class PersonaAudienceEntry:
    viewers: int | None = strawberry.field(description="Persona viewers who interacted with the campaign's videos.")
    views: int | None
    engagement_rate: decimal.Decimal | None
    conversion_rate: decimal.Decimal | None = strawberry.field(
        description="(conversions + purchases) / views of the campaign's videos.")
    observed_score: float | None = strawberry.field(
        description="Mean of engagement- and conversion-rate lifts over the campaign's average.")
    predicted_affinity: float = strawberry.field(
        description="Cosine of the campaign videos' TF-IDF tag profile and the persona's tag affinity, 0..1.")
    is_target: bool

    @strawberry.field
    def persona(self) -> PersonaType:
        return self.persona

    @strawberry.field
    def basis(self) -> AudienceBasis:  # type: ignore[valid-type]
        return AudienceBasis(self.basis)


__all__ = ["PersonaAudienceEntry", "PersonaModelType", "PersonaType"]

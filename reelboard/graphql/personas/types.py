"""GraphQL for viewer personas: list personas and model versions, a persona's campaign KPIs, train
(a pollable job), activate a version, set a campaign's target personas.

``Campaign.audience`` and ``Viewer.persona`` (declared in reelboard.graphql.marketing.types with lazy
annotations) return ``PersonaAudienceEntry`` / ``Persona``, resolved straight from the selectors'
results (``selectors.AudienceEntry``, ``Persona`` rows). Resolvers decode ids and call one selector or service.
Lists that grow (personas, persona models) are connections; the node types scope rows through
``BrandScoped.get_queryset`` like every node type.
"""

from __future__ import annotations

import decimal
import enum
from typing import Annotated

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from analytics.personas import models, selectors, services
from marketing.models import Brand
from reelboard.graphql.core import ids
from reelboard.graphql.core.errors import UserError, decode_id, decode_ids, run_service
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.jobs.types import JobType, job_from
from reelboard.graphql.marketing.enums import choices_enum
from reelboard.graphql.marketing.types import BrandScoped, Connection

PersonaModelStatus = choices_enum(
    models.PersonaModelStatus, name="PersonaModelStatus", description="Where a persona model version is in training.",
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
        description="Campaigns left out because fewer than PERSONA_MIN_SIZE of the persona's viewers took part.")


@strawberry_django.type(models.Persona, name="Persona",
                        description="A cluster of a brand's viewers with its privacy-safe profile.")
class PersonaType(BrandScoped):
    index: strawberry.auto
    size: strawberry.auto = strawberry_django.field(description="Viewers assigned to it at training time.")
    share: strawberry.auto
    profile: JSON = strawberry_django.field(
        description="top_tags (lift over the population), demographics (shares, dominant), engagement "
                    "(persona vs population), sample_videos. Values held by fewer than PERSONA_MIN_SIZE viewers "
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


def _brand_id(info: Info, brand: str) -> int:
    """A brand the caller may see (a missing one and another brand's: NOT_FOUND)."""
    return ids.visible(Brand.objects, brand, expected="Brand", field="brand", principal=principal_of(info)).pk


@strawberry.type
class Query:
    @strawberry_django.connection(
        Connection[PersonaType], extensions=authenticated(),
        description="Personas of a brand's active model (or of a given ready version), largest first.")
    def personas(self, info: Info, brand: strawberry.ID, version: Annotated[int | None, strawberry.argument(
            description="A ready version of the brand's persona models; default: the active one. A version that "
                        "does not exist or is not ready answers NOT_FOUND.")] = None) -> QuerySet[models.Persona]:
        return selectors.personas_for_brand(principal=principal_of(info), brand_id=_brand_id(info, brand),
                                            version=version)

    @strawberry.field(extensions=authenticated(), description="One persona, with its KPIs across campaigns.")
    def persona(self, info: Info, id: strawberry.ID) -> PersonaType:
        persona = selectors.persona_get(principal=principal_of(info),
                                        persona_id=decode_id(id, expected="Persona", field="id"))
        if persona is None:
            raise ids.not_found("id", "Persona")
        return persona

    @strawberry_django.connection(Connection[PersonaModelType], extensions=authenticated(),
                                  description="Persona model versions of a brand, newest first.")
    def persona_models(self, info: Info, brand: strawberry.ID) -> QuerySet[models.PersonaModel]:
        return selectors.persona_models(principal=principal_of(info), brand_id=_brand_id(info, brand))


@strawberry.input
class TrainPersonasInput:
    brand_id: strawberry.ID
    k: int | None = strawberry.field(default=None, description="Fixed number of personas; empty: choose k.")
    k_min: int = strawberry.field(default=2, description="Smallest k tried when choosing automatically.")
    k_max: int = strawberry.field(default=10, description="Largest k tried when choosing automatically.")
    window_days: int | None = strawberry.field(default=services.DEFAULT_WINDOW_DAYS,
                                               description="Interactions of the last N days; empty: all.")
    svd_components: int | None = strawberry.field(default=32, description="TruncatedSVD size of the tag block.")
    random_state: int = 0
    activate: bool = strawberry.field(default=False, description="Make the new version active when ready.")


@strawberry.type
class TrainPersonasPayload:
    job: JobType | None = None
    errors: list[UserError]


@strawberry.type
class ActivatePersonaModelPayload:
    model: PersonaModelType | None = None
    errors: list[UserError]


@strawberry.input
class SetCampaignTargetPersonasInput:
    campaign_id: strawberry.ID
    persona_ids: list[strawberry.ID] = strawberry.field(description="Replaces the current targets; [] clears.")


@strawberry.type
class SetCampaignTargetPersonasPayload:
    target_personas: list[PersonaType] | None = None
    errors: list[UserError]


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=authenticated(),
                         description="Train a new persona model version (editors); poll job(id) for progress.")
    def train_personas(self, info: Info, input: TrainPersonasInput) -> TrainPersonasPayload:
        def call():
            job = services.persona_training_start(
                principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brand_id"),
                k=input.k, k_min=input.k_min, k_max=input.k_max, window_days=input.window_days,
                svd_components=input.svd_components, random_state=input.random_state, activate=input.activate)
            return TrainPersonasPayload(job=job_from(job), errors=[])

        return run_service(TrainPersonasPayload, None, call, aliases={"k_range": "kMin"})

    @strawberry.mutation(extensions=authenticated(), description="Make a ready persona model its brand's active one.")
    def activate_persona_model(self, info: Info, id: strawberry.ID) -> ActivatePersonaModelPayload:
        def call():
            model = services.persona_model_activate(
                principal=principal_of(info), persona_model_id=decode_id(id, expected="PersonaModel", field="id"))
            return ActivatePersonaModelPayload(model=model, errors=[])

        return run_service(ActivatePersonaModelPayload, None, call, aliases={"persona_model_id": "id"})

    @strawberry.mutation(extensions=authenticated(),
                         description="Set the personas a campaign targets (editors), e.g. picked from its audience.")
    def set_campaign_target_personas(self, info: Info,
                                     input: SetCampaignTargetPersonasInput) -> SetCampaignTargetPersonasPayload:
        def call():
            targets = services.campaign_target_personas_set(
                principal=principal_of(info),
                campaign_id=decode_id(input.campaign_id, expected="Campaign", field="campaign_id"),
                persona_ids=decode_ids(input.persona_ids, expected="Persona", field="persona_ids"))
            return SetCampaignTargetPersonasPayload(target_personas=[t.persona for t in targets], errors=[])

        return run_service(SetCampaignTargetPersonasPayload, None, call)


__all__ = ["Mutation", "PersonaAudienceEntry", "PersonaType", "Query"]

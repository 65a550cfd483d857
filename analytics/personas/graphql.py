"""GraphQL for viewer personas: list personas and model versions, a persona's campaign KPIs, train
(a pollable job), activate a version, set a campaign's target personas.

``Campaign.audience`` and ``Viewer.persona`` (declared in marketing.graphql.types with lazy
annotations) return ``PersonaAudienceEntry`` / ``Persona``, resolved straight from the selectors'
results (``selectors.AudienceEntry``, ``Persona`` rows). Resolvers decode ids and call one selector or service.
"""

from __future__ import annotations

import datetime
import decimal
import enum

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from analytics.personas import selectors, services
from analytics.personas.models import PersonaModel
from marketing.graphql import ids
from marketing.graphql.errors import UserError, decode_id, decode_ids, run_service
from marketing.graphql.permissions import authenticated, principal_of
from marketing.jobs.graphql import JobType, job_from
from marketing.models import Brand

PersonaModelStatus = strawberry.enum(
    enum.Enum("PersonaModelStatus", {"QUEUED": "queued", "TRAINING": "training", "READY": "ready",
                                     "FAILED": "failed"}))
AudienceBasis = strawberry.enum(
    enum.Enum("AudienceBasis", {"OBSERVED": "observed", "PREDICTED": "predicted"}),
    description="OBSERVED: enough of the persona's viewers saw the campaign's videos; PREDICTED: tag affinity only.")


@strawberry.type(name="PersonaModel", description="One versioned clustering of a brand's viewers.")
class PersonaModelType:
    id: relay.GlobalID
    version: int
    status: PersonaModelStatus  # type: ignore[valid-type]
    is_active: bool
    k: int | None = strawberry.field(description="Personas after merging clusters below the minimum size.")
    n_viewers: int
    params: JSON
    metrics: JSON = strawberry.field(description="silhouette, inertia, sizes, silhouette per candidate k.")
    window_start: datetime.datetime | None
    window_end: datetime.datetime | None
    training_seconds: float | None
    trained_at: datetime.datetime | None
    activated_at: datetime.datetime | None
    error: str

    @classmethod
    def from_model(cls, m: PersonaModel) -> PersonaModelType:
        return cls(id=relay.GlobalID("PersonaModel", str(m.pk)), version=m.version,
                   status=PersonaModelStatus(m.status), is_active=m.is_active, k=m.k, n_viewers=m.n_viewers,
                   params=m.params, metrics=m.metrics, window_start=m.window_start, window_end=m.window_end,
                   training_seconds=m.training_seconds, trained_at=m.trained_at, activated_at=m.activated_at,
                   error=m.error)


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


@strawberry.type
class PersonaKpis:
    campaigns: list[PersonaCampaignKpis]
    suppressed: int = strawberry.field(
        description="Campaigns left out because fewer than PERSONA_MIN_SIZE of the persona's viewers took part.")


@strawberry.type(name="Persona", description="A cluster of viewers with its privacy-safe profile (resolved from the model row).")
class PersonaType:
    index: int
    size: int
    share: float = strawberry.field(description="size / viewers in the model, 0 to 1.")
    profile: JSON = strawberry.field(
        description="top_tags (lift over the population), demographics (shares, dominant), engagement "
                    "(persona vs population), sample_videos. Values held by fewer than PERSONA_MIN_SIZE viewers "
                    "are never included.")

    @strawberry.field
    def id(self) -> relay.GlobalID:
        return relay.GlobalID("Persona", str(self.pk))

    @strawberry.field(description="Generated: who, top tags, distinctive behaviour; in the request's language "
                                  "(Accept-Language), tags and regions as the brand's data has them.")
    def label(self) -> str:
        return self.display_label

    @strawberry.field(description="Version of the persona model this persona belongs to.")
    def model_version(self) -> int:
        return self.model.version

    @strawberry.field(description="The persona's KPIs in each of the brand's campaigns.")
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
    @strawberry.field(extensions=authenticated(),
                      description="Personas of a brand's active model (or of a given ready version), largest first.")
    def personas(self, info: Info, brand: strawberry.ID, version: int | None = None) -> list[PersonaType]:
        brand_id = _brand_id(info, brand)
        return list(selectors.personas_for_brand(principal=principal_of(info), brand_id=brand_id, version=version)
                    .select_related("model"))

    @strawberry.field(extensions=authenticated(), description="One persona, with its KPIs across campaigns.")
    def persona(self, info: Info, id: strawberry.ID) -> PersonaType | None:
        persona = selectors.persona_get(principal=principal_of(info),
                                        persona_id=decode_id(id, expected="Persona", field="id"))
        if persona is None:
            raise ids.not_found("id", "Persona")
        return persona

    @strawberry.field(extensions=authenticated(), description="Persona model versions of a brand, newest first.")
    def persona_models(self, info: Info, brand: strawberry.ID) -> list[PersonaModelType]:
        models = selectors.persona_models(principal=principal_of(info), brand_id=_brand_id(info, brand))
        models = models.order_by("-version")
        return [PersonaModelType.from_model(m) for m in models[:100]]


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
            return ActivatePersonaModelPayload(model=PersonaModelType.from_model(model), errors=[])

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

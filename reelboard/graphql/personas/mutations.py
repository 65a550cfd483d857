"""trainPersonas (a pollable job), activatePersonaModel, setCampaignTargetPersonas; each resolver decodes ids
and calls one service."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from analytics.personas import services
from reelboard.graphql.core.errors import UserError, decode_id, decode_ids, run_service
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.jobs.types import JobType, job_from
from reelboard.graphql.personas.types import PersonaModelType, PersonaType


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

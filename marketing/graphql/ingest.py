"""``ingestInteractions``: batch ingest of interaction events (bearer token of an editor, normally)."""

from __future__ import annotations

import datetime
import decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from marketing.graphql import enums
from marketing.graphql.errors import UserError, UserErrorCode, decode_id, graphql_field_name, run_service
from marketing.graphql.permissions import authenticated, principal_of
from marketing.ingestion.services import ingest_events


@strawberry.input(description="One interaction, in the reelboard format (see README: ingestion).")
class InteractionEventInput:
    event_id: str | None = strawberry.field(default=None, description="Unique per brand; derived when omitted.")
    platform: str
    viewer_id: str = strawberry.field(description="The platform's user id; pseudonymised on arrival.")
    video_external_id: str
    campaign_id: relay.GlobalID | None = None
    kind: enums.InteractionKind  # type: ignore[valid-type]
    watch_ms: int | None = None
    value: decimal.Decimal | None = None
    currency: str | None = None
    occurred_at: datetime.datetime


@strawberry.type
class EventError:
    index: int = strawberry.field(description="Position of the event in the batch (0-based).")
    field: str
    code: UserErrorCode  # type: ignore[valid-type]
    message: str


@strawberry.type
class IngestInteractionsPayload:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    event_errors: list[EventError] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


def _as_dict(event: InteractionEventInput) -> dict:
    campaign = decode_id(event.campaign_id, expected="Campaign", field="campaign_id") if event.campaign_id else None
    return {
        "event_id": event.event_id, "platform": event.platform, "viewer_id": event.viewer_id,
        "video_external_id": event.video_external_id, "campaign_id": campaign,
        "kind": getattr(event.kind, "value", event.kind), "watch_ms": event.watch_ms,
        "value": event.value, "currency": event.currency, "occurred_at": event.occurred_at,
    }


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=authenticated(), description=(
        "Store up to INGEST_MAX_EVENTS events for one brand: all are validated, the valid ones are written "
        "atomically, duplicates (known event ids) are counted and skipped, invalid ones are reported."))
    def ingest_interactions(self, info: Info, brand_id: relay.GlobalID,
                            events: list[InteractionEventInput]) -> IngestInteractionsPayload:
        def call():
            result = ingest_events(principal=principal_of(info),
                                   brand_id=decode_id(brand_id, expected="Brand", field="brand"),
                                   events=[_as_dict(e) for e in events])
            return IngestInteractionsPayload(
                accepted=result.accepted, duplicates=result.duplicates, rejected=result.rejected,
                event_errors=[EventError(index=e.index, field=graphql_field_name(e.field), message=e.message,
                                         code=UserErrorCode(str(e.code))) for e in result.errors])

        return run_service(IngestInteractionsPayload, None, call)

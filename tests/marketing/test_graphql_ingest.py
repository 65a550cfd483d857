"""ingestInteractions through /graphql: counts, per-event errors, idempotency, brand scoping."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketing.models import Interaction, Role, Viewer, pseudonymise_viewer_id
from tests.factories import BrandFactory, CampaignFactory, VideoFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok

MUTATION = """mutation($b: ID!, $events: [InteractionEventInput!]!) {
  ingestInteractions(brandId: $b, events: $events) {
    accepted duplicates rejected eventErrors { index field code message } errors { field code }
  } }"""


@pytest.fixture
def setup(db):
    brand = BrandFactory()
    video = VideoFactory(brand=brand, external_id="vid-1", duration_ms=20_000)
    campaign = CampaignFactory(brand=brand)
    _, token = make_token(brand=brand, role=Role.EDITOR)
    return brand, video, campaign, token


def event(i, **over):
    base = {"eventId": f"e{i}", "platform": "douyin", "viewerId": f"raw-user-{i % 3}", "videoExternalId": "vid-1",
            "kind": "VIEW", "watchMs": 1000 * i, "occurredAt": "2026-10-01T12:00:00+08:00"}
    return base | over


def test_valid_events_are_stored_and_invalid_ones_reported(setup):
    brand, _, campaign, token = setup
    events = [event(i, campaignId=gid(campaign)) for i in range(1, 5)]
    events.append(event(5, kind="LIKE", watchMs=10))  # watch time only on views
    events.append(event(6, videoExternalId="nope"))
    data = ok(gql(MUTATION, {"b": gid(brand), "events": events}, token=token))["ingestInteractions"]
    assert (data["accepted"], data["duplicates"], data["rejected"]) == (4, 0, 2)
    assert {(e["index"], e["field"]) for e in data["eventErrors"]} == {(4, "watchMs"), (5, "videoExternalId")}
    assert Interaction.objects.filter(brand=brand).count() == 4
    assert sorted(Interaction.objects.values_list("watch_ms", flat=True)) == [1000, 2000, 3000, 4000]
    assert Viewer.objects.filter(brand=brand).count() == 3


def test_delivering_a_batch_twice_counts_duplicates(setup):
    brand, _, _, token = setup
    events = [event(i) for i in range(1, 4)]
    ok(gql(MUTATION, {"b": gid(brand), "events": events}, token=token))
    again = ok(gql(MUTATION, {"b": gid(brand), "events": events}, token=token))["ingestInteractions"]
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 3, 0)
    assert Interaction.objects.count() == 3


def test_raw_viewer_ids_are_never_stored(setup):
    brand, _, _, token = setup
    ok(gql(MUTATION, {"b": gid(brand), "events": [event(1)]}, token=token))
    assert not Viewer.objects.filter(viewer_key__contains="raw-user").exists()


def test_other_brand_and_viewer_role_cannot_ingest(setup):
    brand, _, _, _ = setup
    _, viewer_token = make_token(brand=brand, role=Role.VIEWER)
    _, stranger = make_token(brand=BrandFactory(), role=Role.ADMIN)
    for token, code in ((viewer_token, "PERMISSION_DENIED"), (stranger, "NOT_FOUND")):
        data = ok(gql(MUTATION, {"b": gid(brand), "events": [event(1)]}, token=token))["ingestInteractions"]
        assert data["errors"][0]["code"] == code and data["accepted"] == 0
    assert Interaction.objects.count() == 0


def test_batch_over_the_limit_is_refused_whole(setup, settings):
    brand, _, _, token = setup
    settings.INGEST_MAX_EVENTS = 2
    data = ok(gql(MUTATION, {"b": gid(brand), "events": [event(i) for i in range(3)]}, token=token))
    assert data["ingestInteractions"]["errors"] == [{"field": "events", "code": "LIMIT_EXCEEDED"}]
    assert Interaction.objects.count() == 0


def test_a_bad_campaign_id_rejects_only_its_event(setup):
    brand, video, campaign, token = setup
    events = [event(1, campaignId=gid(campaign)), event(2, campaignId=gid(video)), event(3, campaignId="%%%"),
              event(4)]
    data = ok(gql(MUTATION, {"b": gid(brand), "events": events}, token=token))["ingestInteractions"]
    assert (data["accepted"], data["duplicates"], data["rejected"], data["errors"]) == (2, 0, 2, [])
    assert data["eventErrors"] == [
        {"index": 1, "field": "campaignId", "code": "INVALID", "message": "Expected a Campaign id, got a Video id."},
        {"index": 2, "field": "campaignId", "code": "INVALID", "message": "Not an id: pass an id returned by this API."},
    ]
    assert dict(Interaction.objects.values_list("event_id", "campaign_id")) == {"e1": campaign.pk, "e4": None}


def test_every_field_of_an_event_reaches_the_database(setup):
    brand, _, campaign, token = setup
    purchase = event(1, kind="PURCHASE", watchMs=None, value="19.90", currency="cny", campaignId=gid(campaign),
                     occurredAt="2026-10-01T12:00:00+08:00")
    derived = event(2, kind="VIEW", watchMs=1500)
    del derived["eventId"]
    data = ok(gql(MUTATION, {"b": gid(brand), "events": [purchase, derived]}, token=token))["ingestInteractions"]
    assert (data["accepted"], data["rejected"]) == (2, 0)
    stored = Interaction.objects.get(event_id="e1")
    assert (stored.kind, stored.watch_ms, stored.value, stored.currency, stored.campaign_id, stored.occurred_at) == (
        "purchase", None, Decimal("19.90"), "CNY", campaign.pk, datetime(2026, 10, 1, 4, tzinfo=UTC))
    view = Interaction.objects.exclude(event_id="e1").get()
    key = pseudonymise_viewer_id(brand_id=brand.pk, platform_code="douyin", raw_id="raw-user-2")
    text = f"reelboard|douyin|{key}|vid-1||view|1500|||2026-10-01T04:00:00+00:00"
    assert (view.event_id, view.watch_ms) == (hashlib.sha256(text.encode()).hexdigest()[:32], 1500)


def test_events_written_inline_in_the_document_are_coerced_too(setup):
    brand, _, campaign, token = setup
    event = (f'{{eventId: "i1", platform: "douyin", viewerId: "u1", videoExternalId: "vid-1", kind: PURCHASE, '
             f'value: "5.50", currency: "CNY", campaignId: "{gid(campaign)}", occurredAt: "2026-10-01T00:00:00Z"}}')
    query = (f'mutation {{ ingestInteractions(brandId: "{gid(brand)}", events: [{event}]) '
             "{ accepted rejected eventErrors { index } } }")
    data = ok(gql(query, token=token))["ingestInteractions"]
    assert (data["accepted"], data["rejected"], data["eventErrors"]) == (1, 0, [])
    stored = Interaction.objects.get(event_id="i1")
    assert (stored.value, stored.campaign_id, stored.occurred_at) == (
        Decimal("5.50"), campaign.pk, datetime(2026, 10, 1, tzinfo=UTC))


def test_a_full_batch_of_the_default_limit_passes_every_api_limit(setup, settings):
    brand, _, _, token = setup
    assert settings.INGEST_MAX_EVENTS == 5000  # the documented default
    events = [event(i) for i in range(5000)]
    data = ok(gql(MUTATION, {"b": gid(brand), "events": events}, token=token))["ingestInteractions"]
    assert (data["accepted"], data["duplicates"], data["rejected"], data["errors"]) == (5000, 0, 0, [])
    assert Interaction.objects.filter(brand=brand).count() == 5000


def test_a_purchase_in_another_currency_is_a_typed_event_error(setup):
    brand, _, _, token = setup
    events = [event(1, kind="PURCHASE", watchMs=None, value="9.99", currency="USD"),
              event(2, kind="PURCHASE", watchMs=None, value="9.99")]
    data = ok(gql(MUTATION, {"b": gid(brand), "events": events}, token=token))["ingestInteractions"]
    assert (data["accepted"], data["rejected"]) == (1, 1)
    assert data["eventErrors"] == [{"index": 0, "field": "currency", "code": "CURRENCY_MISMATCH",
                                    "message": "The value is in USD, but this brand's currency is CNY: "
                                               "convert it before ingest."}]
    assert list(Interaction.objects.values_list("event_id", "currency")) == [("e2", "CNY")]

"""ingestInteractions through /graphql: counts, per-event errors, idempotency, brand scoping."""

import pytest

from marketing.models import Interaction, Role, Viewer
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

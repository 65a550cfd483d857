"""The operations of the load suite, shared by ``locustfile.py`` (the load) and ``load_graphql.py`` (the
one-client service times): GraphQL texts, the ids they need and the variables of one request of each.

Not a benchmark itself.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

CAMPAIGN_KPIS = """query($c: ID!, $from: Date!, $to: Date!) { campaignKpis(campaign: $c, dateFrom: $from, dateTo: $to) {
  totals { kpi value } series(granularity: DAY, kpis: [VIEWS, REACH, SPEND]) { key values { kpi value } }
  breakdown(by: VIDEO, kpis: [VIEWS, COMPLETION_RATE]) { groups { key values { kpi value } } } } }"""
BRAND_OVERVIEW = """query($b: ID!, $from: Date!, $to: Date!) { brandOverview(brand: $b, dateFrom: $from, dateTo: $to) {
  totals { kpi value } campaigns { campaignId name status values { kpi value } } } }"""
RECOMMENDATIONS = """query($v: ID!) { recommendations(viewer: $v, first: 10) { videoId title score reasons } }"""
SIMILAR = """query($v: ID!) { similarVideos(video: $v, first: 10) { videoId title score } }"""
INGEST = """mutation($b: ID!, $events: [InteractionEventInput!]!) { ingestInteractions(brandId: $b, events: $events) {
  accepted duplicates rejected eventErrors { index field code message } errors { field code message } } }"""
IDS_QUERY = """{ campaigns(first: 20) { edges { node { id } } }
  viewers(first: 100) { edges { node { id } } }
  videos(first: 100, filters: {moderationStatus: APPROVED}) { edges { node { id externalId platform { code } } } } }"""

READS = ("campaignKpis", "brandOverview", "recommendations", "similarVideos")
INGEST_NAME = "ingestInteractions"


def ids_from(data: dict) -> dict[str, list]:
    """The ids the operations pick from, out of the answer to ``IDS_QUERY``."""
    ids = {
        "campaigns": [e["node"]["id"] for e in data["campaigns"]["edges"]],
        "viewers": [e["node"]["id"] for e in data["viewers"]["edges"]],
        "videos": [(e["node"]["id"], e["node"]["externalId"], e["node"]["platform"]["code"])
                   for e in data["videos"]["edges"]],
    }
    if not all(ids.values()):
        raise RuntimeError(f"the brand has no campaigns, viewers or approved videos: {ids}")
    return ids


def period() -> dict:
    days = random.choice([7, 14, 30])
    today = date.today()
    return {"from": (today - timedelta(days=days)).isoformat(), "to": today.isoformat()}


def ingest_events(ids: dict[str, list], size: int) -> list[dict]:
    """One connector batch: ``size`` new events (unique event ids) on the brand's approved videos."""
    now = datetime.now(UTC)
    batch = []
    for _ in range(size):
        _gid, external_id, platform = random.choice(ids["videos"])
        kind = random.choice(["IMPRESSION", "VIEW", "LIKE", "CLICK"])
        batch.append({
            "eventId": f"load-{uuid.uuid4().hex}", "platform": platform,
            "viewerId": f"load-viewer-{random.randrange(5000)}", "videoExternalId": external_id,
            "kind": kind, "watchMs": random.randrange(500, 15000) if kind == "VIEW" else None,
            "occurredAt": (now - timedelta(seconds=random.randrange(3600))).isoformat(),
        })
    return batch


def request(name: str, ids: dict[str, list], *, brand: str, batch: int) -> tuple[str, dict]:
    """The query text and variables of one request of operation ``name``."""
    if name == "campaignKpis":
        return CAMPAIGN_KPIS, {"c": random.choice(ids["campaigns"]), **period()}
    if name == "brandOverview":
        return BRAND_OVERVIEW, {"b": brand, **period()}
    if name == "recommendations":
        return RECOMMENDATIONS, {"v": random.choice(ids["viewers"])}
    if name == "similarVideos":
        return SIMILAR, {"v": random.choice(ids["videos"])[0]}
    if name == INGEST_NAME:
        return INGEST, {"b": brand, "events": ingest_events(ids, batch)}
    raise ValueError(f"unknown operation {name!r}")

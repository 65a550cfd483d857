"""Locust scenario for ``load_graphql.py``: marketing tools reading KPIs and recommendations and a
platform connector sending ingest batches, all through ``POST /graphql`` with a bearer token.

Environment: ``RB_TOKEN`` (an editor token of one brand), ``RB_BRAND`` (that brand's global id),
``RB_INGEST_BATCH`` (events per ingest batch, default 50). The ids the queries need (campaigns, viewers,
videos) are read once through the API when the test starts.

Weights per user: campaign KPIs 4, brand overview 2, recommendations 4, similar videos 2, ingest 2.
Each request is named by its operation, so locust reports p50/p95/p99 per operation; an answer with
GraphQL ``errors`` (or a payload with typed errors) counts as a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import requests
from locust import HttpUser, between, events, task

TOKEN = os.environ.get("RB_TOKEN", "")
BRAND = os.environ.get("RB_BRAND", "")
BATCH = int(os.environ.get("RB_INGEST_BATCH", "50"))
IDS: dict[str, list] = {}
INGESTED = {"batches": 0, "accepted": 0, "duplicates": 0}  # answered ingest batches, for the stored-once check
TODAY = date.today()
_counter = itertools.count()

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


def _post(url: str, query: str, variables: dict | None = None) -> dict:
    response = requests.post(url, json={"query": query, "variables": variables or {}},
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"id query failed: {body['errors']}")
    return body["data"]


@events.test_start.add_listener
def load_ids(environment, **_kwargs):
    data = _post(f"{environment.host}/graphql", IDS_QUERY)
    IDS["campaigns"] = [e["node"]["id"] for e in data["campaigns"]["edges"]]
    IDS["viewers"] = [e["node"]["id"] for e in data["viewers"]["edges"]]
    IDS["videos"] = [(e["node"]["id"], e["node"]["externalId"], e["node"]["platform"]["code"])
                     for e in data["videos"]["edges"]]
    if not (IDS["campaigns"] and IDS["viewers"] and IDS["videos"]):
        raise RuntimeError(f"the brand has no campaigns, viewers or approved videos: {IDS}")


@events.quitting.add_listener
def write_ingested(environment, **_kwargs):
    if os.environ.get("RB_RESULT_FILE"):
        with open(os.environ["RB_RESULT_FILE"], "w") as handle:
            json.dump(INGESTED, handle)


class MarketingClient(HttpUser):
    wait_time = between(0.05, 0.3)

    def graphql(self, name: str, query: str, variables: dict, payload: str | None = None) -> None:
        with self.client.post("/graphql", name=name, catch_response=True,
                              data=json.dumps({"query": query, "variables": variables}),
                              headers={"Authorization": f"Bearer {TOKEN}",
                                       "Content-Type": "application/json"}) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return
            body = response.json()
            if body.get("errors"):
                response.failure(f"GraphQL errors: {json.dumps(body['errors'])[:300]}")
            elif payload and body["data"][payload].get("errors"):
                response.failure(f"payload errors: {body['data'][payload]['errors']}")
            elif payload and body["data"][payload].get("rejected"):
                response.failure(f"rejected events: {body['data'][payload]['eventErrors'][:3]}")
            if payload and body.get("data") and body["data"].get(payload):
                INGESTED["batches"] += 1
                INGESTED["accepted"] += body["data"][payload]["accepted"] or 0
                INGESTED["duplicates"] += body["data"][payload]["duplicates"] or 0

    def period(self) -> dict:
        days = random.choice([7, 14, 30])
        return {"from": (TODAY - timedelta(days=days)).isoformat(), "to": TODAY.isoformat()}

    @task(4)
    def campaign_kpis(self):
        self.graphql("campaignKpis", CAMPAIGN_KPIS, {"c": random.choice(IDS["campaigns"]), **self.period()})

    @task(2)
    def brand_overview(self):
        self.graphql("brandOverview", BRAND_OVERVIEW, {"b": BRAND, **self.period()})

    @task(4)
    def recommendations(self):
        self.graphql("recommendations", RECOMMENDATIONS, {"v": random.choice(IDS["viewers"])})

    @task(2)
    def similar_videos(self):
        self.graphql("similarVideos", SIMILAR, {"v": random.choice(IDS["videos"])[0]})

    @task(2)
    def ingest(self):
        now = datetime.now(UTC)
        batch = []
        for _ in range(BATCH):
            _gid, external_id, platform = random.choice(IDS["videos"])
            kind = random.choice(["IMPRESSION", "VIEW", "LIKE", "CLICK"])
            batch.append({
                "eventId": f"load-{uuid.uuid4().hex}", "platform": platform,
                "viewerId": f"load-viewer-{random.randrange(5000)}", "videoExternalId": external_id,
                "kind": kind, "watchMs": random.randrange(500, 15000) if kind == "VIEW" else None,
                "occurredAt": (now - timedelta(seconds=random.randrange(3600))).isoformat(),
            })
        self.graphql("ingestInteractions", INGEST, {"b": BRAND, "events": batch}, payload="ingestInteractions")

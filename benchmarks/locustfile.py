"""Locust scenario for ``load_graphql.py``: marketing tools reading KPIs and recommendations and a
platform connector sending ingest batches, all through ``POST /graphql`` with a bearer token.

Environment: ``RB_TOKEN`` (an editor token of one brand), ``RB_BRAND`` (that brand's global id),
``RB_INGEST_BATCH`` (events per ingest batch, default 50), ``RB_THINK`` (seconds each user waits between
two requests, uniformly in ``low-high``; default ``1-3``, see docs/architecture/reliability.md), ``RB_RUN`` (a label for the
request ids, default ``load``). The ids the queries need
(campaigns, viewers, videos) are read once through the API when the test starts.

Weights per user: campaign KPIs 4, brand overview 2, recommendations 4, similar videos 2, ingest 2.
Each request is named by its operation, so locust reports p50/p95/p99 per operation; an answer with
GraphQL ``errors`` (or a payload with typed errors) counts as a failure. Each request carries
``X-Request-ID: <run>-<operation>-<n>``, which the server's access log records.
"""

from __future__ import annotations

import itertools
import json
import os
import time

import requests
from load_operations import IDS_QUERY, INGEST_NAME, ids_from, request
from locust import HttpUser, between, events, task

TOKEN = os.environ.get("RB_TOKEN", "")
BRAND = os.environ.get("RB_BRAND", "")
BATCH = int(os.environ.get("RB_INGEST_BATCH", "50"))
THINK = tuple(float(s) for s in os.environ.get("RB_THINK", "1-3").split("-"))
RUN = os.environ.get("RB_RUN", "load")
IDS: dict[str, list] = {}
INGESTED = {"batches": 0, "accepted": 0, "duplicates": 0}  # answered ingest batches, for the stored-once check
_counter = itertools.count()


@events.test_start.add_listener
def load_ids(environment, **_kwargs):
    response = requests.post(f"{environment.host}/graphql", json={"query": IDS_QUERY},
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"id query failed: {body['errors']}")
    IDS.update(ids_from(body["data"]))


@events.quitting.add_listener
def write_ingested(environment, **_kwargs):
    if os.environ.get("RB_RESULT_FILE"):
        with open(os.environ["RB_RESULT_FILE"], "w") as handle:
            json.dump(INGESTED, handle)


class MarketingClient(HttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        # Users arrive at random moments, as if mid-session, instead of all sending at the same instant.
        time.sleep(self.wait_time())

    def graphql(self, name: str, payload: str | None = None) -> None:
        query, variables = request(name, IDS, brand=BRAND, batch=BATCH)
        with self.client.post("/graphql", name=name, catch_response=True,
                              data=json.dumps({"query": query, "variables": variables}),
                              headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json",
                                       "X-Request-ID": f"{RUN}-{name}-{next(_counter)}"}) as response:
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

    @task(4)
    def campaign_kpis(self):
        self.graphql("campaignKpis")

    @task(2)
    def brand_overview(self):
        self.graphql("brandOverview")

    @task(4)
    def recommendations(self):
        self.graphql("recommendations")

    @task(2)
    def similar_videos(self):
        self.graphql("similarVideos")

    @task(2)
    def ingest(self):
        self.graphql(INGEST_NAME, payload=INGEST_NAME)

"""A small typed Reelboard client on gql (https://github.com/graphql-python/gql).

It authenticates with an API token, pages through campaigns, reads their KPIs and ingests a batch of
interactions, waiting and retrying when the API answers RATE_LIMITED. Copy it as a starting point:

    .venv/bin/python examples/reelboard_client.py --url http://127.0.0.1:8000/graphql --token TOKEN \
        --date-from 2026-11-01 --date-to 2026-11-22

(`make run` prints a demo token.) ``tests/examples/test_reelboard_client.py`` runs it against a live
test server in CI.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

CAMPAIGNS = gql("""
query Campaigns($first: Int!, $after: String) {
  campaigns(first: $first, after: $after, ordering: [{name: ASC}]) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name status brand { id } } }
  }
}""")

CAMPAIGN_KPIS = gql("""
query CampaignKpis($campaign: ID!, $from: Date!, $to: Date!, $kpis: [KpiName!]) {
  campaignKpis(campaign: $campaign, dateFrom: $from, dateTo: $to) { totals(kpis: $kpis) { kpi value } }
}""")

INGEST = gql("""
mutation Ingest($brand: ID!, $events: [InteractionEventInput!]!) {
  ingestInteractions(brandId: $brand, events: $events) {
    accepted duplicates rejected
    eventErrors { index field code message }
    errors { field code message }
  }
}""")


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    status: str
    brand_id: str


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    rejected: int
    event_errors: list[dict]
    errors: list[dict]
    attempts: int


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"rate limited: retry after {retry_after} s")
        self.retry_after = retry_after


def connect(url: str, token: str, *, timeout: int = 30) -> Client:
    """A gql client that sends the token as ``Authorization: Bearer``."""
    transport = RequestsHTTPTransport(url=url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout,
                                      retries=0)
    return Client(transport=transport, fetch_schema_from_transport=False)


def _execute(client: Client, document: GraphQLRequest, variables: dict) -> dict:
    """Run one operation; turn the API's RATE_LIMITED answer (HTTP 429) into :class:`RateLimited`."""
    try:
        return client.execute(GraphQLRequest(document, variable_values=variables))
    except TransportQueryError as error:
        for item in error.errors or []:
            extensions = item.get("extensions") or {}
            if extensions.get("code") == "RATE_LIMITED":
                raise RateLimited(int(extensions.get("retryAfter", 1))) from error
        raise


def iter_campaigns(client: Client, *, page_size: int = 50) -> Iterator[Campaign]:
    """Every campaign the token can read, by name, one page of ``page_size`` at a time."""
    after = None
    while True:
        page = _execute(client, CAMPAIGNS, {"first": page_size, "after": after})["campaigns"]
        for edge in page["edges"]:
            node = edge["node"]
            yield Campaign(id=node["id"], name=node["name"], status=node["status"], brand_id=node["brand"]["id"])
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def campaign_kpis(client: Client, campaign_id: str, *, date_from: str, date_to: str,
                  kpis: list[str] | None = None) -> dict[str, Decimal | None]:
    """KPI totals of one campaign over inclusive brand days; a KPI that is not defined is ``None``."""
    totals = _execute(client, CAMPAIGN_KPIS, {"campaign": campaign_id, "from": date_from, "to": date_to,
                                              "kpis": kpis})["campaignKpis"]["totals"]
    return {row["kpi"]: None if row["value"] is None else Decimal(row["value"]) for row in totals}


def ingest(client: Client, brand_id: str, events: list[dict], *, max_attempts: int = 5,
           sleep: Callable[[float], None] = time.sleep) -> IngestResult:
    """Send one batch (at most INGEST_MAX_EVENTS events). On RATE_LIMITED, wait ``retryAfter`` seconds and send
    the same batch again: safe, because events already stored come back as duplicates."""
    for attempt in range(1, max_attempts + 1):
        try:
            answer = _execute(client, INGEST, {"brand": brand_id, "events": events})["ingestInteractions"]
        except RateLimited as limited:
            if attempt == max_attempts:
                raise
            sleep(limited.retry_after)
            continue
        return IngestResult(accepted=answer["accepted"], duplicates=answer["duplicates"],
                            rejected=answer["rejected"], event_errors=answer["eventErrors"],
                            errors=answer["errors"], attempts=attempt)
    raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--token", required=True)
    parser.add_argument("--date-from", required=True)
    parser.add_argument("--date-to", required=True)
    args = parser.parse_args()
    client = connect(args.url, args.token)
    for campaign in iter_campaigns(client):
        kpis = campaign_kpis(client, campaign.id, date_from=args.date_from, date_to=args.date_to,
                             kpis=["VIEWS", "REACH", "ENGAGEMENT_RATE", "ROAS"])
        print(f"{campaign.name} ({campaign.status}): " + ", ".join(f"{k} {v}" for k, v in kpis.items()))


if __name__ == "__main__":
    main()

"""Helpers for GraphQL tests: call /graphql as a session user, a bearer token or anonymously."""

from __future__ import annotations

import json

from django.test import Client
from strawberry import relay

from adplatforms.models import ExternalObject
from marketing.models import ApiToken, Brand, Campaign, CampaignSpend, Video, Viewer


def gid(obj) -> str:
    """The Relay GlobalID of a model instance, as the API spells it."""
    type_name = {
        Brand: "Brand", Video: "Video", Campaign: "Campaign", CampaignSpend: "CampaignSpend",
        Viewer: "Viewer", ApiToken: "ApiToken", ExternalObject: "ExternalAdObject",
    }.get(type(obj)) or type(obj).__name__
    return str(relay.GlobalID(type_name, str(obj.pk)))


def gql(query: str, variables: dict | None = None, *, user=None, token: str | None = None,
        client: Client | None = None) -> dict:
    """POST a GraphQL operation and return the decoded JSON body (asserting HTTP 200)."""
    client = client or Client()
    if user is not None:
        client.force_login(user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json", **headers,
    )
    assert response.status_code == 200, response.content
    return response.json()


def ok(body: dict) -> dict:
    """The data of a response that must have no errors."""
    assert "errors" not in body, body["errors"]
    return body["data"]


def error_messages(body: dict) -> list[str]:
    return [e["message"] for e in body.get("errors", [])]

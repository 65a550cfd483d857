"""Issue 15, item 3: the audit log records every mutation root field that executes, however it was selected
(fields, fragments, inline fragments, aliases, batches), and nothing that did not execute."""

import json

import pytest
from django.test import Client

from marketing.models import AuditEntry, Campaign, Role
from tests.factories import CampaignFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok

pytestmark = pytest.mark.django_db

PAYLOAD = "{ campaign { name } errors { code } }"


@pytest.fixture
def campaign(brand):
    return CampaignFactory(brand=brand, name="Before")


@pytest.fixture
def editor_token(brand):
    return make_token(brand=brand, role=Role.EDITOR)


def entries():
    return list(AuditEntry.objects.order_by("id").values_list("source", "action", "succeeded", "details"))


def test_a_mutation_selected_through_a_fragment_is_audited(campaign, editor_token):
    _, raw = editor_token
    query = f"""mutation M($input: UpdateCampaignInput!) {{ ...F }}
                fragment F on Mutation {{ updateCampaign(input: $input) {PAYLOAD} }}"""
    data = ok(gql(query, {"input": {"id": gid(campaign), "name": "After"}}, token=raw))
    assert data == {"updateCampaign": {"campaign": {"name": "After"}, "errors": []}}
    assert entries() == [("api", "updateCampaign", True, {"operation": "M", "variables": ["input"]})]


def test_a_mutation_selected_through_an_inline_fragment_is_audited(campaign, editor_token):
    _, raw = editor_token
    query = f"""mutation {{ ... on Mutation {{ updateCampaign(input: {{id: "{gid(campaign)}", name: "After"}})
                {PAYLOAD} }} }}"""
    ok(gql(query, token=raw))
    assert Campaign.objects.get(pk=campaign.pk).name == "After"
    assert entries() == [("api", "updateCampaign", True, {"operation": "", "variables": []})]


def test_nested_fragments_and_aliases_are_audited_once_per_executed_field_with_its_outcome(campaign, editor_token):
    _, raw = editor_token
    query = f"""mutation Both($id: ID!) {{
        renamed: updateCampaign(input: {{id: $id, name: "After"}}) {PAYLOAD}
        ... on Mutation {{ ...Refused }} }}
      fragment Refused on Mutation {{ refused: updateCampaign(input: {{id: $id, budgetDaily: "-1"}}) {PAYLOAD} }}"""
    data = ok(gql(query, {"id": gid(campaign)}, token=raw))
    assert (data["renamed"]["errors"], [e["code"] for e in data["refused"]["errors"]]) == ([], ["NEGATIVE"])
    assert entries() == [("api", "updateCampaign", True, {"operation": "Both", "variables": ["id"]}),
                         ("api", "updateCampaign", False, {"operation": "Both", "variables": ["id"]})]


def test_a_skipped_field_is_not_audited(campaign, editor_token):
    _, raw = editor_token
    query = f"""mutation($id: ID!) {{
        a: updateCampaign(input: {{id: $id, name: "Skipped"}}) @skip(if: true) {PAYLOAD}
        b: updateCampaign(input: {{id: $id, name: "After"}}) @include(if: true) {PAYLOAD} }}"""
    ok(gql(query, {"id": gid(campaign)}, token=raw))
    assert entries() == [("api", "updateCampaign", True, {"operation": "", "variables": ["id"]})]


def test_every_operation_of_a_batch_is_audited(campaign, editor_token):
    _, raw = editor_token
    batch = [{"query": f"""mutation First {{ ...on Mutation {{ updateCampaign(input: {{id: "{gid(campaign)}",
                           name: "One"}}) {PAYLOAD} }} }}"""},
             {"query": "{ campaigns { totalCount } }"},  # reads are not audited
             {"query": f"""mutation Second($input: UpdateCampaignInput!) {{ ...F }}
                           fragment F on Mutation {{ updateCampaign(input: $input) {PAYLOAD} }}""",
              "operationName": "Second", "variables": {"input": {"id": gid(campaign), "name": "Two"}}}]
    response = Client().post("/graphql", data=json.dumps(batch), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [item.get("errors") for item in response.json()] == [None, None, None]
    assert entries() == [("api", "updateCampaign", True, {"operation": "First", "variables": []}),
                         ("api", "updateCampaign", True, {"operation": "Second", "variables": ["input"]})]
    assert Campaign.objects.get(pk=campaign.pk).name == "Two"


def test_a_root_field_that_raises_is_audited_as_failed(campaign, editor_token, monkeypatch):
    _, raw = editor_token

    def outage(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("marketing.services.campaigns.campaign_update", outage)
    query = f"""mutation {{ ... on Mutation {{ updateCampaign(input: {{id: "{gid(campaign)}", name: "x"}})
                {{ errors {{ code }} }} }} }}"""
    body = gql(query, token=raw)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL_SERVER_ERROR"]
    assert entries() == [("api", "updateCampaign", False, {"operation": "", "variables": []})]


def test_a_refused_mutation_in_a_fragment_is_audited_as_failed(campaign, brand):
    _, raw = make_token(brand=brand, role=Role.VIEWER)
    query = f"""mutation {{ ...F }} fragment F on Mutation {{
                updateCampaign(input: {{id: "{gid(campaign)}", name: "x"}}) {{ errors {{ code }} }} }}"""
    assert ok(gql(query, token=raw)) == {"updateCampaign": {"errors": [{"code": "PERMISSION_DENIED"}]}}
    assert entries() == [("api", "updateCampaign", False, {"operation": "", "variables": []})]

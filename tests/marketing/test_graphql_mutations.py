"""Mutations: happy paths through the services, and bad input that returns typed errors and writes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketing.models import (
    ApiToken,
    Brand,
    Campaign,
    CampaignSpend,
    CampaignStatus,
    Membership,
    Role,
    Video,
    hash_token,
)
from tests.conftest import member
from tests.factories import CampaignFactory, VideoFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok

pytestmark = pytest.mark.django_db

CREATE_CAMPAIGN = """
mutation($input: CreateCampaignInput!) {
  createCampaign(input: $input) { campaign { name status videos { title } } errors { field code message } }
}"""
CREATE_VIDEO = """
mutation($input: CreateVideoInput!) {
  createVideo(input: $input) { video { title tags { name } } errors { field code message } }
}"""
CHANGE_STATUS = """
mutation($input: ChangeCampaignStatusInput!) {
  changeCampaignStatus(input: $input) { campaign { status } errors { field code message } }
}"""


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Brand, Video, Campaign, CampaignSpend, ApiToken)}


def campaign_input(brand, **overrides):
    start = timezone.now()
    fields = {"brandId": gid(brand), "name": "Spring", "objective": "AWARENESS",
              "startsAt": start.isoformat(), "endsAt": (start + timedelta(days=7)).isoformat()}
    fields.update(overrides)
    return fields


def fields_and_codes(payload) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


# --- happy paths ------------------------------------------------------------------------------

def test_create_campaign_with_own_video(brand, editor):
    video = VideoFactory(brand=brand, title="Teaser")
    data = ok(gql(CREATE_CAMPAIGN, {"input": campaign_input(brand, videoIds=[gid(video)])}, user=editor))
    assert data["createCampaign"] == {
        "campaign": {"name": "Spring", "status": "DRAFT", "videos": [{"title": "Teaser"}]}, "errors": []}
    assert list(Campaign.objects.filter(brand=brand).values_list("name", flat=True)) == ["Spring"]


def test_create_video_normalises_tags(brand, editor):
    data = ok(gql(CREATE_VIDEO, {"input": {"brandId": gid(brand), "platform": "douyin", "externalId": "x1",
                                           "title": "Hello", "durationMs": 9000, "tags": ["B", "a ", "b"]}},
                  user=editor))
    assert data["createVideo"]["errors"] == []
    assert sorted(t["name"] for t in data["createVideo"]["video"]["tags"]) == ["a", "b"]


def test_change_status_to_scheduled(brand, editor):
    campaign = CampaignFactory(brand=brand)
    data = ok(gql(CHANGE_STATUS, {"input": {"id": gid(campaign), "status": "SCHEDULED"}}, user=editor))
    assert data["changeCampaignStatus"] == {"campaign": {"status": "SCHEDULED"}, "errors": []}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED


def test_record_spend_sets_the_day(brand, editor):
    campaign = CampaignFactory(brand=brand)
    query = """mutation($input: RecordSpendInput!) { recordSpend(input: $input) {
        spend { date amount currency } errors { field code } } }"""
    data = ok(gql(query, {"input": {"campaignId": gid(campaign), "date": "2026-03-01", "amount": "12.50"}},
                  user=editor))
    assert data["recordSpend"] == {"spend": {"date": "2026-03-01", "amount": "12.50", "currency": "CNY"},
                                   "errors": []}


def test_create_api_token_returns_the_raw_token_once_and_it_works(brand):
    admin = member(brand, Role.ADMIN)
    query = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
        rawToken apiToken { name role isActive } errors { field code } } }"""
    data = ok(gql(query, {"input": {"brandId": gid(brand), "name": "ci", "role": "EDITOR"}}, user=admin))
    payload = data["createApiToken"]
    assert payload["apiToken"] == {"name": "ci", "role": "EDITOR", "isActive": True}
    assert ApiToken.objects.get(brand=brand).token_hash == hash_token(payload["rawToken"])
    me = ok(gql("{ brands { edges { node { slug } } } }", token=payload["rawToken"]))
    assert me == {"brands": {"edges": [{"node": {"slug": brand.slug}}]}}


def test_revoke_api_token(brand):
    token, raw = make_token(brand=brand)
    query = """mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) {
        apiToken { isActive } errors { field } } }"""
    data = ok(gql(query, {"input": {"id": gid(token)}}, user=member(brand, Role.ADMIN)))
    assert data["revokeApiToken"] == {"apiToken": {"isActive": False}, "errors": []}
    assert gql("{ brands { edges { node { slug } } } }", token=raw)["data"] is None


def test_create_brand_makes_caller_admin():
    from tests.factories import UserFactory

    user = UserFactory()
    query = """mutation { createBrand(input: {name: "Acme Tea"}) { brand { slug } errors { field } } }"""
    data = ok(gql(query, user=user))
    assert data["createBrand"] == {"brand": {"slug": "acme-tea"}, "errors": []}
    assert list(Membership.objects.filter(user=user).values_list("brand__slug", "role")) == [("acme-tea", "admin")]


def test_tokens_cannot_create_brands(brand):
    _, raw = make_token(brand=brand, role=Role.ADMIN)
    before = counts()
    query = """mutation { createBrand(input: {name: "Acme Tea"}) { brand { slug } errors { field code message } } }"""
    data = ok(gql(query, token=raw))
    assert data["createBrand"] == {"brand": None, "errors": [
        {"field": "input", "code": "PERMISSION_DENIED", "message": "Only signed-in users can create brands."}]}
    assert counts() == before


def test_moderate_and_update_video(brand, editor):
    video = VideoFactory(brand=brand, moderation_status="pending")
    moderate = """mutation($input: ModerateVideoInput!) { moderateVideo(input: $input) {
        video { moderationStatus moderationReason } errors { field code } } }"""
    data = ok(gql(moderate, {"input": {"id": gid(video), "status": "REJECTED", "reason": "blurry"}}, user=editor))
    assert data["moderateVideo"] == {"video": {"moderationStatus": "REJECTED", "moderationReason": "blurry"},
                                     "errors": []}
    update = """mutation($input: UpdateVideoInput!) { updateVideo(input: $input) { video { title category }
        errors { field } } }"""
    data = ok(gql(update, {"input": {"id": gid(video), "title": "Sharper"}}, user=editor))
    assert data["updateVideo"]["video"] == {"title": "Sharper", "category": video.category}


def test_update_video_null_clears_description_and_tags_are_replaced(brand, editor):
    video = VideoFactory(brand=brand, description="Old words", category="food")
    video.tags.create(brand=brand, name="old")
    update = """mutation($input: UpdateVideoInput!) { updateVideo(input: $input) {
        video { description category tags { name } } errors { field } } }"""
    data = ok(gql(update, {"input": {"id": gid(video), "description": None, "tags": ["New", "fresh"]}}, user=editor))
    assert data["updateVideo"] == {"video": {"description": "", "category": "food",
                                             "tags": [{"name": "fresh"}, {"name": "new"}]}, "errors": []}
    video.refresh_from_db()
    assert (video.description, sorted(video.tags.values_list("name", flat=True))) == ("", ["fresh", "new"])


def test_update_video_null_title_is_a_typed_error(brand, editor):
    video = VideoFactory(brand=brand, title="Keep me")
    update = """mutation($input: UpdateVideoInput!) { updateVideo(input: $input) { video { title }
        errors { field code } } }"""
    data = ok(gql(update, {"input": {"id": gid(video), "title": None}}, user=editor))
    assert data["updateVideo"] == {"video": None, "errors": [{"field": "title", "code": "REQUIRED"}]}
    video.refresh_from_db()
    assert video.title == "Keep me"


# --- bad input: a typed error naming the field, nothing written ------------------------------

def test_unknown_enum_value_is_rejected_naming_the_field(brand, editor):
    before = counts()
    body = gql(CREATE_CAMPAIGN, {"input": campaign_input(brand, objective="VIRAL")}, user=editor)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == ("Variable '$input' has invalid value at .objective: "
                                "Value 'VIRAL' does not exist in 'CampaignObjective' enum.")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "objective"}
    assert counts() == before


def test_unknown_enum_literal_inline_is_rejected_naming_the_field(brand, editor):
    video = VideoFactory(brand=brand, moderation_status="pending")
    query = 'mutation($id: ID!) { moderateVideo(input: {id: $id, status: MAYBE}) { errors { field } } }'
    body = gql(query, {"id": gid(video)}, user=editor)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Value 'MAYBE' does not exist in 'ModerationStatus' enum."
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "status"}
    video.refresh_from_db()
    assert video.moderation_status == "pending"


def test_end_before_start(brand, editor):
    before = counts()
    start = timezone.now()
    data = ok(gql(CREATE_CAMPAIGN, {"input": campaign_input(
        brand, startsAt=start.isoformat(), endsAt=(start - timedelta(days=1)).isoformat())}, user=editor))
    assert data["createCampaign"]["campaign"] is None
    assert fields_and_codes(data["createCampaign"]) == [("endsAt", "END_BEFORE_START")]
    assert counts() == before


def test_negative_budget(brand, editor):
    before = counts()
    data = ok(gql(CREATE_CAMPAIGN, {"input": campaign_input(brand, budgetLifetime="-5")}, user=editor))
    assert fields_and_codes(data["createCampaign"]) == [("budgetLifetime", "NEGATIVE")]
    assert counts() == before


def test_video_of_another_brand_cannot_be_attached(brand, other_brand, editor):
    foreign = VideoFactory(brand=other_brand)
    before = counts()
    data = ok(gql(CREATE_CAMPAIGN, {"input": campaign_input(brand, videoIds=[gid(foreign)])}, user=editor))
    assert fields_and_codes(data["createCampaign"]) == [("videoIds", "NOT_FOUND")]
    assert counts() == before


def test_forbidden_status_transition(brand, editor):
    campaign = CampaignFactory(brand=brand, status=CampaignStatus.DRAFT)
    data = ok(gql(CHANGE_STATUS, {"input": {"id": gid(campaign), "status": "COMPLETED"}}, user=editor))
    assert data["changeCampaignStatus"]["campaign"] is None
    assert fields_and_codes(data["changeCampaignStatus"]) == [("status", "FORBIDDEN_TRANSITION")]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_duplicate_external_id(brand, editor):
    existing = VideoFactory(brand=brand, external_id="dup-1")
    before = counts()
    data = ok(gql(CREATE_VIDEO, {"input": {"brandId": gid(brand), "platform": existing.platform.code,
                                           "externalId": "dup-1", "title": "Again", "durationMs": 1000}},
                  user=editor))
    assert fields_and_codes(data["createVideo"]) == [("externalId", "DUPLICATE")]
    assert counts() == before


def test_global_id_of_the_wrong_type_names_the_field(brand, editor):
    campaign = CampaignFactory(brand=brand)
    before = counts()
    data = ok(gql(CREATE_CAMPAIGN, {"input": campaign_input(brand, videoIds=[gid(campaign)])}, user=editor))
    assert data["createCampaign"]["errors"] == [
        {"field": "videoIds", "code": "INVALID", "message": "Expected a Video id, got a Campaign id."}]
    data = ok(gql(CREATE_CAMPAIGN, {"input": campaign_input(brand, brandId=gid(campaign))}, user=editor))
    assert fields_and_codes(data["createCampaign"]) == [("brandId", "INVALID")]
    assert counts() == before


def test_malformed_global_id_names_the_field(brand, editor):
    campaign = CampaignFactory(brand=brand, status=CampaignStatus.DRAFT)
    data = ok(gql(CHANGE_STATUS, {"input": {"id": "not-an-id", "status": "SCHEDULED"}}, user=editor))
    assert data["changeCampaignStatus"]["errors"] == [
        {"field": "id", "code": "INVALID", "message": "Not an id: pass an id returned by this API."}]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_viewer_role_cannot_write(brand):
    viewer = member(brand, Role.VIEWER)
    before = counts()
    data = ok(gql(CREATE_CAMPAIGN, {"input": campaign_input(brand)}, user=viewer))
    assert fields_and_codes(data["createCampaign"]) == [("brandId", "PERMISSION_DENIED")]
    assert counts() == before

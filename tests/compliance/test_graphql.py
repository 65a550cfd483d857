"""checkCopy, Video.complianceFlags, moderateVideo's override reason, viewerByPlatformUser, brand rules."""

from __future__ import annotations

import json

import pytest

from compliance import services
from compliance.models import ComplianceOverride
from marketing.models import AuditEntry, ModerationStatus, Role, pseudonymise_viewer_id
from tests.conftest import member
from tests.factories import VideoFactory, ViewerFactory, platform
from tests.marketing.graphql_helpers import gid, gql, ok

CHECK = """query($text: String!, $platform: String!, $language: String!, $category: String) {
  checkCopy(text: $text, platform: $platform, language: $language, category: $category) {
    ruleId ruleSet severity field start end text source reasonEn: reason(language: "en") suggestion overridden
  }
}"""


def test_check_copy_answers_flags_with_spans_and_reasons(editor):
    platform("douyin")
    data = ok(gql(CHECK, {"text": "这款精华是我用过最 佳的一支，加微信领小样", "platform": "douyin",
                          "language": "zh-hans", "category": "beauty"}, user=editor))
    assert [(f["ruleId"], f["severity"], f["start"], f["end"], f["text"]) for f in data["checkCopy"]] == [
        ("adlaw.superlative", "BLOCK", 8, 11, "最 佳"), ("diversion.wechat", "BLOCK", 15, 18, "加微信")]
    first = data["checkCopy"][0]
    assert first["reasonEn"].startswith("Ads must not use absolute superlatives")
    assert (first["field"], first["ruleSet"], first["overridden"]) == ("text", "ad-law-absolute", False)
    assert first["suggestion"]


@pytest.mark.parametrize(("variables", "field"), [
    ({"text": "", "platform": "douyin", "language": "zh-hans"}, "text"),
    ({"text": "好" * 10_001, "platform": "douyin", "language": "zh-hans"}, "text"),
    ({"text": "好吃", "platform": "myspace", "language": "zh-hans"}, "platform"),
    ({"text": "好吃", "platform": "douyin", "language": "fr"}, "language"),
])
def test_check_copy_bad_input_names_the_argument(editor, variables, field):
    platform("douyin")
    body = gql(CHECK, variables, user=editor)
    assert body["data"] is None
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [("BAD_USER_INPUT", field)]


def test_check_copy_needs_authentication(db):
    body = gql(CHECK, {"text": "好吃", "platform": "douyin", "language": "zh-hans"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_video_compliance_flags_and_approval_with_override(editor, brand):
    video = VideoFactory(brand=brand, title="销量第一的薯片", moderation_status=ModerationStatus.PENDING)
    services.screen_videos(video_ids=[video.pk])
    query = """query($id: ID!) { node(id: $id) { ... on Video { complianceFlags {
        ruleId field start end text severity overridden } } } }"""
    flags = ok(gql(query, {"id": gid(video)}, user=editor))["node"]["complianceFlags"]
    assert flags == [{"ruleId": "adlaw.ranking", "field": "title", "start": 0, "end": 4, "text": "销量第一",
                      "severity": "BLOCK", "overridden": False}]
    moderate = """mutation($input: ModerateVideoInput!) { moderateVideo(input: $input) {
        video { moderationStatus } errors { field code message } } }"""
    refused = ok(gql(moderate, {"input": {"id": gid(video), "status": "APPROVED"}}, user=editor))["moderateVideo"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("overrideReason", "REQUIRED")]
    approved = ok(gql(moderate, {"input": {"id": gid(video), "status": "APPROVED",
                                           "overrideReason": "有第三方销量报告"}}, user=editor))["moderateVideo"]
    assert (approved["errors"], approved["video"]["moderationStatus"]) == ([], "APPROVED")
    assert ComplianceOverride.objects.get(video=video).reason == "有第三方销量报告"
    flags = ok(gql(query, {"id": gid(video)}, user=editor))["node"]["complianceFlags"]
    assert [f["overridden"] for f in flags] == [True]


VIEWER = """query($brand: ID!, $platform: String!, $uid: String!) {
  viewerByPlatformUser(brand: $brand, platform: $platform, platformUserId: $uid) { id viewerKey } }"""


def test_viewer_by_platform_user_finds_the_viewer_and_audits_without_the_raw_id(brand):
    admin = member(brand, Role.ADMIN)
    douyin = platform("douyin")
    raw = "dy-user-8841207"
    viewer = ViewerFactory(brand=brand, platform=douyin, viewer_key=pseudonymise_viewer_id(
        brand_id=brand.pk, platform_code="douyin", raw_id=raw))
    found = ok(gql(VIEWER, {"brand": gid(brand), "platform": "douyin", "uid": raw}, user=admin))
    assert found["viewerByPlatformUser"] == {"id": gid(viewer), "viewerKey": viewer.viewer_key}
    missing = ok(gql(VIEWER, {"brand": gid(brand), "platform": "douyin", "uid": "nobody"}, user=admin))
    assert missing["viewerByPlatformUser"] is None
    entries = list(AuditEntry.objects.filter(action="viewerByPlatformUser").order_by("id").values(
        "object_id", "details"))
    assert entries == [{"object_id": str(viewer.pk), "details": {"platform": "douyin", "found": True}},
                       {"object_id": "", "details": {"platform": "douyin", "found": False}}]
    assert raw not in json.dumps(list(AuditEntry.objects.values()), default=str)
    # ... and the answer drives the export end to end
    export = """mutation($id: ID!) { exportViewerData(input: {viewerId: $id}) { data errors { code } } }"""
    data = ok(gql(export, {"id": found["viewerByPlatformUser"]["id"]}, user=admin))["exportViewerData"]
    assert data["errors"] == [] and data["data"]["viewer"]["id"] == viewer.pk


def test_viewer_by_platform_user_is_for_brand_admins_only(editor, brand, other_brand):
    platform("douyin")
    body = gql(VIEWER, {"brand": gid(brand), "platform": "douyin", "uid": "x"}, user=editor)
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [("PERMISSION_DENIED", "brand")]
    body = gql(VIEWER, {"brand": gid(other_brand), "platform": "douyin", "uid": "x"}, user=editor)
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [("NOT_FOUND", "brand")]
    admin = member(brand, Role.ADMIN)
    body = gql(VIEWER, {"brand": gid(brand), "platform": "myspace", "uid": "x"}, user=admin)
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", "platform")]
    assert not AuditEntry.objects.filter(action="viewerByPlatformUser").exists()


def test_create_brand_rule_through_the_api(brand):
    admin = member(brand, Role.ADMIN)
    mutation = """mutation($input: CreateBrandRuleInput!) { createBrandRule(input: $input) {
        brandRule { code terms severity kind } errors { field code } } }"""
    result = ok(gql(mutation, {"input": {"brandId": gid(brand), "code": "rival", "terms": ["可比克", "乐事"],
                                         "reason": "不得出现竞品名称", "kind": "COMPETITOR", "severity": "BLOCK"}},
                    user=admin))["createBrandRule"]
    assert result == {"brandRule": {"code": "rival", "terms": "可比克\n乐事", "severity": "BLOCK",
                                    "kind": "COMPETITOR"}, "errors": []}
    again = ok(gql(mutation, {"input": {"brandId": gid(brand), "code": "rival", "terms": ["x"], "reason": "x"}},
                   user=admin))["createBrandRule"]
    assert again == {"brandRule": None, "errors": [{"field": "code", "code": "DUPLICATE"}]}


def test_compliance_flags_of_a_video_list_take_a_fixed_number_of_queries(editor, brand):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = "{ videos(first: 20) { edges { node { title complianceFlags { ruleId text } } } } }"

    def queries_for(n: int) -> int:
        for i in range(n):
            video = VideoFactory(brand=brand, title=f"全网最低价 {i}")
            services.screen_videos(video_ids=[video.pk])
        with CaptureQueriesContext(connection) as ctx:
            edges = ok(gql(query, user=editor))["videos"]["edges"]
        assert all(e["node"]["complianceFlags"] == [{"ruleId": "adlaw.superlative", "text": "全网最低价"}]
                   for e in edges)
        return len(ctx.captured_queries)

    assert queries_for(2) == queries_for(5)

"""Screening on video create/update, overrides on the record, re-screening, alerts, the activation guard."""

from __future__ import annotations

import pytest

from compliance import services
from compliance.models import BrandRule, ComplianceAlert, ComplianceFlag, ComplianceOverride, VideoScreening
from compliance.rulesets import builtin
from compliance.tasks import rescreen_stale_videos
from marketing.auth import principal_for_user
from marketing.models import AuditEntry, CampaignStatus, ModerationStatus, Role, Video
from marketing.services import campaigns, videos
from marketing.services.errors import ServiceValidationError
from tests.conftest import member
from tests.factories import CampaignFactory, VideoFactory, platform


def _create(principal, brand, **fields):
    platform("douyin")
    values = {"platform": "douyin", "external_id": "x1", "title": "好吃的薯片", "duration_ms": 15_000,
              "category": "snacks", **fields}
    return videos.video_create(principal=principal, brand_id=brand.pk, **values)


def test_create_screens_every_copy_field_and_stores_the_version(editor_principal, brand):
    video = _create(editor_principal, brand, title="全网最低价薯片", description="加微信领券",
                    script="吃了能减肥", cover_text="销量第一", tags=["零食"])
    flags = list(ComplianceFlag.objects.filter(video=video).order_by("field", "start").values_list(
        "field", "rule_id", "start", "end", "text", "severity"))
    assert flags == [
        ("cover_text", "adlaw.ranking", 0, 4, "销量第一", "block"),
        ("description", "diversion.wechat", 0, 3, "加微信", "block"),
        ("script", "efficacy.weight-loss", 3, 5, "减肥", "block"),
        ("title", "adlaw.superlative", 0, 5, "全网最低价", "block"),
    ]
    screening = VideoScreening.objects.get(video=video)
    assert (screening.block_count, screening.warn_count, screening.unresolved_blocks) == (4, 0, 4)
    assert screening.ruleset_version == builtin().version
    assert set(ComplianceFlag.objects.filter(video=video).values_list("ruleset_version", flat=True)) == {
        builtin().version}


def test_an_edit_replaces_the_flags(editor_principal, brand):
    video = _create(editor_principal, brand, title="全网最低价薯片")
    videos.video_update(principal=editor_principal, video_id=video.pk, title="香脆薯片")
    assert ComplianceFlag.objects.filter(video=video).count() == 0
    assert VideoScreening.objects.get(video=video).block_count == 0


def test_approving_a_blocked_video_needs_an_override_reason(editor_principal, brand):
    video = _create(editor_principal, brand, title="全网最低价薯片")
    with pytest.raises(ServiceValidationError) as exc:
        videos.video_moderate(principal=editor_principal, video_id=video.pk, status=ModerationStatus.APPROVED)
    assert [(e.field, e.code) for e in exc.value.errors] == [("override_reason", "required")]
    assert "adlaw.superlative" in exc.value.errors[0].message
    video.refresh_from_db()
    assert video.moderation_status == ModerationStatus.PENDING
    assert ComplianceOverride.objects.count() == 0


def test_an_override_is_on_the_record_and_in_the_audit_log(editor, editor_principal, brand):
    video = _create(editor_principal, brand, title="全网最低价薯片")
    videos.video_moderate(principal=editor_principal, video_id=video.pk, status=ModerationStatus.APPROVED,
                          override_reason="价格已经过法务确认，为真实全网比价结果")
    video.refresh_from_db()
    override = ComplianceOverride.objects.get(video=video)
    assert video.moderation_status == ModerationStatus.APPROVED
    assert (override.overridden_by, override.reason) == (editor, "价格已经过法务确认，为真实全网比价结果")
    assert override.flags == [{"rule_id": "adlaw.superlative", "field": "title", "start": 0, "end": 5,
                               "text": "全网最低价"}]
    assert VideoScreening.objects.get(video=video).unresolved_blocks == 0
    entry = AuditEntry.objects.get(action="complianceOverride")
    assert (entry.actor_user, entry.object_id, entry.details["override"], entry.details["flags"]) == (
        editor, str(video.pk), override.pk, override.flags)


def test_a_warn_flag_does_not_need_an_override(editor_principal, brand):
    video = _create(editor_principal, brand, title="绝对好吃")
    videos.video_moderate(principal=editor_principal, video_id=video.pk, status=ModerationStatus.APPROVED)
    video.refresh_from_db()
    assert video.moderation_status == ModerationStatus.APPROVED and ComplianceOverride.objects.count() == 0


def test_an_override_carries_over_a_rescreen_of_the_same_words(editor_principal, brand):
    video = _create(editor_principal, brand, title="全网最低价薯片")
    videos.video_moderate(principal=editor_principal, video_id=video.pk, status=ModerationStatus.APPROVED,
                          override_reason="比价属实")
    services.screen_videos(video_ids=[video.pk])
    video.refresh_from_db()
    assert video.moderation_status == ModerationStatus.APPROVED
    assert ComplianceFlag.objects.get(video=video).override_id == ComplianceOverride.objects.get().pk


def test_an_approved_video_gaining_a_block_flag_goes_back_to_pending_with_an_alert(
        brand, django_capture_on_commit_callbacks):
    video = VideoFactory(brand=brand, title="新品：草莓味薯片", moderation_status=ModerationStatus.APPROVED)
    campaign = CampaignFactory(brand=brand, name="夏季上新")
    campaign.videos.add(video)
    other = CampaignFactory(brand=brand, name="Unrelated")
    admin = principal_for_user(member(brand, Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        services.brand_rule_create(principal=admin, brand_id=brand.pk, code="competitor", kind="competitor",
                                   terms="草莓味", severity="block", reason="竞品口味名称不能出现")
    video.refresh_from_db()  # the re-screen task ran after the rule was committed (eager in tests)
    assert video.moderation_status == ModerationStatus.PENDING
    assert f"brand.{brand.pk}.competitor" in video.moderation_reason
    alert = ComplianceAlert.objects.get()
    assert (alert.brand, alert.video, alert.campaigns, alert.rule_ids) == (
        brand, video, [{"id": campaign.pk, "name": "夏季上新"}], [f"brand.{brand.pk}.competitor"])
    assert other.pk not in [c["id"] for c in alert.campaigns]


def test_the_rescreen_task_only_touches_stale_videos_and_is_safe_twice(brand):
    fresh = VideoFactory(brand=brand, title="顶级工艺")
    stale = VideoFactory(brand=brand, title="最好吃的薯片")
    services.screen_videos(video_ids=[fresh.pk])
    VideoScreening.objects.filter(pk=fresh.pk).update(ruleset_version=builtin().version)
    first = rescreen_stale_videos.delay(brand.pk).get()
    assert (first["videos"], first["flags"]) == (1, 1)
    assert ComplianceFlag.objects.get(video=stale).rule_id == "adlaw.superlative"
    assert rescreen_stale_videos.delay(brand.pk).get() == {"videos": 0, "flags": 0, "sent_back": []}


def test_a_campaign_cannot_activate_with_an_unresolved_block_video(editor_principal, brand):
    video = VideoFactory(brand=brand, title="全网最低价")
    services.screen_videos(video_ids=[video.pk])  # approved by the factory, then screened: back to pending
    Video.objects.filter(pk=video.pk).update(moderation_status=ModerationStatus.APPROVED)
    campaign = CampaignFactory(brand=brand, status=CampaignStatus.SCHEDULED)
    campaign.videos.add(video)
    with pytest.raises(ServiceValidationError) as exc:
        campaigns.campaign_transition(principal=editor_principal, campaign_id=campaign.pk, to=CampaignStatus.ACTIVE)
    assert [(e.field, e.code) for e in exc.value.errors] == [("status", "forbidden_transition")]
    assert str(video.pk) in exc.value.errors[0].message
    videos.video_moderate(principal=editor_principal, video_id=video.pk, status=ModerationStatus.APPROVED,
                          override_reason="已取得比价证明")
    assert campaigns.campaign_transition(principal=editor_principal, campaign_id=campaign.pk,
                                         to=CampaignStatus.ACTIVE).status == CampaignStatus.ACTIVE


def test_a_required_disclosure_brand_rule_flags_copy_without_it(brand):
    admin = principal_for_user(member(brand, Role.ADMIN))
    services.brand_rule_create(principal=admin, brand_id=brand.pk, code="ad-label", kind="required_disclosure",
                               terms="广告\n#ad", severity="warn", reason="须标明“广告”")
    without = VideoFactory(brand=brand, title="香脆薯片", description="")
    labelled = VideoFactory(brand=brand, title="香脆薯片", description="广告")
    services.screen_videos(video_ids=[without.pk, labelled.pk])
    assert list(ComplianceFlag.objects.filter(video=without).values_list("field", "rule_id", "start", "end")) == [
        ("all", f"brand.{brand.pk}.ad-label", 0, 0)]
    assert not ComplianceFlag.objects.filter(video=labelled).exists()


def test_brand_rules_need_the_admin_role(editor_principal, brand):
    with pytest.raises(ServiceValidationError) as exc:
        services.brand_rule_create(principal=editor_principal, brand_id=brand.pk, code="x", terms="x", reason="x")
    assert exc.value.errors[0].code == "permission_denied"
    assert not BrandRule.objects.exists()


def test_check_copy_names_each_bad_argument(db):
    platform("douyin")
    with pytest.raises(ServiceValidationError) as exc:
        services.check_copy(text="", platform="myspace", language="fr")
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("text", "required"), ("platform", "invalid_choice"), ("language", "invalid_choice")]
    with pytest.raises(ServiceValidationError) as exc:
        services.check_copy(text="好" * 10_001, platform="douyin", language="zh-hans")
    assert [(e.field, e.code) for e in exc.value.errors] == [("text", "too_long")]


def test_the_rescreen_command_screens_stale_videos(brand):
    import io

    from django.core.management import call_command

    video = VideoFactory(brand=brand, title="加微信领券", moderation_status=ModerationStatus.PENDING)
    out = io.StringIO()
    call_command("rescreen_videos", "--brand", brand.slug, stdout=out)
    assert out.getvalue().strip() == "1 videos screened, 1 flags, 0 approved videos sent back to review"
    assert ComplianceFlag.objects.get(video=video).rule_id == "diversion.wechat"

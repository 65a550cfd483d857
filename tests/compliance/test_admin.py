"""The moderation queue in the admin: pending videos of the staff's brands, flagged first, spans
highlighted, filters, bulk approve (override reason) and reject (reason)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from compliance import services
from compliance.models import ComplianceOverride
from marketing.models import ModerationStatus, Role, Video
from tests.factories import BrandFactory, MembershipFactory, UserFactory, VideoFactory


def queue_url() -> str:
    return reverse("admin:compliance_pendingvideo_changelist")


@pytest.fixture
def staff(db):
    brand = BrandFactory(name="Glow")
    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, brand=brand, role=Role.EDITOR)
    return user, brand


def _pending(brand, title, **fields):
    video = VideoFactory(brand=brand, title=title, moderation_status=ModerationStatus.PENDING, **fields)
    services.screen_videos(video_ids=[video.pk])
    return video


def test_the_queue_lists_own_pending_videos_flagged_first_with_spans_marked(client, staff):
    user, brand = staff
    clean = _pending(brand, "香脆薯片")
    warned = _pending(brand, "绝对好吃")
    blocked = _pending(brand, "全网最低价<b>")
    _pending(BrandFactory(), "最好吃")  # another brand's
    VideoFactory(brand=brand, title="销量第一", moderation_status=ModerationStatus.APPROVED)  # not pending
    client.force_login(user)
    response = client.get(queue_url())
    assert response.status_code == 200
    assert [v.pk for v in response.context["cl"].result_list] == [blocked.pk, warned.pk, clean.pk]
    html = response.content.decode()
    assert ">全网最低价</mark>&lt;b&gt;" in html  # the span marked, the rest of the title escaped
    assert 'title="[block] adlaw.superlative' in html


def test_the_queue_filters_by_severity_and_rule_set(client, staff):
    user, brand = staff
    _pending(brand, "香脆薯片")
    warned = _pending(brand, "绝对好吃")
    blocked = _pending(brand, "加微信领券")
    client.force_login(user)
    by = lambda **q: [v.pk for v in client.get(queue_url(), q).context["cl"].result_list]  # noqa: E731
    assert by(severity="block") == [blocked.pk]
    assert by(severity="warn") == [warned.pk]
    assert by(rule_set="traffic-diversion") == [blocked.pk]


def test_bulk_approve_needs_the_override_reason_for_blocked_videos(client, staff):
    user, brand = staff
    warned = _pending(brand, "绝对好吃")
    blocked = _pending(brand, "全网最低价")
    client.force_login(user)
    response = client.post(queue_url(), {"action": "approve_videos", "index": 0,
                                         "_selected_action": [warned.pk, blocked.pk]}, follow=True)
    messages = [m.message for m in get_messages(response.wsgi_request)]
    assert any("override reason" in m for m in messages)
    statuses = dict(Video.objects.filter(pk__in=[warned.pk, blocked.pk]).values_list("pk", "moderation_status"))
    assert statuses == {warned.pk: "approved", blocked.pk: "pending"}
    client.post(queue_url(), {"action": "approve_videos", "index": 0, "_selected_action": [blocked.pk],
                              "override_reason": "比价有第三方报告"})
    assert Video.objects.get(pk=blocked.pk).moderation_status == "approved"
    assert ComplianceOverride.objects.get(video=blocked).overridden_by == user


def test_bulk_reject_uses_the_reason(client, staff):
    user, brand = staff
    blocked = _pending(brand, "全网最低价")
    client.force_login(user)
    client.post(queue_url(), {"action": "reject_videos", "index": 0, "_selected_action": [blocked.pk],
                              "reason": "删除“最低价”后再提交"})
    video = Video.objects.get(pk=blocked.pk)
    assert (video.moderation_status, video.moderation_reason) == ("rejected", "删除“最低价”后再提交")

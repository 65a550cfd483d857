"""The demo world carries violating copy: its pending videos have block flags, its approved ones none."""

from __future__ import annotations

import pytest

from compliance.models import ComplianceFlag, VideoScreening
from demo import world as demo
from marketing.models import ModerationStatus, Video

pytestmark = pytest.mark.django_db


def test_demo_videos_are_screened_and_the_queue_has_flagged_copy():
    demo.build_world(seed=3, viewers=60, videos=60, brands=3, impressions_per_viewer=4.0, days=7)
    videos = Video.objects.count()
    assert VideoScreening.objects.count() == videos
    pending = set(Video.objects.filter(moderation_status=ModerationStatus.PENDING).values_list("pk", flat=True))
    blocked = set(VideoScreening.objects.filter(unresolved_blocks__gt=0).values_list("video_id", flat=True))
    assert pending and blocked == pending
    assert ComplianceFlag.objects.filter(field="script", severity="warn", rule_id="adlaw.emphatic").exists()
    assert not VideoScreening.objects.filter(video__moderation_status=ModerationStatus.APPROVED,
                                             unresolved_blocks__gt=0).exists()

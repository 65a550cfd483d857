"""Editing an approved video's copy (title, description, tags) sends it back to pending review."""

import pytest

from marketing.models import ModerationStatus, Role
from tests.conftest import member
from tests.factories import VideoFactory
from tests.marketing.graphql_helpers import gid, gql, ok

pytestmark = pytest.mark.django_db

UPDATE = """mutation($input: UpdateVideoInput!) { updateVideo(input: $input) {
  video { moderationStatus } errors { field code } } }"""


@pytest.mark.parametrize("change", [{"title": "New title"}, {"description": "New words."}, {"tags": ["new-tag"]}])
def test_changing_the_copy_of_an_approved_video_sends_it_back_to_pending(brand, change):
    video = VideoFactory(brand=brand, moderation_status=ModerationStatus.APPROVED)
    data = ok(gql(UPDATE, {"input": {"id": gid(video), **change}}, user=member(brand, Role.EDITOR)))
    video.refresh_from_db()
    assert (data["updateVideo"], video.moderation_status, video.moderated_by) == (
        {"video": {"moderationStatus": "PENDING"}, "errors": []}, ModerationStatus.PENDING, None)


@pytest.mark.parametrize("change", [{"category": "food"}, {"durationMs": 9000}, {"title": "Same title"}])
def test_other_fields_or_unchanged_copy_keep_the_approval(brand, change):
    video = VideoFactory(brand=brand, title="Same title", moderation_status=ModerationStatus.APPROVED)
    ok(gql(UPDATE, {"input": {"id": gid(video), **change}}, user=member(brand, Role.EDITOR)))
    video.refresh_from_db()
    assert video.moderation_status == ModerationStatus.APPROVED

"""createVideo, updateVideo, moderateVideo."""

from __future__ import annotations

import datetime

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from marketing.services import videos
from reelboard.graphql.core.errors import UserError, decode_id, run_service
from reelboard.graphql.core.mutations import enum_value, given
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.marketing.enums import ModerationStatus
from reelboard.graphql.marketing.types import VideoType


@strawberry.input
class CreateVideoInput:
    brand_id: strawberry.ID
    platform: str = strawberry.field(description="Platform code, e.g. 'douyin'.")
    external_id: str
    title: str
    duration_ms: int
    description: str = ""
    category: str = ""
    tags: list[str] | None = None
    published_at: datetime.datetime | None = None
    script: str = strawberry.field(default="", description="The spoken script or subtitles.")
    cover_text: str = strawberry.field(default="", description="Text on the cover image.")


@strawberry.input(description="Only the fields you send change.")
class UpdateVideoInput:
    id: strawberry.ID
    title: str | None = UNSET
    description: str | None = strawberry.field(default=UNSET, description="null clears it.")
    category: str | None = strawberry.field(default=UNSET, description="null clears it.")
    tags: list[str] | None = strawberry.field(
        default=UNSET, description="The complete tag list (replaces the current one); [] removes all.")
    duration_ms: int | None = UNSET
    published_at: datetime.datetime | None = strawberry.field(default=UNSET, description="null unpublishes it.")
    script: str | None = strawberry.field(default=UNSET, description="null clears it.")
    cover_text: str | None = strawberry.field(default=UNSET, description="null clears it.")


def _blank_if_null(value):
    # description and category are blank-able text: a null from the client means "clear it".
    return "" if value is None else value


@strawberry.input
class ModerateVideoInput:
    id: strawberry.ID
    status: ModerationStatus  # type: ignore[valid-type]
    reason: str = ""
    override_reason: str = strawberry.field(default="", description=(
        "Needed to approve a video with compliance block flags: why it may run anyway (on the record)."))


@strawberry.type
class VideoPayload:
    video: VideoType | None = None
    errors: list[UserError]


@strawberry.type
class VideoMutation:
    @strawberry.mutation(extensions=authenticated(), description="Add a video to a brand (editors).")
    def create_video(self, info: Info, input: CreateVideoInput) -> VideoPayload:
        return run_service(VideoPayload, "video", lambda: videos.video_create(
            principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brandId"),
            platform=input.platform, external_id=input.external_id, title=input.title,
            duration_ms=input.duration_ms, description=input.description, category=input.category,
            tags=input.tags, published_at=input.published_at, script=input.script, cover_text=input.cover_text,
        ))

    @strawberry.mutation(extensions=authenticated(), description="Change a video's details (editors).")
    def update_video(self, info: Info, input: UpdateVideoInput) -> VideoPayload:
        return run_service(VideoPayload, "video", lambda: videos.video_update(
            principal=principal_of(info), video_id=decode_id(input.id, expected="Video", field="id"),
            **given(title=input.title, description=_blank_if_null(input.description),
                    category=_blank_if_null(input.category), tags=input.tags,
                    duration_ms=input.duration_ms, published_at=input.published_at,
                    script=_blank_if_null(input.script), cover_text=_blank_if_null(input.cover_text)),
        ))

    @strawberry.mutation(extensions=authenticated(), description="Approve, reject (with a reason) or reset a video.")
    def moderate_video(self, info: Info, input: ModerateVideoInput) -> VideoPayload:
        return run_service(VideoPayload, "video", lambda: videos.video_moderate(
            principal=principal_of(info), video_id=decode_id(input.id, expected="Video", field="id"),
            status=enum_value(input.status), reason=input.reason, override_reason=input.override_reason,
        ))

"""Videos: create, update and moderate. Only approved videos can be promoted or recommended."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketing.auth import Principal
from marketing.models import AuditSource, Brand, ModerationStatus, Platform, Role, Tag, Video
from marketing.review import content_review
from marketing.services.access import get_for_role
from marketing.services.errors import Collector, ErrorCode, ServiceValidationError, full_clean_or_raise

_UNSET = object()
MAX_TAGS = 30


def normalise_tags(tags: list[str]) -> list[str]:
    """Lower-case, trimmed, de-duplicated tag names in their given order."""
    seen: dict[str, None] = {}
    for tag in tags:
        name = tag.strip().lower()
        if name:
            seen.setdefault(name, None)
    return list(seen)


def _check_tags(errors: Collector, tags) -> list[str] | None:
    if tags is _UNSET or tags is None:
        return None
    names = normalise_tags(tags)
    if len(names) > MAX_TAGS:
        errors.add("tags", ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_TAGS} tags per video.")
    if any(len(n) > 64 for n in names):
        errors.add("tags", ErrorCode.TOO_LONG, "A tag is at most 64 characters.")
    return names


def _set_tags(video: Video, names: list[str] | None) -> None:
    """Give the video these tags of its brand, creating the brand's missing ones (tags never cross brands)."""
    if names is None:
        return
    brand_tags = Tag.objects.filter(brand_id=video.brand_id, name__in=names)
    existing = {t.name: t for t in brand_tags}
    missing = [Tag(brand_id=video.brand_id, name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in brand_tags.all()}
    video.tags.set([existing[n] for n in names])


def video_create(
    *, principal: Principal, brand_id, platform: str, external_id: str, title: str, duration_ms: int,
    description: str = "", category: str = "", tags: list[str] | None = None, published_at: datetime | None = None,
    script: str = "", cover_text: str = "",
) -> Video:
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand", min_role=Role.EDITOR)
    errors = Collector()
    platform_obj = Platform.objects.filter(code=platform).first()
    if platform_obj is None:
        codes = ", ".join(Platform.objects.values_list("code", flat=True))
        errors.add("platform", ErrorCode.INVALID_CHOICE, f"Unknown platform {platform!r}; one of: {codes}.")
    if not (external_id or "").strip():
        errors.add("external_id", ErrorCode.REQUIRED, "The platform's video id is required.")
    elif platform_obj and Video.objects.filter(brand=brand, platform=platform_obj, external_id=external_id).exists():
        errors.add("external_id", ErrorCode.DUPLICATE, f"Video {external_id!r} already exists on {platform}.")
    if duration_ms is None or duration_ms <= 0:
        errors.add("duration_ms", ErrorCode.OUT_OF_RANGE, "Duration must be a positive number of milliseconds.")
    names = _check_tags(errors, tags)
    errors.raise_if_any()
    video = Video(
        brand=brand, platform=platform_obj, external_id=external_id.strip(), title=title, description=description,
        category=category, duration_ms=duration_ms, published_at=published_at, script=script or "",
        cover_text=cover_text or "",
    )
    full_clean_or_raise(video)
    try:
        with transaction.atomic():
            video.save()
            _set_tags(video, names)
            content_review().screen_video(video=video, principal=principal)
    except IntegrityError:
        raise ServiceValidationError.single(
            "external_id", ErrorCode.DUPLICATE, f"Video {external_id!r} already exists on {platform}."
        ) from None
    return video


def video_update(
    *, principal: Principal, video_id, title=_UNSET, description=_UNSET, category=_UNSET, tags=_UNSET,
    duration_ms=_UNSET, published_at=_UNSET, script=_UNSET, cover_text=_UNSET,
) -> Video:
    video = get_for_role(Video.objects, principal=principal, pk=video_id, field="id", min_role=Role.EDITOR)
    errors = Collector()
    if duration_ms is not _UNSET and (duration_ms is None or duration_ms <= 0):
        errors.add("duration_ms", ErrorCode.OUT_OF_RANGE, "Duration must be a positive number of milliseconds.")
    names = _check_tags(errors, tags)
    errors.raise_if_any()
    changes = {"title": title, "description": description, "category": category, "duration_ms": duration_ms,
               "published_at": published_at, "script": script, "cover_text": cover_text}
    copy_changed = _copy_changed(video, changes, names)
    for attr, value in changes.items():
        if value is not _UNSET:
            setattr(video, attr, value)
    if copy_changed and video.moderation_status == ModerationStatus.APPROVED:
        # Approval was of the copy as it was: changed copy goes back to review before it can be promoted again.
        video.moderation_status, video.moderation_reason = ModerationStatus.PENDING, ""
        video.moderated_by, video.moderated_at = None, None
    full_clean_or_raise(video)
    with transaction.atomic():
        video.save()
        _set_tags(video, names)
        content_review().screen_video(video=video, principal=principal)
    return video


# The fields a moderator approves: changing any of them sends an approved video back to pending.
REVIEWED_COPY_FIELDS = ("title", "description", "tags", "script", "cover_text")


def _copy_changed(video: Video, changes: dict, tag_names: list[str] | None) -> bool:
    for attr in REVIEWED_COPY_FIELDS:
        if attr == "tags":
            if tag_names is not None and set(tag_names) != set(video.tags.values_list("name", flat=True)):
                return True
        elif changes.get(attr, _UNSET) is not _UNSET and changes[attr] != getattr(video, attr):
            return True
    return False


def video_moderate(*, principal: Principal, video_id, status: str, reason: str = "", override_reason: str = "",
                   source: str = AuditSource.API) -> Video:
    """Approve, reject (a reason is required) or send a video back to pending review.

    Approving a video with compliance block flags needs ``override_reason``; the override goes on the record.
    """
    video = get_for_role(Video.objects, principal=principal, pk=video_id, field="id", min_role=Role.EDITOR)
    errors = Collector()
    if status not in ModerationStatus.values:
        errors.add("status", ErrorCode.INVALID_CHOICE, f"Status must be one of {', '.join(ModerationStatus.values)}.")
    elif status == ModerationStatus.REJECTED and not (reason or "").strip():
        errors.add("reason", ErrorCode.REQUIRED, "A rejection needs a reason the creator can act on.")
    overridden = []
    if status == ModerationStatus.APPROVED:
        overridden = content_review().check_approval(errors, video=video, override_reason=override_reason)
    errors.raise_if_any()
    video.moderation_status = status
    video.moderation_reason = (reason or "").strip()
    video.moderated_by = principal.actor
    video.moderated_at = timezone.now()
    with transaction.atomic():
        video.save(update_fields=["moderation_status", "moderation_reason", "moderated_by", "moderated_at",
                                  "updated_at"])
        content_review().record_override(video=video, flags=overridden, reason=override_reason, principal=principal,
                                   source=source)
    return video

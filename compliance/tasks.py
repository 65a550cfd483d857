"""Compliance Celery tasks: re-screen videos when a rule set changes (safe to run twice: a video
already screened under the current version is not stale any more)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from compliance import services


@shared_task(name="compliance.rescreen_stale_videos", acks_late=True)
def rescreen_stale_videos(brand_id: int | None = None) -> dict:
    """Screen every video whose stored rule-set version is not the current one (all brands, or one),
    in batches of COMPLIANCE_SCREEN_BATCH videos."""
    ids = services.stale_video_ids(brand_id=brand_id)
    videos = flags = 0
    sent_back: list[int] = []
    batch = settings.COMPLIANCE_SCREEN_BATCH
    for i in range(0, len(ids), batch):
        result = services.screen_videos(video_ids=ids[i:i + batch])
        videos, flags = videos + result.videos, flags + result.flags
        sent_back += result.sent_back
    return {"videos": videos, "flags": flags, "sent_back": sent_back}

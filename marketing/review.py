"""Content review of videos and campaigns: the checks an app above marketing plugs into its services.

Marketing's video and campaign services call ``content_review()`` at four points (after a video's copy is
saved, before and while approving a video, before a campaign goes active). compliance registers its
services here in ``ComplianceConfig.ready``; without it the default below checks nothing. Marketing never
imports compliance (docs/architecture/index.md, "Seams between apps").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from marketing.auth import Principal
    from marketing.models import Campaign, Video
    from marketing.services.errors import Collector


class ContentReview(Protocol):
    def screen_video(self, *, video: Video, principal: Principal) -> Any:
        """Screen one video's copy now, inside the transaction that saved it."""

    def screen_videos(self, *, video_ids: Iterable[int]) -> Any:
        """Screen many videos (set-based)."""

    def check_approval(self, errors: Collector, *, video: Video, override_reason: str) -> list:
        """Before approving: add to ``errors`` what stops it; return what the approval overrides."""

    def record_override(self, *, video: Video, flags: list, reason: str, principal: Principal, source: str) -> Any:
        """Inside the approval's transaction: put what ``check_approval`` returned on the record."""

    def check_campaign_activation(self, campaign: Campaign) -> None:
        """Raise ``ServiceValidationError`` when the campaign must not go active."""


class NoReview:
    """No review app installed: every check passes."""

    def screen_video(self, *, video, principal):
        return None

    def screen_videos(self, *, video_ids):
        return None

    def check_approval(self, errors, *, video, override_reason):
        return []

    def record_override(self, *, video, flags, reason, principal, source):
        return None

    def check_campaign_activation(self, campaign):
        return None


_review: ContentReview = NoReview()


def register_content_review(review: ContentReview) -> None:
    """Called once, from the reviewing app's ``AppConfig.ready``."""
    global _review
    _review = review


def content_review() -> ContentReview:
    return _review

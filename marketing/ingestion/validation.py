"""Validating interaction events against one brand: the single rule set behind every ingest path.

An *event* is a dict with the reelboard keys (``event_id``, ``platform``, ``viewer_id``,
``video_external_id``, ``campaign_id``, ``kind``, ``watch_ms``, ``value``, ``currency``,
``occurred_at``), values as strings (CSV), JSON scalars or Python objects (the service API).
A valid event becomes a :data:`StagedRow` tuple; raw viewer ids are replaced by their keyed hash here,
at the edge, and never travel further.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from marketing.models import (
    Campaign,
    InteractionKind,
    Platform,
    Video,
    pseudonymise_viewer_id,
)
from marketing.services.errors import ErrorCode

EVENT_FIELDS = ("event_id", "platform", "viewer_id", "video_external_id", "campaign_id", "kind",
                "watch_ms", "value", "currency", "occurred_at")
KINDS = frozenset(InteractionKind.values)
VIEW = InteractionKind.VIEW.value
MAX_EVENT_ID = 64
MAX_VIEWER_ID = 256
MAX_VIDEO_ID = 128
MAX_WATCH_MS = 2_147_483_647  # PostgreSQL integer
MAX_VALUE = Decimal("999999999999.99")  # numeric(14, 2)
CENT = Decimal("0.01")
# Marks "watched the whole video": resolved to the video's duration once the video is known.
FULL_WATCH = object()
# Raw id -> keyed hash, per run: saves one HMAC per repeated viewer; ~25 MB when full, then cleared,
# so memory does not grow with the number of viewers in a file.
VIEWER_KEY_CACHE = 100_000

# (event_id, platform_id, viewer_key, video_id | None, video_external_id | None (video to create),
#  campaign_id | None, kind, watch_ms | None, value | None, currency, occurred_at)
StagedRow = tuple


@dataclass(frozen=True)
class RowError:
    """One problem with one input row: ``line`` is the file line (or the event index for the API)."""

    line: int
    field: str
    code: ErrorCode
    message: str


def derive_event_id(fmt: str, *parts) -> str:
    """Deterministic id for an event that has none: sha256 of the format and normalised fields, 32 hex."""
    text = "|".join([fmt, *("" if p is None else str(p) for p in parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_occurred_at(value) -> datetime:
    """ISO-8601 with a UTC offset (``Z`` allowed), or an aware datetime; raises ValueError otherwise."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).strip())
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive")
    return moment


class BrandContext:
    """What validation needs to know about one brand, loaded once and cached per run.

    Videos are looked up lazily per chunk (``prefetch``) so a brand with many videos costs one query
    per chunk, not one per row. With ``create_missing`` an unknown video is remembered in
    ``videos_to_create`` (platform id, external id) -> duration in ms, to be inserted set-based.
    """

    def __init__(self, *, brand_id: int, create_missing: bool = False) -> None:
        self.brand_id = brand_id
        self.create_missing = create_missing
        self.platforms: dict[str, int] = dict(Platform.objects.values_list("code", "pk"))
        self.campaign_ids: frozenset[int] = frozenset(
            Campaign.objects.filter(brand_id=brand_id).values_list("pk", flat=True)
        )
        self.videos: dict[tuple[int, str], tuple[int | None, int]] = {}
        self.videos_to_create: dict[tuple[int, str], int] = {}
        self._unknown_videos: set[tuple[int, str]] = set()
        self._viewer_keys: dict[tuple[str, str], str] = {}

    # --- lookups ----------------------------------------------------------------------------
    def prefetch_videos(self, events: list[dict], *, before_query: Callable[[], None] | None = None) -> None:
        """Load the brand's videos referenced by ``events`` that are not cached yet.

        ``before_query`` runs once before the first query, only if one is needed (the file importer
        passes the writer's ``wait_idle``, so this read never interleaves with a background COPY).
        """
        wanted: dict[int, set[str]] = {}
        try:
            referenced = {(event.get("platform"), event.get("video_external_id")) for event in events}
        except TypeError:  # an unhashable value (API input): validation reports it, skip it here
            referenced = set()
            for event in events:
                pair = (event.get("platform"), event.get("video_external_id"))
                if all(isinstance(v, str | int | None) for v in pair):
                    referenced.add(pair)
        for platform_code, ext in referenced:
            platform_code, ext = _clean(platform_code), _clean(ext)
            platform_id = self.platforms.get(str(platform_code)) if platform_code is not None else None
            if platform_id is None or ext is None:
                continue
            key = (platform_id, str(ext))
            if key not in self.videos and key not in self._unknown_videos:
                wanted.setdefault(platform_id, set()).add(key[1])
        if wanted and before_query is not None:
            before_query()
        for platform_id, externals in wanted.items():
            names = sorted(externals)
            for start in range(0, len(names), 5000):
                batch = names[start:start + 5000]
                found = Video.objects.filter(
                    brand_id=self.brand_id, platform_id=platform_id, external_id__in=batch
                ).values_list("external_id", "pk", "duration_ms")
                for ext, pk, duration in found:
                    self.videos[(platform_id, ext)] = (pk, duration)
                for ext in batch:
                    if (platform_id, ext) not in self.videos:
                        self._unknown_videos.add((platform_id, ext))

    def viewer_key(self, platform_code: str, raw_id: str) -> str:
        cache_key = (platform_code, raw_id)
        key = self._viewer_keys.get(cache_key)
        if key is None:
            if len(self._viewer_keys) > VIEWER_KEY_CACHE:  # bound memory on files with millions of viewers
                self._viewer_keys.clear()
            key = pseudonymise_viewer_id(brand_id=self.brand_id, platform_code=platform_code, raw_id=raw_id)
            self._viewer_keys[cache_key] = key
        return key

    # --- the rules --------------------------------------------------------------------------
    def validate(self, event: dict, *, line: int, fmt: str, columns: dict[str, str] | None = None,
                 default_duration_ms: int | None = None) -> tuple[StagedRow | None, list[RowError]]:
        """Check one event; return the staged row, or None and every problem found.

        ``columns`` maps event keys to the source's column names for error messages;
        ``default_duration_ms`` is the duration given to videos created on the fly.
        """
        errors: list[RowError] = []
        get = event.get

        def fail(field: str, code: ErrorCode, message: str) -> None:
            errors.append(RowError(line, (columns or {}).get(field, field), code, message))

        if "__error__" in event:
            fail("input", ErrorCode.INVALID, event["__error__"])
            return None, errors
        # Problems found before validation (the API layer decoding a GlobalID): reported with the rest.
        for field, code, message in get("__problems__", ()):
            fail(field, code, message)

        event_id = _clean(get("event_id"))
        if event_id is not None:
            event_id = str(event_id)
            if len(event_id) > MAX_EVENT_ID:
                fail("event_id", ErrorCode.TOO_LONG, f"An event id is at most {MAX_EVENT_ID} characters.")

        platform_code = _clean(get("platform"))
        platform_id = None
        if platform_code is None:
            fail("platform", ErrorCode.REQUIRED, "The platform is required.")
        else:
            platform_code = str(platform_code)
            platform_id = self.platforms.get(platform_code)
            if platform_id is None:
                fail("platform", ErrorCode.INVALID_CHOICE,
                     f"Unknown platform {platform_code!r}; one of: {', '.join(sorted(self.platforms))}.")

        raw_viewer = _clean(get("viewer_id"))
        if raw_viewer is None:
            fail("viewer_id", ErrorCode.REQUIRED, "The viewer id is required.")
        else:
            raw_viewer = str(raw_viewer)
            if len(raw_viewer) > MAX_VIEWER_ID:
                fail("viewer_id", ErrorCode.TOO_LONG, f"A viewer id is at most {MAX_VIEWER_ID} characters.")

        kind = _clean(get("kind"))
        if kind is None:
            fail("kind", ErrorCode.REQUIRED, "The kind is required.")
        else:
            kind = str(kind).lower()
            if kind not in KINDS:
                fail("kind", ErrorCode.INVALID_CHOICE,
                     f"Unknown kind {kind!r}; one of: {', '.join(sorted(KINDS))}.")

        video_id = video_ext_new = None
        duration_ms = None
        ext = _clean(get("video_external_id"))
        if ext is None:
            fail("video_external_id", ErrorCode.REQUIRED, "The video's external id is required.")
        elif len(ext := str(ext)) > MAX_VIDEO_ID:
            fail("video_external_id", ErrorCode.TOO_LONG, f"A video id is at most {MAX_VIDEO_ID} characters.")
        elif platform_id is not None:
            key = (platform_id, ext)
            known = self.videos.get(key)
            if known is not None:
                video_id, duration_ms = known
                if video_id is None:
                    video_ext_new = ext
            elif self.create_missing:
                duration_ms = _positive_int(get("video_duration_ms")) or default_duration_ms
                if duration_ms is None:
                    fail("video_external_id", ErrorCode.NOT_FOUND,
                         f"Video {ext!r} is unknown and its duration is not given.")
                else:
                    self.videos_to_create[key] = duration_ms
                    self.videos[key] = (None, duration_ms)
                    video_ext_new = ext
            else:
                fail("video_external_id", ErrorCode.NOT_FOUND,
                     f"No video {ext!r} on {platform_code} for this brand (use --create-missing to add it).")

        campaign_id = _clean(get("campaign_id"))
        if campaign_id is not None:
            try:
                campaign_id = int(campaign_id)
            except (TypeError, ValueError):
                fail("campaign_id", ErrorCode.INVALID, "The campaign id must be an integer.")
                campaign_id = None
            else:
                if campaign_id not in self.campaign_ids:
                    fail("campaign_id", ErrorCode.NOT_FOUND, f"No campaign {campaign_id} for this brand.")

        watch_ms = get("watch_ms")
        if watch_ms is FULL_WATCH:
            watch_ms = duration_ms
        elif (watch_ms := _clean(watch_ms)) is not None:
            watch_ms = _whole_number(watch_ms)
            if watch_ms is None:
                fail("watch_ms", ErrorCode.INVALID, "Watch time must be a whole number of milliseconds.")
            elif watch_ms < 0:
                fail("watch_ms", ErrorCode.NEGATIVE, "Watch time cannot be negative.")
            elif watch_ms > MAX_WATCH_MS:
                fail("watch_ms", ErrorCode.OUT_OF_RANGE, "Watch time is too large.")
            elif kind is not None and kind != VIEW:
                fail("watch_ms", ErrorCode.INVALID, "Watch time is only allowed on views.")

        value = _clean(get("value"))
        if value is not None:
            try:
                value = Decimal(str(value))
                if not value.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                fail("value", ErrorCode.INVALID, "The value must be a decimal number.")
                value = None
            else:
                if value < 0:
                    fail("value", ErrorCode.NEGATIVE, "The value cannot be negative.")
                elif value > MAX_VALUE:
                    fail("value", ErrorCode.OUT_OF_RANGE, "The value is too large.")
                elif value != value.quantize(CENT):
                    fail("value", ErrorCode.INVALID, "The value has at most 2 decimal places.")

        currency = _clean(get("currency"))
        if currency is None:
            currency = ""
        else:
            currency = str(currency).upper()
            if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
                fail("currency", ErrorCode.INVALID, "The currency is a 3-letter ISO code.")

        occurred_at = _clean(get("occurred_at"))
        if occurred_at is None:
            fail("occurred_at", ErrorCode.REQUIRED, "The time of the event is required.")
        else:
            try:
                occurred_at = parse_occurred_at(occurred_at)
            except (ValueError, TypeError):
                fail("occurred_at", ErrorCode.INVALID, "The time must be ISO-8601 with a UTC offset.")
                occurred_at = None

        if errors:
            return None, errors
        viewer_key = self.viewer_key(platform_code, raw_viewer)
        if event_id is None:
            event_id = derive_event_id(
                fmt, platform_code, viewer_key, ext, campaign_id, kind, watch_ms,
                None if value is None else f"{value:.2f}", currency,
                occurred_at.astimezone(UTC).isoformat(),
            )
        return (event_id, platform_id, viewer_key, video_id, video_ext_new, campaign_id, kind, watch_ms,
                value, currency, occurred_at), errors


def _clean(value):
    """None for a missing or blank value; strings stripped; other values as given."""
    if value is None:
        return None
    if value.__class__ is str:
        value = value.strip()
        return value or None
    return value


def _whole_number(value) -> int | None:
    if value.__class__ is int:
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        pass
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return int(number) if number.is_finite() and number == number.to_integral_value() else None


def _positive_int(value) -> int | None:
    if _blank(value):
        return None
    try:
        number = int(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        return None
    return number if number > 0 else None

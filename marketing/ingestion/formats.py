"""Input formats: each maps one source record to reelboard events (see staged.EVENT_FIELDS).

* ``reelboard``: the record already has the reelboard columns (an optional ``video_duration_ms`` column
  sets the duration of videos created with ``--create-missing``; 15 s otherwise); it has no mapper and is
  validated column by column, ``--platform`` filling the rows that name no platform.
* ``kuairec``: KuaiRec's ``small_matrix.csv`` / ``big_matrix.csv`` (user_id, video_id, play_duration,
  video_duration, time, date, timestamp, watch_ratio). Each row is one **view** on platform
  ``kuaishou`` (or ``--platform``): viewer = user_id, video = video_id, watch_ms = play_duration
  (KuaiRec records milliseconds; rounded), occurred_at = ``timestamp`` (Unix seconds, UTC), or ``time``
  read as Beijing time when the timestamp is empty. ``video_duration`` (ms) is the duration of videos
  created with ``--create-missing``. ``date`` and ``watch_ratio`` are derivable and ignored.
* ``movielens``: ML-100K ``u.data`` (tab-separated user item rating timestamp, no header) or
  ``ratings.csv`` (userId,movieId,rating,timestamp). Every rating is a **view** with a full watch
  (watch_ms = the video's duration; videos created on the fly get 60 s); a rating >= 4 is also a
  **like** at the same moment. Platform ``douyin`` unless ``--platform``. Timestamps are kept.

Events without an ``event_id`` get a deterministic one (``validation.derive_event_id``), so re-running an
import stores nothing twice.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from marketing.ingestion.sources import Source, SourceError
from marketing.ingestion.validation import FULL_WATCH
from marketing.services.errors import ErrorCode

MOVIELENS_DURATION_MS = 60_000
REELBOARD_DURATION_MS = 15_000  # videos created on the fly, unless a video_duration_ms column says otherwise
MOVIELENS_LIKE_FROM = Decimal(4)
KUAIREC_TZ = ZoneInfo("Asia/Shanghai")

# A mapper returns the events of one record, or the problems as (column, code, message).
Problems = list[tuple[str, ErrorCode, str]]
Mapper = Callable[[dict], tuple[list[dict], Problems]]


@dataclass(frozen=True)
class Format:
    name: str
    default_platform: str | None
    columns: dict[str, str] = field(default_factory=dict)  # event key -> source column, for errors
    default_duration_ms: int | None = None

    def mapper(self, platform: str | None) -> Mapper:
        """Record -> events, for the formats whose records are not reelboard events already."""
        return _MAPPERS[self.name](platform or self.default_platform)


def _unix_seconds(value) -> datetime:
    return datetime.fromtimestamp(float(Decimal(str(value).strip())), tz=UTC)


def _kuairec(platform: str) -> Mapper:
    def map_record(record: dict) -> tuple[list[dict], Problems]:
        problems: Problems = []
        occurred_at = None
        stamp, clock = record.get("timestamp"), record.get("time")
        try:
            if stamp not in (None, "") and str(stamp).strip().lower() != "nan":
                occurred_at = _unix_seconds(stamp)
            elif clock not in (None, "") and str(clock).strip().lower() != "nan":
                occurred_at = datetime.fromisoformat(str(clock).strip()).replace(tzinfo=KUAIREC_TZ)
            else:
                problems.append(("timestamp", ErrorCode.REQUIRED, "Neither timestamp nor time is given."))
        except (ValueError, InvalidOperation, OverflowError):
            problems.append(("timestamp", ErrorCode.INVALID, "The timestamp is not a Unix time in seconds."))
        watch_ms = record.get("play_duration")
        try:
            if watch_ms not in (None, ""):
                watch_ms = int(Decimal(str(watch_ms).strip()).to_integral_value())
        except InvalidOperation:
            problems.append(("play_duration", ErrorCode.INVALID, "play_duration must be milliseconds."))
        if problems:
            return [], problems
        return [{
            "platform": platform, "viewer_id": record.get("user_id"),
            "video_external_id": record.get("video_id"), "kind": "view", "watch_ms": watch_ms,
            "video_duration_ms": record.get("video_duration"), "occurred_at": occurred_at,
        }], []
    return map_record


def _movielens(platform: str) -> Mapper:
    def map_record(record: dict) -> tuple[list[dict], Problems]:
        problems: Problems = []
        try:
            rating = Decimal(str(record.get("rating", "")).strip())
            if not rating.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(("rating", ErrorCode.INVALID, "The rating must be a number."))
            rating = None
        try:
            occurred_at = _unix_seconds(record.get("timestamp", ""))
        except (ValueError, InvalidOperation, OverflowError):
            problems.append(("timestamp", ErrorCode.INVALID, "The timestamp is not a Unix time in seconds."))
        if problems:
            return [], problems
        base = {"platform": platform, "viewer_id": record.get("userId"),
                "video_external_id": record.get("movieId"), "occurred_at": occurred_at}
        events = [{**base, "kind": "view", "watch_ms": FULL_WATCH}]
        if rating >= MOVIELENS_LIKE_FROM:
            events.append({**base, "kind": "like"})
        return events, []
    return map_record


_MAPPERS = {"kuairec": _kuairec, "movielens": _movielens}

FORMATS: dict[str, Format] = {
    "reelboard": Format("reelboard", None, default_duration_ms=REELBOARD_DURATION_MS),
    "kuairec": Format(
        "kuairec", "kuaishou",
        {"viewer_id": "user_id", "video_external_id": "video_id", "watch_ms": "play_duration",
         "occurred_at": "timestamp"},
    ),
    "movielens": Format(
        "movielens", "douyin",
        {"viewer_id": "userId", "video_external_id": "movieId", "occurred_at": "timestamp"},
        default_duration_ms=MOVIELENS_DURATION_MS,
    ),
}

MOVIELENS_COLUMNS = ["userId", "movieId", "rating", "timestamp"]


def _first_line(path: Path) -> str:
    with open(path, "rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw
        try:
            return stream.readline().decode("utf-8-sig", errors="replace")
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise SourceError(f"{path.name} is a damaged gzip file: {exc}.") from None


def open_source(path, fmt: Format) -> Source:
    """Open ``path`` the way ``fmt`` expects (MovieLens ``u.data`` has no header and tabs)."""
    if fmt.name == "movielens":
        name = Path(path).name.lower().removesuffix(".gz")
        if not name.endswith((".jsonl", ".ndjson", ".json")) and not _first_line(Path(path)).startswith("userId"):
            return Source(path, delimiter="\t", fieldnames=MOVIELENS_COLUMNS)
    return Source(path)

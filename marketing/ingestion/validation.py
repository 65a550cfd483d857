"""Validating interaction events against one brand: the single rule set behind every ingest path.

An *event* has the reelboard keys (``event_id``, ``platform``, ``viewer_id``, ``video_external_id``,
``campaign_id``, ``kind``, ``watch_ms``, ``value``, ``currency``, ``occurred_at``), values as strings
(CSV), JSON scalars or Python objects (the service API). Events are validated a chunk at a time,
column by column (staged.py: :class:`EventColumns` in, :class:`ValidatedChunk` out): each rule runs
once per *distinct* value of its column where it can (platforms, kinds, videos, campaigns, currencies,
viewer ids), so the per-row work left in Python is a few list passes. The valid events come out as
:class:`StagedEvents` columns; raw viewer ids are replaced by their keyed hash here, at the edge, and
never travel further. Problems come out as :class:`RowError` (rejects.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.utils.translation import gettext

from marketing.ingestion.rejects import RowError
from marketing.ingestion.staged import EventColumns, StagedEvents, ValidatedChunk
from marketing.models import (
    Campaign,
    InteractionKind,
    Platform,
    Video,
    pseudonymise_viewer_ids,
)
from marketing.services.errors import ErrorCode

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
# Numbers of different types can be equal (1 == 1.0 == True), so one cache entry could stand for both.
_NUMBER_TYPES = frozenset({bool, int, float, Decimal})

Problem = tuple[ErrorCode, str]


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


class _Findings:
    """The problems found in a chunk so far: position -> [(field, code, message)], in the order found."""

    def __init__(self, problems: dict[int, list[tuple[str, ErrorCode, str]]]) -> None:
        self.by_position: dict[int, list[tuple[str, ErrorCode, str]]] = {
            i: list(found) for i, found in problems.items()}

    def add(self, rows: Iterable[tuple[int, Problem]], name: str) -> None:
        for i, (code, message) in rows:
            self.by_position.setdefault(i, []).append((name, code, message))

    def row_errors(self, unreadable: dict[int, str], lines: Sequence[int],
                   names: dict[str, str]) -> dict[int, list[RowError]]:
        """Every problem as a row error, by position; an unreadable event has only that one."""
        found = self.by_position
        for i, message in unreadable.items():
            found[i] = [("input", ErrorCode.INVALID, message)]
        return {i: [RowError(lines[i], names.get(name, name), code, message)
                    for name, code, message in found[i]] for i in sorted(found)}


@dataclass
class _CheckedColumns:
    """A chunk's columns as the checks normalised them (a value is None where it is missing or invalid)."""

    event_ids: list[str | None]
    platforms: list[tuple[str, int] | None]
    raw_viewers: list[str | None]
    exts: list[str | None]
    video_ids: list[int | None]
    new_exts: list[str | None]
    campaign_ids: list[int | None]
    kinds: list[str | None]
    watch: list[int | None]
    values: list[Decimal | None]
    currencies: list[str]
    moments: list[datetime | None]

    def take(self, positions: list[int]) -> _CheckedColumns:
        """The events at ``positions`` (in that order)."""
        return _CheckedColumns(**{name: [column[i] for i in positions]
                                  for name, column in vars(self).items()})


class BrandContext:
    """What validation needs to know about one brand, loaded once and cached per run.

    Videos are looked up per chunk, only those not seen before, so a brand with many videos costs one
    query per chunk, not one per row. With ``create_missing`` an unknown video is remembered in
    ``videos_to_create`` (platform id, external id) -> duration in ms, to be inserted set-based.
    ``currency`` is the brand's: an event with a value must be in it (a missing currency means it).
    """

    def __init__(self, *, brand_id: int, currency: str, create_missing: bool = False,
                 retained_from: datetime | None = None) -> None:
        self.brand_id = brand_id
        self.currency = currency
        # The brand's retention horizon (marketing.services.retention.horizon_start): older events are refused.
        self.retained_from = retained_from
        self.create_missing = create_missing
        self.platforms: dict[str, int] = dict(Platform.objects.values_list("code", "pk"))
        self.campaign_ids: frozenset[int] = frozenset(
            Campaign.objects.filter(brand_id=brand_id).values_list("pk", flat=True)
        )
        self.videos: dict[tuple[int, str], tuple[int | None, int]] = {}
        self.videos_to_create: dict[tuple[int, str], int] = {}
        self._unknown_videos: set[tuple[int, str]] = set()

    # --- lookups ----------------------------------------------------------------------------
    def load_videos(self, keys: Iterable[tuple[int, str]], *, before_query: Callable[[], None] | None = None) -> None:
        """Load the brand's videos among ``keys`` (platform id, external id) that are not cached yet.

        ``before_query`` runs once before the first query, only if one is needed (the file importer
        passes the writer's ``wait_idle``, so this read never interleaves with a background COPY).
        """
        wanted: dict[int, set[str]] = {}
        for key in keys:
            if key not in self.videos and key not in self._unknown_videos:
                wanted.setdefault(key[0], set()).add(key[1])
        if wanted and before_query is not None:
            before_query()
        for platform_id, externals in wanted.items():
            names = sorted(externals)
            for ext, pk, duration in self._videos_named(platform_id, names):
                self.videos[(platform_id, ext)] = (pk, duration)
            for ext in names:
                if (platform_id, ext) not in self.videos:
                    self._unknown_videos.add((platform_id, ext))

    def _videos_named(self, platform_id: int, names: list[str]) -> list[tuple[str, int, int]]:
        """(external id, id, duration) of the brand's videos on the platform among ``names``."""
        if connection.vendor != "postgresql":
            return [row for start in range(0, len(names), 5000) for row in Video.objects.filter(
                brand_id=self.brand_id, platform_id=platform_id, external_id__in=names[start:start + 5000],
            ).values_list("external_id", "pk", "duration_ms")]
        # One array parameter: an IN list of ~1,000 parameters (an API batch) took 7-10 ms, this 2 ms.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT external_id, id, duration_ms FROM {Video._meta.db_table} "
                "WHERE brand_id = %s AND platform_id = %s AND external_id = ANY(%s)",
                [self.brand_id, platform_id, names],
            )
            return cursor.fetchall()

    # --- the rules --------------------------------------------------------------------------
    def validate_events(
        self, batch: EventColumns, *, lines: Sequence[int], fmt: str, columns: dict[str, str] | None = None,
        default_duration_ms: int | None = None, before_query: Callable[[], None] | None = None,
    ) -> ValidatedChunk:
        """Check a chunk of events; return the valid ones staged, and every problem of the others.

        ``lines[i]`` is the line (file) or index (API) reported for event ``i``; ``columns`` maps event
        keys to the source's column names for error messages; ``default_duration_ms`` is the duration
        given to videos created on the fly; ``before_query`` as in :meth:`load_videos`.
        """
        # The checks run in field order: an event's problems are reported in that order.
        found = _Findings(batch.problems)
        event_ids, platforms, raw_viewers, kinds = self._check_identity(batch, found)
        exts, video_ids, new_exts, durations, campaign_ids = self._check_references(
            batch, platforms, found, default_duration_ms, before_query)
        watch, values, currencies = self._check_amounts(batch, kinds, durations, found)
        moments = self._check_time(batch, found)
        errors = found.row_errors(batch.unreadable, lines, columns or {})
        checked = _CheckedColumns(
            event_ids=event_ids, platforms=platforms, raw_viewers=raw_viewers, exts=exts, video_ids=video_ids,
            new_exts=new_exts, campaign_ids=campaign_ids, kinds=kinds, watch=watch, values=values,
            currencies=currencies, moments=moments,
        )
        return self._stage(checked, batch.size, errors, fmt)

    def _check_identity(self, batch: EventColumns, found: _Findings) -> tuple[list, list, list, list]:
        """Event ids, platforms (code, id), raw viewer ids and kinds."""
        # event_id: free text, unique per event (no per-value cache)
        event_ids = [None if v is None else (v if v.__class__ is str else str(v))
                     for v in _cleaned(batch.column("event_id"))]
        present = [v for v in event_ids if v is not None]
        if present and not _plain_text(present, MAX_EVENT_ID):
            found.add(((i, problem) for i, v in enumerate(event_ids)
                       if v is not None and (problem := _event_id_problem(v))), "event_id")

        platforms, issues = _by_value(_cleaned(batch.column("platform")), self._check_platform)
        found.add(issues, "platform")
        raw_viewers = _cleaned(batch.column("viewer_id"))
        if not _plain_text(raw_viewers, MAX_VIEWER_ID):
            raw_viewers, issues = _by_value(raw_viewers, _check_viewer_id)
            found.add(issues, "viewer_id")
        kinds, issues = _by_value(_cleaned(batch.column("kind")), _check_kind)
        found.add(issues, "kind")
        return event_ids, platforms, raw_viewers, kinds

    def _check_references(self, batch: EventColumns, platforms: list, found: _Findings,
                          default_duration_ms: int | None, before_query: Callable[[], None] | None):
        """The brand's videos and campaigns.

        Returns (external ids, video ids, external ids of videos to create, durations, campaign ids).
        """
        exts = _cleaned(batch.column("video_external_id"))
        if not _plain_text(exts, MAX_VIDEO_ID):
            exts, issues = _by_value(exts, _check_video_external_id)
            found.add(issues, "video_external_id")
        video_keys = [None if p is None or e is None else (p[1], e) for p, e in zip(platforms, exts, strict=True)]
        video_ids, new_exts, durations = self._resolve_videos(
            video_keys, platforms, batch, default_duration_ms, before_query, found.add)

        campaign_ids, issues = _by_value(_cleaned(batch.column("campaign_id")), self._check_campaign)
        found.add(issues, "campaign_id")
        return exts, video_ids, new_exts, durations, campaign_ids

    def _check_amounts(self, batch: EventColumns, kinds: list, durations: list,
                       found: _Findings) -> tuple[list, list, list]:
        """Watch times (full watches resolved to the video's duration), values and currencies."""
        watch, issues = _by_value(_cleaned(batch.column("watch_ms")), _check_watch_ms)
        found.add(issues, "watch_ms")
        if any(w is not None for w in watch):
            bad = {i for i, _ in issues}
            found.add(((i, (ErrorCode.INVALID, "Watch time is only allowed on views.")) for i, (w, k) in
                       enumerate(zip(watch, kinds, strict=True))
                       if w is not None and k is not None and k != VIEW and w is not FULL_WATCH and i not in bad),
                      "watch_ms")
            if any(w is FULL_WATCH for w in watch):
                watch = [d if w is FULL_WATCH else w for w, d in zip(watch, durations, strict=True)]

        raw_values = _cleaned(batch.column("value"))
        values, issues = _by_value(raw_values, _check_value)
        found.add(issues, "value")

        currencies, issues = _by_value(_cleaned(batch.column("currency")), _check_currency)
        found.add(issues, "currency")
        own = self.currency
        if any(v is not None for v in raw_values):
            bad = {i for i, _ in issues}
            found.add(((i, (ErrorCode.CURRENCY_MISMATCH,
                            f"The value is in {c}, but this brand's currency is {own}: convert it before ingest."))
                       for i, (v, c) in enumerate(zip(raw_values, currencies, strict=True))
                       if v is not None and c and c != own and i not in bad), "currency")
        return watch, values, currencies

    def _check_time(self, batch: EventColumns, found: _Findings) -> list[datetime | None]:
        """When each event occurred; events before the brand's retention horizon are refused."""
        moments, issues = _occurred_at(batch.column("occurred_at"))
        found.add(issues, "occurred_at")
        if self.retained_from is not None:
            horizon = self.retained_from
            refused = gettext("The event is older than this brand's raw event retention allows (it occurred "
                              "before %(horizon)s); it is not stored.") % {"horizon": horizon.isoformat()}
            found.add(((i, (ErrorCode.BEFORE_RETENTION_HORIZON, refused))
                       for i, moment in enumerate(moments) if moment is not None and moment < horizon),
                      "occurred_at")
        return moments

    def _stage(self, checked: _CheckedColumns, size: int, errors: dict[int, list[RowError]],
               fmt: str) -> ValidatedChunk:
        """The events without errors as staging columns: viewer ids hashed, missing event ids derived."""
        positions = list(range(size)) if not errors else [i for i in range(size) if i not in errors]
        c = checked if not errors else checked.take(positions)
        viewer_keys = self._viewer_keys(c.platforms, c.raw_viewers)
        event_ids, currencies = c.event_ids, c.currencies
        if None in event_ids:
            for i, event_id in enumerate(event_ids):
                if event_id is None:
                    value = c.values[i]
                    # the currency as given: ids derived before currencies were defaulted stay the same
                    event_ids[i] = derive_event_id(
                        fmt, c.platforms[i][0], viewer_keys[i], c.exts[i], c.campaign_ids[i], c.kinds[i],
                        c.watch[i], None if value is None else f"{value:.2f}", currencies[i],
                        c.moments[i].astimezone(UTC).isoformat(),
                    )
        if any(v is not None for v in c.values):  # a value without a currency is in the brand's currency
            own = self.currency
            currencies = [own if v is not None and not cur else cur
                          for v, cur in zip(c.values, currencies, strict=True)]
        staged = StagedEvents(
            event_id=event_ids, platform_id=[p[1] for p in c.platforms], viewer_key=viewer_keys,
            video_id=c.video_ids, video_ext=c.new_exts, campaign_id=c.campaign_ids, kind=c.kinds,
            watch_ms=c.watch, value=c.values, currency=currencies, occurred_at=c.moments,
        )
        return ValidatedChunk(staged=staged, positions=positions, errors=errors)

    # --- one rule per column, run once per distinct value --------------------------------------
    def _check_platform(self, value) -> tuple[tuple[str, int] | None, Problem | None]:
        if value is None:
            return None, (ErrorCode.REQUIRED, "The platform is required.")
        code = str(value)
        platform_id = self.platforms.get(code)
        if platform_id is None:
            return None, (ErrorCode.INVALID_CHOICE,
                          f"Unknown platform {code!r}; one of: {', '.join(sorted(self.platforms))}.")
        return (code, platform_id), None

    def _check_campaign(self, value) -> tuple[int | None, Problem | None]:
        if value is None:
            return None, None
        try:
            campaign_id = int(value)
        except (TypeError, ValueError, OverflowError):
            return None, (ErrorCode.INVALID, "The campaign id must be an integer.")
        if campaign_id not in self.campaign_ids:
            return None, (ErrorCode.NOT_FOUND, f"No campaign {campaign_id} for this brand.")
        return campaign_id, None

    def _resolve_videos(self, keys, platforms, batch, default_duration_ms, before_query, fail):
        """Per event: (video id or None, external id of a video to create or None, duration in ms)."""
        distinct = {key for key in keys if key is not None}
        self.load_videos(distinct, before_query=before_query)
        unknown = {key for key in distinct if key not in self.videos}
        if unknown and self.create_missing:
            # In file order: the first event naming an unknown video (with a duration) defines it.
            durations = batch.column("video_duration_ms")
            not_given = []
            for i, key in enumerate(keys):
                if key in unknown and key not in self.videos and i not in batch.unreadable:
                    duration_ms = _positive_int(durations[i]) or default_duration_ms
                    if duration_ms is None:
                        not_given.append((i, (ErrorCode.NOT_FOUND,
                                              f"Video {key[1]!r} is unknown and its duration is not given.")))
                    else:
                        self.videos_to_create[key] = duration_ms
                        self.videos[key] = (None, duration_ms)
            fail(not_given, "video_external_id")
        elif unknown:
            fail(((i, (ErrorCode.NOT_FOUND, f"No video {key[1]!r} on {platforms[i][0]} for this brand "
                                            "(use --create-missing to add it)."))
                  for i, key in enumerate(keys) if key in unknown), "video_external_id")
        found = {key: self.videos.get(key, (None, None)) for key in distinct}
        video_ids, new_exts, durations = [], [], []
        for key in keys:
            video_id, duration_ms = found[key] if key is not None else (None, None)
            video_ids.append(video_id)
            new_exts.append(key[1] if video_id is None and duration_ms is not None else None)
            durations.append(duration_ms)
        return video_ids, new_exts, durations

    def _viewer_keys(self, platforms: list[tuple[str, int]], raw_ids: list[str]) -> list[str]:
        """The keyed hash of each viewer id: one HMAC per distinct (platform, viewer id) of the chunk."""
        by_platform: dict[str, set[str]] = {}
        for code, raw_id in set(zip((p[0] for p in platforms), raw_ids, strict=True)):
            by_platform.setdefault(code, set()).add(raw_id)
        keys: dict[tuple[str, str], str] = {}
        for code, ids in by_platform.items():
            ids = list(ids)
            hashed = pseudonymise_viewer_ids(brand_id=self.brand_id, platform_code=code, raw_ids=ids)
            keys.update(zip(((code, raw_id) for raw_id in ids), hashed, strict=True))
        return [keys[(p[0], raw_id)] for p, raw_id in zip(platforms, raw_ids, strict=True)]


# --- column helpers -------------------------------------------------------------------------------


def _cleaned(values: Sequence) -> list:
    """None for a missing or blank value; strings stripped; other values as given."""
    try:
        return [v.strip() or None for v in values]  # every value a string (CSV): the fast path
    except AttributeError:
        return [_clean(v) for v in values]


def _clean(value):
    if value is None:
        return None
    if value.__class__ is str or isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _by_value(values: list, check: Callable) -> tuple[list, list[tuple[int, Problem]]]:
    """``check`` each value: (normalised values, [(position, problem)]), one call per distinct value.

    Falls back to one call per value when values are unhashable or could collide (1, 1.0 and True are
    one dict key), which only API or JSON input can produce.
    """
    try:
        distinct = set(values)
    except TypeError:
        distinct = None
    if distinct is None or len({type(v) for v in distinct} & _NUMBER_TYPES) > 1:
        results = [check(v) for v in values]
        issues = [(i, problem) for i, (_, problem) in enumerate(results) if problem is not None]
        return [normalised for normalised, _ in results], issues
    normalised, problems = {}, {}
    for value in distinct:
        normalised[value], problem = check(value)
        if problem is not None:
            problems[value] = problem
    mapped = list(map(normalised.__getitem__, values))
    if not problems:
        return mapped, []
    return mapped, [(i, problems[v]) for i, v in enumerate(values) if v in problems]


def _plain_text(values: list, max_length: int) -> bool:
    """Every value a string of at most ``max_length`` characters that PostgreSQL can store (the common
    case, checked for the whole column at once; otherwise each distinct value is checked)."""
    return (bool(values) and set(map(type, values)) == {str} and max(map(len, values)) <= max_length
            and _storable_text(values))


def _storable_text(values: list[str]) -> bool:
    """No NUL character and valid UTF-8 (no lone surrogates from JSON escapes): PostgreSQL can store it."""
    joined = "".join(values)
    if "\x00" in joined:
        return False
    if joined.isascii():
        return True
    try:
        joined.encode()
    except UnicodeEncodeError:
        return False
    return True


def _text_problem(value: str, what: str) -> Problem | None:
    if not _storable_text([value]):
        return ErrorCode.INVALID, f"{what} contains a NUL character or invalid Unicode."
    return None


def _event_id_problem(value: str) -> Problem | None:
    if len(value) > MAX_EVENT_ID:
        return ErrorCode.TOO_LONG, f"An event id is at most {MAX_EVENT_ID} characters."
    return _text_problem(value, "The event id")


def _check_viewer_id(value) -> tuple[str | None, Problem | None]:
    if value is None:
        return None, (ErrorCode.REQUIRED, "The viewer id is required.")
    raw_id = str(value)
    if len(raw_id) > MAX_VIEWER_ID:
        return raw_id, (ErrorCode.TOO_LONG, f"A viewer id is at most {MAX_VIEWER_ID} characters.")
    return raw_id, _text_problem(raw_id, "The viewer id")


def _check_kind(value) -> tuple[str | None, Problem | None]:
    if value is None:
        return None, (ErrorCode.REQUIRED, "The kind is required.")
    kind = str(value).lower()
    if kind not in KINDS:  # the kind is kept anyway: "watch time only on views" still applies
        return kind, (ErrorCode.INVALID_CHOICE, f"Unknown kind {kind!r}; one of: {', '.join(sorted(KINDS))}.")
    return kind, None


def _check_video_external_id(value) -> tuple[str | None, Problem | None]:
    if value is None:
        return None, (ErrorCode.REQUIRED, "The video's external id is required.")
    ext = str(value)
    if len(ext) > MAX_VIDEO_ID:
        return None, (ErrorCode.TOO_LONG, f"A video id is at most {MAX_VIDEO_ID} characters.")
    problem = _text_problem(ext, "The video id")
    return (None, problem) if problem else (ext, None)


def _check_watch_ms(value) -> tuple[int | None, Problem | None]:
    if value is None or value is FULL_WATCH:
        return value, None
    watch_ms = _whole_number(value)
    if watch_ms is None:
        return None, (ErrorCode.INVALID, "Watch time must be a whole number of milliseconds.")
    if watch_ms < 0:
        return watch_ms, (ErrorCode.NEGATIVE, "Watch time cannot be negative.")
    if watch_ms > MAX_WATCH_MS:
        return watch_ms, (ErrorCode.OUT_OF_RANGE, "Watch time is too large.")
    return watch_ms, None


def _check_value(value) -> tuple[Decimal | None, Problem | None]:
    if value is None:
        return None, None
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        return None, (ErrorCode.INVALID, "The value must be a decimal number.")
    if number < 0:
        return number, (ErrorCode.NEGATIVE, "The value cannot be negative.")
    if number > MAX_VALUE:
        return number, (ErrorCode.OUT_OF_RANGE, "The value is too large.")
    if number != number.quantize(CENT):
        return number, (ErrorCode.INVALID, "The value has at most 2 decimal places.")
    return number, None


def _check_currency(value) -> tuple[str, Problem | None]:
    if value is None:
        return "", None
    currency = str(value).upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        return currency, (ErrorCode.INVALID, "The currency is a 3-letter ISO code.")
    return currency, None


_REQUIRED_TIME: Problem = (ErrorCode.REQUIRED, "The time of the event is required.")
_INVALID_TIME: Problem = (ErrorCode.INVALID, "The time must be ISO-8601 with a UTC offset.")


def _occurred_at(values: Sequence) -> tuple[list[datetime | None], list[tuple[int, Problem]]]:
    """Every value parsed (distinct per event: no cache); strings take the fast path."""
    parse = datetime.fromisoformat
    moments: list[datetime | None] = []
    append = moments.append
    issues: list[tuple[int, Problem]] = []
    for i, value in enumerate(values):
        if value.__class__ is str:
            text = value.strip()
            if not text:
                append(None)
                issues.append((i, _REQUIRED_TIME))
                continue
            try:
                moment = parse(text)
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                append(None)
                issues.append((i, _INVALID_TIME))
            else:
                append(moment)
            continue
        value = _clean(value)
        if value is None:
            append(None)
            issues.append((i, _REQUIRED_TIME))
            continue
        try:
            append(parse_occurred_at(value))
        except (ValueError, TypeError):
            append(None)
            issues.append((i, _INVALID_TIME))
    return moments, issues


def _whole_number(value) -> int | None:
    if value.__class__ is int:
        return value
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
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
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return number if number > 0 else None

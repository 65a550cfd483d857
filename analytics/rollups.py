"""Maintaining the daily rollups from raw interactions.

Three derived tables:

* ``DailyViewerRollup``: one row per (campaign, video, day, viewer) with the viewer's sums;
* ``DailyRollup``: one row per (campaign, video, day), the sum of its viewer rows;
* ``VideoReachBlock``: the set of those viewers (a Roaring bitmap, ``analytics.reach``) and their sums per
  (campaign, video) and day (level 0), and pre-summed and pre-unioned over aligned blocks of 2..64 days
  (``analytics.reach_blocks``) except sparse ones (``SparseReachBlock``: readers take their halves);
* ``DailyReach``: one row per (campaign, day) with the sums and the union of its videos' day rows.

Two ways to write them, both idempotent and serialised per brand by a lock on the brand row:

* **Delta** (``apply_pending``, after every ingest): the ingest writer sends ``interactions_stored``
  (``marketing.signals``) in the same transaction as the interactions, and ``record_pending`` (connected in
  ``AnalyticsConfig.ready``) records the ids it inserted as a ``PendingRollup`` row in that transaction. The delta aggregates only those
  events, *adds* their sums to existing rows (``INSERT ... ON CONFLICT DO UPDATE``) and their viewers to
  the sets, and deletes the PendingRollup rows in the same transaction: a task delivered twice finds
  nothing left to add. Its cost is proportional to the new events, not to the days they touch. It
  changes only the day sets of the blocks and marks the blocks above those days stale;
  ``rebuild_stale_blocks`` (its own task, queued after the delta) unions them again. Reads never use
  a stale block, so they are exact before the rebuild too.
* **Rebuild** (``refresh_days``: erasures, the nightly safety net, ``recompute_rollups``): deletes a
  (brand, days) slice and inserts it again from the raw interactions with ``INSERT ... SELECT ...
  GROUP BY``, so any range recomputed gives identical rows. It leaves out interactions still listed
  as pending (the delta adds them when it consumes their row; a pending row commits with its
  interactions, so one statement sees both or neither and no event is counted by both paths). It
  rebuilds the blocks above the days in the same transaction (an erased viewer is in no set after it).

Readers see the old or the new state of a transaction, never half of one.

Time zone rule: ``day`` is the calendar day of ``occurred_at`` in the brand's
``reporting_timezone``, computed by the database. On PostgreSQL ``TruncDate(tzinfo=...)`` compiles to
``(occurred_at AT TIME ZONE 'Asia/Shanghai')::date``; on SQLite Django compiles it to its registered
``django_datetime_cast_date`` user function, which converts each value with ``zoneinfo`` in Python
(row by row inside the SQL statement: correct, slower, fine for tests and development).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import BooleanField, Count, F, Max, Min, Model, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThanOrEqual
from pyroaring import BitMap

from analytics import reach, reach_blocks, reach_cache, rollup_sql
from analytics.aggregates import IntegerList
from analytics.kpis import ROLLUP_SUMS, VIEW_2S_MS, VIEW_6S_MS
from analytics.models import (
    DailyReach,
    DailyRollup,
    DailyViewerRollup,
    PendingRollup,
    SparseReachBlock,
    StaleReachBlock,
    VideoReachBlock,
)
from marketing.models import Brand, Interaction

_VIEW = Q(kind="view")
_KEY_COLUMNS = ("campaign_id", "video_id", "platform_id", "day")
_VIEWER_COLUMNS = ("brand_id", *_KEY_COLUMNS, "viewer_id", *ROLLUP_SUMS)
_DAILY_COLUMNS = ("brand_id", *_KEY_COLUMNS, *ROLLUP_SUMS)
_BLOCK_COLUMNS = ("brand_id", "campaign_id", "video_id", "platform_id", "level", "start", *ROLLUP_SUMS, "viewers")
_REACH_COLUMNS = ("brand_id", "campaign_id", "day", *ROLLUP_SUMS, "viewers", "reach")
REFRESH_WORK_MEM = "128MB"


def day_bounds(tz_name: str, first: date, last: date) -> tuple[datetime, datetime]:
    """[start of ``first``, start of the day after ``last``) in the zone, as aware datetimes."""
    zone = ZoneInfo(tz_name)
    return (datetime.combine(first, time.min, tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone))


def days_touched(tz_name: str, start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last brand-zone day that the instants ``start`` and ``end`` fall on."""
    zone = ZoneInfo(tz_name)
    return start.astimezone(zone).date(), end.astimezone(zone).date()


def interaction_sums() -> dict:
    """The rollup sums as aggregates over ``Interaction`` rows (the one definition of each count)."""
    count = lambda kind: Count("id", filter=Q(kind=kind))  # noqa: E731
    return {
        "impressions": count("impression"),
        "views": count("view"),
        "watch_ms_sum": Sum("watch_ms", filter=_VIEW, default=0),
        # watch_ms >= 95% of duration, in integers: watch_ms * 100 >= duration_ms * 95
        "completed_views": Count(
            "id", filter=Q(_VIEW, GreaterThanOrEqual(F("watch_ms") * 100, F("video__duration_ms") * 95))
        ),
        "views_2s": Count("id", filter=_VIEW & Q(watch_ms__gte=VIEW_2S_MS)),
        "views_6s": Count("id", filter=_VIEW & Q(watch_ms__gte=VIEW_6S_MS)),
        "likes": count("like"),
        "comments": count("comment"),
        "shares": count("share"),
        "follows": count("follow"),
        "clicks": count("click"),
        "conversions": count("conversion"),
        "purchases": count("purchase"),
        "revenue": Sum("value", filter=Q(kind="purchase"), default=0),
    }


def refresh_days(*, brand_id: int, first: date, last: date) -> int:
    """Rebuild the brand's rollups for the days ``first``..``last`` (inclusive, brand zone).

    Returns the number of ``DailyRollup`` rows written.
    """
    with transaction.atomic():
        brand = _lock_brand(brand_id)
        retained = brand.raw_events_removed_before  # days before it have no raw events left (retention)
        if retained is not None and first < retained:
            written = _refresh_retained_days(brand=brand, first=first, last=min(last, retained - timedelta(days=1)))
            if last < retained:
                return written
            first = retained
        zone = ZoneInfo(brand.reporting_timezone)
        start, end = day_bounds(brand.reporting_timezone, first, last)
        DailyViewerRollup.objects.filter(brand_id=brand_id, day__gte=first, day__lte=last).delete()
        DailyRollup.objects.filter(brand_id=brand_id, day__gte=first, day__lte=last).delete()
        DailyReach.objects.filter(brand_id=brand_id, day__gte=first, day__lte=last).delete()
        VideoReachBlock.objects.filter(brand_id=brand_id, level=0, start__gte=first, start__lte=last).delete()
        # Interactions still pending are left to apply_pending, which adds them when it consumes their
        # PendingRollup row: the row and its interactions commit together, so one statement sees both or
        # neither, and no event is counted by both paths.
        events = (Interaction.objects.filter(brand_id=brand_id, occurred_at__gte=start, occurred_at__lt=end)
                  .exclude(_is_pending(brand_id=brand_id)))
        rollup_sql.insert_select(DailyViewerRollup, _VIEWER_COLUMNS, _per_viewer(events, zone))
        written = _write_daily_rows(brand_id=brand_id, first=first, last=last)
        _mark_stale(brand_id=brand_id, blocks=reach_blocks.overlapping(first, last))
        _rebuild_stale(brand_id=brand_id)
        return written


def _refresh_retained_days(*, brand: Brand, first: date, last: date) -> int:
    """Rebuild days whose raw events retention removed, from their per-viewer rows (which an erasure has
    already cut): the sums, sets and blocks come out as a rebuild from the raw events gave them. Days whose
    per-viewer data was purged too hold no viewer and are left as they are. Inside the brand lock."""
    if brand.viewer_data_purged_before is not None:
        first = max(first, brand.viewer_data_purged_before)
    if last < first:
        return 0
    DailyRollup.objects.filter(brand_id=brand.pk, day__gte=first, day__lte=last).delete()
    DailyReach.objects.filter(brand_id=brand.pk, day__gte=first, day__lte=last).delete()
    VideoReachBlock.objects.filter(brand_id=brand.pk, level=0, start__gte=first, start__lte=last).delete()
    written = _write_daily_rows(brand_id=brand.pk, first=first, last=last)
    _mark_stale(brand_id=brand.pk, blocks=reach_blocks.overlapping(first, last))
    _rebuild_stale(brand_id=brand.pk)
    return written


def _write_daily_rows(*, brand_id: int, first: date, last: date) -> int:
    """Write ``DailyRollup``, the day sets and ``DailyReach`` for the days from the per-viewer rows.

    One day at a time, so memory is bounded by a day's (video, viewer) pairs whatever the range.
    Each ``DailyRollup`` row is the sum of its per-viewer rows, and its level-0 ``VideoReachBlock`` the
    same sums with the bitmap of those viewers; each ``DailyReach`` row is the sum and the union of a
    campaign's video rows of the day.
    """
    written = 0
    days = (DailyViewerRollup.objects.filter(brand_id=brand_id, day__gte=first, day__lte=last)
            .values_list("day", flat=True).distinct().order_by("day"))
    for day in list(days):
        per_video = (
            DailyViewerRollup.objects.filter(brand_id=brand_id, day=day)
            .values("campaign_id", "video_id", "platform_id")
            .annotate(**{name: Sum(name) for name in ROLLUP_SUMS}, viewer_ids=IntegerList("viewer_id"))
            .order_by()
        )
        rows, day_sets, campaign_viewers, campaign_days = [], [], {}, {}
        for row in per_video:
            viewers = reach.viewer_set(row.pop("viewer_ids"))
            campaign_viewers.setdefault(row["campaign_id"], []).append(viewers)
            _add_sums(campaign_days.setdefault(row["campaign_id"], DailyReach(
                brand_id=brand_id, campaign_id=row["campaign_id"], day=day)), row)
            rows.append(DailyRollup(brand_id=brand_id, day=day, **row))
            day_sets.append(VideoReachBlock(brand_id=brand_id, level=0, start=day, viewers=reach.dump(viewers), **row))
        rollup_sql.insert_objects(DailyRollup, rows)
        rollup_sql.insert_objects(VideoReachBlock, day_sets)
        for campaign_id, sets in campaign_viewers.items():
            viewers = BitMap.union(*sets) if len(sets) > 1 else sets[0]
            campaign_days[campaign_id].viewers, campaign_days[campaign_id].reach = reach.dump(viewers), len(viewers)
        rollup_sql.insert_objects(DailyReach, list(campaign_days.values()))
        written += len(rows)
    return written


def _per_viewer(events: QuerySet, zone: ZoneInfo) -> QuerySet:
    """The events' sums per (campaign, video, platform, brand day, viewer), columns in _VIEWER_COLUMNS order."""
    return (events.annotate(day=TruncDate("occurred_at", tzinfo=zone), platform_id=F("video__platform_id"))
            .values("brand_id", "campaign_id", "video_id", "platform_id", "day", "viewer_id")
            .annotate(**interaction_sums())
            .order_by())


def _pending_sql(*, brand_id: int, pending: list[int] | None) -> tuple[str, list]:
    """SQL listing the interaction ids of the brand's PendingRollup rows (or of the rows ``pending``)."""
    table = PendingRollup._meta.db_table
    params: list = [brand_id]
    only = ""
    if pending is not None:
        only = f" AND p.id IN ({', '.join(['%s'] * len(pending))})"
        params += pending
    if connection.vendor == "postgresql":
        return (f"SELECT (jsonb_array_elements_text(p.interaction_ids))::bigint FROM {table} p "
                f"WHERE p.brand_id = %s{only}", params)
    return f"SELECT j.value FROM {table} p, json_each(p.interaction_ids) j WHERE p.brand_id = %s{only}", params


def _is_pending(*, brand_id: int, pending: list[int] | None = None) -> RawSQL:
    """Condition on ``marketing_interaction``: the row is listed as pending (in ``pending`` rows, if given).

    On PostgreSQL ``id = ANY(ARRAY(subquery))``: the id list is built once and probed by primary key
    (``id IN (subquery)`` over a set-returning function was planned as a per-row subplan).
    """
    sql, params = _pending_sql(brand_id=brand_id, pending=pending)
    table = Interaction._meta.db_table
    if connection.vendor == "postgresql":
        return RawSQL(f'"{table}"."id" = ANY(ARRAY({sql}))', params, output_field=BooleanField())
    return RawSQL(f'"{table}"."id" IN ({sql})', params, output_field=BooleanField())


def record_pending(sender=None, *, brand_id: int, cursor, inserted: str, ingested_at, **_signal) -> None:
    """Receiver of ``marketing.signals.interactions_stored``: one ``PendingRollup`` row listing the ids in the
    writer's ``inserted`` table, written set-based through the writer's cursor, inside its transaction."""
    table = PendingRollup._meta.db_table
    if connection.vendor == "postgresql":
        ids = f"SELECT jsonb_agg(id) FROM {inserted}"
    else:
        ids = f"SELECT json_group_array(id) FROM (SELECT DISTINCT id FROM {inserted} ORDER BY id)"
    cursor.execute(f"INSERT INTO {table} (brand_id, interaction_ids, created_at) SELECT %s, ({ids}), %s "
                   f"WHERE EXISTS (SELECT 1 FROM {inserted})", [brand_id, ingested_at])


# How many PendingRollup rows one transaction of apply_pending takes (an API batch or an import chunk
# each: up to ~1M interactions per transaction with the importer's chunks).
PENDING_ROWS_PER_TRANSACTION = 40


def apply_pending(*, brand_id: int) -> int:
    """Add the brand's pending interactions to the rollups; returns how many interactions were added.

    The delta path after ingest: only the new events are aggregated, and their sums are *added* to the
    per-viewer and per-video rows (upserts) and their viewers to the day sets, instead of rebuilding
    whole days. Each transaction takes the brand lock, applies some PendingRollup rows and deletes them,
    so a task delivered twice, or two workers, never add an event twice.
    """
    added = 0
    while True:
        with transaction.atomic():
            brand = _lock_brand(brand_id)
            pending = list(PendingRollup.objects.filter(brand_id=brand_id).order_by("pk")
                           .values_list("pk", flat=True)[:PENDING_ROWS_PER_TRANSACTION])
            if not pending:
                transaction.set_rollback(True)  # nothing changed: keep the generation (and cached reach)
                return added
            events = Interaction.objects.filter(_is_pending(brand_id=brand_id, pending=pending), brand_id=brand_id)
            added += _add_events(brand, events)
            PendingRollup.objects.filter(pk__in=pending).delete()


def _add_events(brand: Brand, events: QuerySet) -> int:
    """Add ``events`` to the brand's rollups; returns how many were added.

    Set-based, with no model object per row: the per-viewer and the daily sums are added in the database
    (``INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE``); only the viewer sets go through Python,
    as tuples, one per touched (campaign, video, day) and (campaign, day). A backfill touches a (video,
    day) pair per event or two, so its cost is this per-pair work: no ORM instances, rows streamed with
    COPY on PostgreSQL.
    """
    zone = ZoneInfo(brand.reporting_timezone)
    rollup_sql.upsert_sums(DailyViewerRollup, _VIEWER_COLUMNS, _per_viewer(events, zone),
                 targets=("brand_id, campaign_id, video_id, day, viewer_id", "brand_id, video_id, day, viewer_id"))
    rollup_sql.upsert_sums(DailyRollup, _DAILY_COLUMNS, _per_video_day(events, zone),
                 targets=("campaign_id, video_id, day", "brand_id, video_id, day"))
    per_video = rollup_sql.fetch_rows(
        events.annotate(day=TruncDate("occurred_at", tzinfo=zone), platform_id=F("video__platform_id"))
        .values_list("campaign_id", "video_id", "platform_id", "day")
        .annotate(**interaction_sums(), viewer_ids=IntegerList("viewer_id"), n=Count("id"))
        .order_by()
    )
    if not per_video:
        return 0
    days = {row[3] for row in per_video}
    n_sums = len(ROLLUP_SUMS)
    # Only the touched videos' day sets of those days: (campaign, video, day) -> (pk, viewers, *sums)
    video_sets = {(c, v, d): rest for c, v, d, *rest in VideoReachBlock.objects.filter(
        brand=brand, level=0, start__in=days, video_id__in={row[1] for row in per_video}).values_list(
        "campaign_id", "video_id", "start", "pk", "viewers", *ROLLUP_SUMS).iterator(chunk_size=5_000)}
    day_sets = {(c, d): rest for c, d, *rest in DailyReach.objects.filter(brand=brand, day__in=days).values_list(
        "campaign_id", "day", "pk", "viewers", *ROLLUP_SUMS)}
    block_rows, replaced, day_viewers, day_sums = [], [], {}, {}
    for campaign_id, video_id, platform_id, day, *rest in per_video:
        sums, viewers = rest[:n_sums], reach.viewer_set(rest[n_sums])
        day_key = (campaign_id, day)
        day_viewers.setdefault(day_key, []).append(viewers)
        day_sums[day_key] = _added(day_sums.get(day_key), sums)
        existing = video_sets.get((campaign_id, video_id, day))
        if existing is not None:
            replaced.append(existing[0])
            viewers = viewers | reach.load(existing[1])
            sums = _added(existing[2:], sums)
        block_rows.append((brand.pk, campaign_id, video_id, platform_id, 0, day, *sums, reach.dump(viewers)))
    # A stored set is never updated in place: the changed day sets are replaced by new rows, so a set
    # cached by its row version (analytics.set_cache) can never be stale.
    for at in range(0, len(replaced), 5_000):
        VideoReachBlock.objects.filter(pk__in=replaced[at:at + 5_000]).delete()
    rollup_sql.insert_rows(VideoReachBlock, _BLOCK_COLUMNS, block_rows)
    _mark_stale(brand_id=brand.pk, blocks=reach_blocks.stale_after_days(days))
    new_days, changed_days = [], []
    for key, sets in day_viewers.items():  # the campaign days: sums and the union of their videos' sets
        viewers = BitMap.union(*sets) if len(sets) > 1 else sets[0]
        sums, existing = day_sums[key], day_sets.get(key)
        if existing is None:
            new_days.append((brand.pk, key[0], key[1], *sums, reach.dump(viewers), len(viewers)))
            continue
        viewers |= reach.load(existing[1])
        changed_days.append((reach.dump(viewers), len(viewers), *_added(existing[2:], sums), existing[0]))
    rollup_sql.update_rows(DailyReach, ("viewers", "reach", *ROLLUP_SUMS), changed_days)
    rollup_sql.insert_rows(DailyReach, _REACH_COLUMNS, new_days)
    return sum(row[-1] for row in per_video)


def _added(current, sums) -> list:
    """The sums ``current`` (None: nothing yet) plus ``sums``, in ``ROLLUP_SUMS`` order."""
    return list(sums) if current is None else [a + b for a, b in zip(current, sums, strict=True)]


def _per_video_day(events: QuerySet, zone: ZoneInfo) -> QuerySet:
    """The events' sums per (campaign, video, platform, brand day), columns in _DAILY_COLUMNS order."""
    return (events.annotate(day=TruncDate("occurred_at", tzinfo=zone), platform_id=F("video__platform_id"))
            .values("brand_id", "campaign_id", "video_id", "platform_id", "day")
            .annotate(**interaction_sums())
            .order_by())


def _add_sums(target: Model, sums: dict) -> None:
    """Add the ``ROLLUP_SUMS`` of ``sums`` to the rollup row ``target``."""
    for name in ROLLUP_SUMS:
        setattr(target, name, getattr(target, name) + sums[name])


# --- pre-unioned blocks of day sets (analytics.reach_blocks) ------------------------------------

# Blocks with both halves unioned in Python per batch: bounds the sets held in memory at once.
BLOCKS_PER_BATCH = 2_000


def _mark_stale(*, brand_id: int, blocks) -> None:
    """Record that ``blocks`` (level >= 1) no longer hold the union of their days."""
    StaleReachBlock.objects.bulk_create(
        [StaleReachBlock(brand_id=brand_id, level=level, start=start) for level, start in sorted(blocks)],
        ignore_conflicts=True)


def rebuild_stale_blocks(*, brand_id: int) -> int:
    """Union the brand's stale blocks again from their halves (the delta path's follow-up task).

    Serialised with the other rollup writers by the brand lock, but leaves the rollup generation (and
    the cached reach) alone: a rebuilt block holds the same viewers as its days. Returns the number of
    blocks rebuilt; running it twice rebuilds nothing the second time.
    """
    with transaction.atomic():
        Brand.objects.select_for_update(no_key=True).get(pk=brand_id)
        return _rebuild_stale(brand_id=brand_id)


def _rebuild_stale(*, brand_id: int) -> int:
    """Rebuild every stale block of the brand, lowest level first, so each is the union of current halves."""
    stale = list(StaleReachBlock.objects.filter(brand_id=brand_id).order_by("level", "start")
                 .values_list("pk", "level", "start"))
    by_level: dict[int, list] = {}
    for _pk, level, start in stale:
        by_level.setdefault(level, []).append(start)
    sparse: set = set()
    if stale:
        first = min(start for _, _, start in stale)
        last = max(reach_blocks.block_end((level, start)) for _, level, start in stale)
        sparse = set(SparseReachBlock.objects.filter(brand_id=brand_id, start__gte=first, start__lte=last)
                     .values_list("level", "start"))
    for level, starts in sorted(by_level.items()):
        SparseReachBlock.objects.filter(brand_id=brand_id, level=level, start__in=starts).delete()
        sparse -= {(level, start) for start in starts}
        made_sparse = _rebuild_level(brand_id=brand_id, level=level, starts=starts, sparse=sparse)
        SparseReachBlock.objects.bulk_create(
            [SparseReachBlock(brand_id=brand_id, level=level, start=start) for start in made_sparse])
        sparse |= {(level, start) for start in made_sparse}
    StaleReachBlock.objects.filter(pk__in=[pk for pk, _, _ in stale]).delete()
    return len(stale)


# A block whose halves both hold something is stored only when at least one in SPARSE_SHARE of its videos
# appears in both halves; otherwise most of its rows would be copies of a half's row.
SPARSE_SHARE = 16


def _rebuild_level(*, brand_id: int, level: int, starts: list[date], sparse: set) -> list[date]:
    """Write the blocks of ``level`` starting on ``starts`` again: the sums and the union of their halves.

    Returns the blocks left sparse (no rows; readers use their halves): those with a sparse half, and
    those whose halves both hold videos but few videos in both (``SPARSE_SHARE``). The decision depends
    on the rows only, so a recompute makes the same. The others are written set-based: a block of which only one half holds the video is a copy of that half's row,
    written by one ``INSERT ... SELECT``; only the blocks with both halves go through Python, as tuples,
    to union the two sets.
    """
    VideoReachBlock.objects.filter(brand_id=brand_id, level=level, start__in=starts).delete()
    made_sparse = [start for start in starts if any(half in sparse for half in reach_blocks.children((level, start)))]
    starts = sorted(set(starts) - set(made_sparse))
    if not starts:
        return made_sparse
    table = connection.ops.quote_name(VideoReachBlock._meta.db_table)
    adapt = connection.ops.adapt_datefield_value
    sums = ", ".join(name for name in ROLLUP_SUMS)

    def halves_of(parents: list[date]) -> tuple[str, str, list]:
        """The CTE ``halves (child, parent)`` of ``parents``, the ``FROM`` of their halves' rows (``b``), params."""
        halves = {half[1]: start for start in parents for half in reach_blocks.children((level, start))}
        # the halves' starts again as a list: the planner reads them through the (brand, level, start) index
        # instead of joining every block of the level with a VALUES list it has no statistics for
        return (f"halves (child, parent) AS (VALUES {', '.join(['(%s, %s)'] * len(halves))})",
                f"FROM {table} b JOIN halves h ON b.start = h.child WHERE b.brand_id = %s AND b.level = %s "
                f"AND b.start IN ({', '.join(['%s'] * len(halves))})",
                [*(adapt(day) for pair in halves.items() for day in pair), brand_id, level - 1,
                 *(adapt(day) for day in halves)])

    halves, rows_from, params = halves_of(starts)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {halves} SELECT parent, count(*), sum(CASE WHEN n > 1 THEN 1 ELSE 0 END), min(child), "
                       f"max(child) FROM (SELECT h.parent, min(b.start) AS child, count(*) AS n {rows_from} "
                       "GROUP BY b.campaign_id, b.video_id, h.parent) per_video GROUP BY parent", params)
        counts = cursor.fetchall()
    stored = []
    for parent, total, both, low, high in counts:
        parent = parent if isinstance(parent, date) else date.fromisoformat(parent)
        # both halves hold videos (a video in both, or two videos in different halves) but few videos in both
        if (both or low != high) and both * SPARSE_SHARE < total:
            made_sparse.append(parent)
        else:
            stored.append(parent)
    if not stored:
        return made_sparse
    halves, rows_from, params = halves_of(stored)
    # The halves of each new block, with how many of them hold the video (1 or 2).
    cte = (f"WITH {halves}, parts AS (SELECT b.campaign_id, b.video_id, b.platform_id, h.parent, b.viewers, "
           f"{', '.join('b.' + name for name in ROLLUP_SUMS)}, "
           f"count(*) OVER (PARTITION BY b.campaign_id, b.video_id, h.parent) AS n {rows_from}) ")
    columns = ", ".join(connection.ops.quote_name(c) for c in _BLOCK_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"{cte}INSERT INTO {table} ({columns}) SELECT %s, campaign_id, video_id, platform_id, %s, "
                       f"parent, {sums}, viewers FROM parts WHERE n = 1", [*params, brand_id, level])
    # The blocks with both halves, their two rows one after the other, read in batches (a server-side
    # cursor on PostgreSQL): memory is bounded by BLOCKS_PER_BATCH pairs of sets, whatever the range.
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"{cte}SELECT campaign_id, video_id, platform_id, parent, viewers, {sums} FROM parts "
                       "WHERE n > 1 ORDER BY parent, video_id, campaign_id", params)
        while halves_rows := cursor.fetchmany(2 * BLOCKS_PER_BATCH):
            if len(halves_rows) % 2:  # keep both rows of a block in the same batch
                halves_rows.append(cursor.fetchone())
            rows = []
            for first, second in zip(halves_rows[::2], halves_rows[1::2], strict=True):
                campaign_id, video_id, platform_id, parent = first[:4]
                rows.append((brand_id, campaign_id, video_id, platform_id, level, parent,
                             *_added(rollup_sql.decimals(first[5:]), rollup_sql.decimals(second[5:])),
                             reach.dump(reach.union((first[4], second[4])))))
            rollup_sql.insert_rows(VideoReachBlock, _BLOCK_COLUMNS, rows)
    return made_sparse


def _lock_brand(brand_id: int) -> Brand:
    """Lock the brand's rollups for this transaction, which is about to change them (reach_cache.bump)."""
    # NO KEY UPDATE serialises rollup writers of one brand without blocking the FOR KEY SHARE locks that
    # foreign-key checks of concurrent ingestion take on the same brand row.
    brand = Brand.objects.select_for_update(no_key=True).get(pk=brand_id)
    if connection.vendor == "postgresql":
        # The GROUP BY of a few days' events sorts ~100 MB-ish rows: keep it in memory, for this
        # transaction only (the default 4 MB spills it to disk).
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'")
    reach_cache.bump(brand_id=brand_id)
    return brand


def refresh_window(*, brand_id: int, start: datetime, end: datetime) -> int:
    """Rebuild every brand-zone day that the interaction time window [start, end] touches."""
    tz_name = Brand.objects.values_list("reporting_timezone", flat=True).get(pk=brand_id)
    first, last = days_touched(tz_name, start, end)
    return refresh_days(brand_id=brand_id, first=first, last=last)


def recompute_brand(*, brand_id: int) -> int:
    """Rebuild all of a brand's rollups from its first to its last interaction (nightly safety net).

    Pending interactions are applied first, so after it the rollups hold every stored interaction.
    """
    apply_pending(brand_id=brand_id)
    bounds = Interaction.objects.filter(brand_id=brand_id).aggregate(start=Min("occurred_at"), end=Max("occurred_at"))
    with transaction.atomic():
        _lock_brand(brand_id)
        retained = Brand.objects.values_list("raw_events_removed_before", flat=True).get(pk=brand_id)
        if bounds["start"] is None and retained is not None:  # every raw event past retention: rollups stay
            for model in (DailyViewerRollup, DailyRollup, DailyReach):
                model.objects.filter(brand_id=brand_id, day__gte=retained).delete()
            VideoReachBlock.objects.filter(brand_id=brand_id, level=0, start__gte=retained).delete()
            return 0
        if bounds["start"] is None:
            for model in (DailyViewerRollup, DailyRollup, DailyReach, VideoReachBlock, StaleReachBlock,
                          SparseReachBlock):
                model.objects.filter(brand_id=brand_id).delete()
            return 0
        tz_name = Brand.objects.values_list("reporting_timezone", flat=True).get(pk=brand_id)
        first, last = days_touched(tz_name, bounds["start"], bounds["end"])
        # Days outside the interaction range can only hold stale rows (e.g. after an erasure); so can
        # blocks that share no day with it. Days before the retention horizon are the exception: their raw
        # events are gone on purpose and their rollups are all that is left (analytics.retention).
        if retained is not None:
            first = min(first, retained)
        for model in (DailyViewerRollup, DailyRollup, DailyReach):
            stale_rows = model.objects.filter(brand_id=brand_id).exclude(day__gte=first, day__lte=last)
            (stale_rows if retained is None else stale_rows.exclude(day__lt=retained)).delete()
        for level in range(reach_blocks.MAX_LEVEL + 1):
            stale_rows = VideoReachBlock.objects.filter(brand_id=brand_id, level=level).exclude(
                start__gte=reach_blocks.block_start(first, level), start__lte=last)
            if retained is not None:
                stale_rows = stale_rows.exclude(start__lt=reach_blocks.block_start(retained, level))
            stale_rows.delete()
        return refresh_days(brand_id=brand_id, first=first, last=last)

"""Maintaining the daily rollups from raw interactions.

Two derived tables, rebuilt together per (brand, days) slice:

* ``DailyViewerRollup``: one row per (campaign, video, day, viewer) with the viewer's sums, aggregated
  from ``marketing_interaction`` by one ``INSERT ... SELECT ... GROUP BY``;
* ``DailyRollup``: one row per (campaign, video, day), the sum of the viewer rows over viewers, by a
  second ``INSERT ... SELECT`` (so the two tables can never disagree).

A refresh deletes the slice and inserts it again inside one transaction that holds a lock on the
brand row: running it twice (a task delivered twice) gives identical rows, two refreshes of the same
brand never interleave, and readers see the old or the new slice, never half of one. Events
committed while a refresh runs are not lost: their ingest enqueues its own refresh after commit,
which waits for the lock and then reads them (each statement takes a fresh snapshot).

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
from django.db.models import Count, F, Max, Min, Model, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThanOrEqual
from pyroaring import BitMap

from analytics import reach
from analytics.aggregates import IntegerList
from analytics.kpis import ROLLUP_SUMS, VIEW_2S_MS, VIEW_6S_MS
from analytics.models import DailyReach, DailyRollup, DailyViewerRollup
from marketing.models import Brand, Interaction

_VIEW = Q(kind="view")
_KEY_COLUMNS = ("campaign_id", "video_id", "platform_id", "day")
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


_aggregates = interaction_sums  # old name, kept for callers outside this module


def _insert_select(model: type[Model], columns: tuple[str, ...], select: QuerySet) -> int:
    """``INSERT INTO model (columns) <select>``: set-based, no rows travel through Python.

    ``select`` is a ``values(...).annotate(...)`` queryset; Django emits the ``values()`` columns
    first, then the annotations, in the order given, which ``columns`` must follow.
    """
    compiler = select.query.get_compiler(connection=connection)
    compiler.setup_query()
    selected = tuple(alias for _, _, alias in compiler.select)
    if selected != columns:  # a reordered SELECT would silently write sums into the wrong columns
        raise ValueError(f"INSERT ... SELECT column mismatch: {selected} != {columns}")
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({column_list}) {sql}", params)
        return cursor.rowcount


def refresh_days(*, brand_id: int, first: date, last: date) -> int:
    """Rebuild the brand's rollups for the days ``first``..``last`` (inclusive, brand zone).

    Returns the number of ``DailyRollup`` rows written.
    """
    with transaction.atomic():
        # NO KEY UPDATE serialises refreshes of one brand without blocking the FOR KEY SHARE locks that
        # foreign-key checks of concurrent ingestion take on the same brand row.
        brand = Brand.objects.select_for_update(no_key=True).get(pk=brand_id)
        if connection.vendor == "postgresql":
            # The GROUP BY of a few days' events sorts ~100 MB-ish rows: keep it in memory, for this
            # transaction only (the default 4 MB spills it to disk).
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'")
        zone = ZoneInfo(brand.reporting_timezone)
        start, end = day_bounds(brand.reporting_timezone, first, last)
        DailyViewerRollup.objects.filter(brand_id=brand_id, day__gte=first, day__lte=last).delete()
        DailyRollup.objects.filter(brand_id=brand_id, day__gte=first, day__lte=last).delete()
        DailyReach.objects.filter(brand_id=brand_id, day__gte=first, day__lte=last).delete()
        per_viewer = (
            Interaction.objects.filter(brand_id=brand_id, occurred_at__gte=start, occurred_at__lt=end)
            .annotate(day=TruncDate("occurred_at", tzinfo=zone), platform_id=F("video__platform_id"))
            .values("brand_id", "campaign_id", "video_id", "platform_id", "day", "viewer_id")
            .annotate(**interaction_sums())
            .order_by()
        )
        _insert_select(DailyViewerRollup, ("brand_id", *_KEY_COLUMNS, "viewer_id", *ROLLUP_SUMS), per_viewer)
        return _write_daily_rows(brand_id=brand_id, first=first, last=last)


def _write_daily_rows(*, brand_id: int, first: date, last: date) -> int:
    """Write ``DailyRollup`` and ``DailyReach`` for the days from the (already written) per-viewer rows.

    One day at a time, so memory is bounded by a day's (video, viewer) pairs whatever the range.
    Each ``DailyRollup`` row is the sum of its per-viewer rows plus the bitmap of those viewers; each
    ``DailyReach`` row is the union of a campaign's video bitmaps of the day.
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
        rows, campaign_viewers = [], {}
        for row in per_video:
            viewers = reach.viewer_set(row.pop("viewer_ids"))
            campaign_viewers.setdefault(row["campaign_id"], []).append(viewers)
            rows.append(DailyRollup(brand_id=brand_id, day=day, viewers=reach.dump(viewers), **row))
        DailyRollup.objects.bulk_create(rows, batch_size=2_000)
        reach_rows = []
        for campaign_id, sets in campaign_viewers.items():
            viewers = BitMap.union(*sets) if len(sets) > 1 else sets[0]
            reach_rows.append(DailyReach(brand_id=brand_id, campaign_id=campaign_id, day=day,
                                         viewers=reach.dump(viewers), reach=len(viewers)))
        DailyReach.objects.bulk_create(reach_rows)
        written += len(rows)
    return written


def refresh_window(*, brand_id: int, start: datetime, end: datetime) -> int:
    """Rebuild every brand-zone day that the interaction time window [start, end] touches."""
    tz_name = Brand.objects.values_list("reporting_timezone", flat=True).get(pk=brand_id)
    first, last = days_touched(tz_name, start, end)
    return refresh_days(brand_id=brand_id, first=first, last=last)


def recompute_brand(*, brand_id: int) -> int:
    """Rebuild all of a brand's rollups from its first to its last interaction (nightly safety net)."""
    bounds = Interaction.objects.filter(brand_id=brand_id).aggregate(start=Min("occurred_at"), end=Max("occurred_at"))
    with transaction.atomic():
        if bounds["start"] is None:
            DailyViewerRollup.objects.filter(brand_id=brand_id).delete()
            DailyRollup.objects.filter(brand_id=brand_id).delete()
            DailyReach.objects.filter(brand_id=brand_id).delete()
            return 0
        tz_name = Brand.objects.values_list("reporting_timezone", flat=True).get(pk=brand_id)
        first, last = days_touched(tz_name, bounds["start"], bounds["end"])
        # Days outside the interaction range can only hold stale rows (e.g. after an erasure).
        for model in (DailyViewerRollup, DailyRollup, DailyReach):
            model.objects.filter(brand_id=brand_id).exclude(day__gte=first, day__lte=last).delete()
        return refresh_days(brand_id=brand_id, first=first, last=last)

"""Removing a brand's raw interactions past its retention horizon, without changing a KPI.

Raw interactions are personal data; the rollups are sums. For a brand with ``raw_event_retention_days``
(``marketing.services.retention``) a run:

1. moves the brand's ``raw_events_removed_before`` to the horizon day *first* (under the brand's rollup
   lock): from then on a rollup rebuild of the days before it (``rollups.refresh_days``: erasure, the
   nightly safety net) rebuilds them from the per-viewer rollups, which stay, instead of from the raw
   events, which are going;
2. adds the brand's pending interactions to the rollups, then deletes the raw interactions before the
   horizon in batches of ``RETENTION_BATCH_SIZE`` ids, one short transaction each (never one long mass
   DELETE), leaving any interaction still listed as pending (an import racing the run) to the next run;
3. when ``purge_viewer_data`` is on, removes the per-viewer data of those days too: the viewer sets of
   ``DailyReach`` (its ``reach`` column keeps the day's reach as a number) and of the per-video blocks
   (their sums stay), and the ``DailyViewerRollup`` rows, in batches; ``viewer_data_purged_before``
   tells the KPI selectors which days answer reach from those numbers;
4. records what it removed in the audit log.

Whole partitions: once the interactions table is partitioned by time, ``RETENTION_PARTITION_DROP``
names a callable ``(before: datetime) -> list[str]`` that drops every partition whose rows are all
older than ``before`` and returns their names; the nightly run calls it with the earliest horizon of
all brands (only when every brand has one), before the batched deletes, which then find little left.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.module_loading import import_string

from analytics import rollups
from analytics.models import DailyReach, DailyViewerRollup, VideoReachBlock
from analytics.reach_blocks import overlapping
from analytics.signals import raw_events_removed
from marketing import partitioning
from marketing.auth import Principal
from marketing.models import AuditSource, Brand, Interaction
from marketing.services.audit import audit_record
from marketing.services.retention import horizon_day, horizon_start

OPERATOR = Principal(is_global=True)


@dataclass
class RetentionRun:
    """What one brand's run removed (or, dry, would remove)."""

    brand_id: int
    slug: str
    days: int | None
    horizon: date | None
    interactions: int = 0
    viewer_rollups: int = 0
    day_sets: int = 0
    video_sets: int = 0
    purge_viewer_data: bool = False
    dry_run: bool = False
    batches: int = 0
    partitions: list[str] = field(default_factory=list)
    other: dict[str, int] = field(default_factory=dict)  # removed by the apps above (analytics.signals)

    def as_details(self) -> dict:
        details = asdict(self)
        details["horizon"] = self.horizon.isoformat() if self.horizon else None
        return details


def _old_interactions(brand: Brand, before: datetime):
    return Interaction.objects.filter(brand_id=brand.pk, occurred_at__lt=before)


def _sets_before(model, brand: Brand, day: date, since: date | None):
    rows = model.objects.filter(brand_id=brand.pk).exclude(viewers=b"")
    rows = rows.filter(day__lt=day) if model is DailyReach else rows.filter(level=0, start__lt=day)
    if since is not None:  # days already purged hold no sets: skip them
        rows = rows.filter(day__gte=since) if model is DailyReach else rows.filter(start__gte=since)
    return rows


def _id_batches(rows, batch_size: int):
    """The ids of ``rows`` in ascending batches. Keyset (``pk > last``), so a batch never rescans the rows the
    earlier batches removed (their dead index entries made each ``ORDER BY pk LIMIT`` slower than the last)."""
    last = 0
    while True:
        ids = list(rows.filter(pk__gt=last).values_list("pk", flat=True).order_by("pk")[:batch_size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _delete_in_batches(rows, batch_size: int, *, model) -> tuple[int, int]:
    """Delete ``rows`` ``batch_size`` ids at a time, each batch its own transaction. Returns (rows, batches)."""
    deleted = batches = 0
    for ids in _id_batches(rows, batch_size):
        with transaction.atomic():
            count, _ = model.objects.filter(pk__any=ids).delete()  # one array parameter on PostgreSQL
        deleted += count
        batches += 1
    return deleted, batches


def _empty_sets_in_batches(rows, batch_size: int, *, model) -> int:
    emptied = 0
    for ids in _id_batches(rows, batch_size):
        with transaction.atomic():
            emptied += model.objects.filter(pk__any=ids).update(viewers=b"")
    return emptied


def apply_brand_retention(*, brand_id: int, now: datetime | None = None, dry_run: bool = False,
                          batch_size: int | None = None) -> RetentionRun:
    """Apply one brand's retention (see the module docstring). Safe to run twice: the second run finds
    nothing older than the horizon. With ``dry_run`` nothing is written; the counts are what would go."""
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    brand = Brand.objects.get(pk=brand_id)
    run = RetentionRun(brand_id=brand.pk, slug=brand.slug, days=brand.raw_event_retention_days, horizon=None,
                       purge_viewer_data=brand.purge_viewer_data, dry_run=dry_run)
    if brand.raw_event_retention_days is None:
        return run
    run.horizon = horizon_day(brand, now=now)
    before = horizon_start(brand, now=now)
    purge_since = brand.viewer_data_purged_before
    if dry_run:
        run.interactions = _old_interactions(brand, before).count()
        if brand.purge_viewer_data:
            viewer_rows = DailyViewerRollup.objects.filter(brand_id=brand.pk, day__lt=run.horizon)
            run.viewer_rollups = viewer_rows.count()
            run.day_sets = _sets_before(DailyReach, brand, run.horizon, purge_since).count()
            run.video_sets = _sets_before(VideoReachBlock, brand, run.horizon, purge_since).count()
        return run

    with transaction.atomic():
        locked = rollups._lock_brand(brand.pk)
        if locked.raw_events_removed_before is None or locked.raw_events_removed_before < run.horizon:
            Brand.objects.filter(pk=brand.pk).update(raw_events_removed_before=run.horizon)
    rollups.apply_pending(brand_id=brand.pk)
    old = _old_interactions(brand, before).exclude(rollups._is_pending(brand_id=brand.pk))
    run.interactions, run.batches = _delete_in_batches(old, batch_size, model=Interaction)
    for _receiver, removed in raw_events_removed.send(sender=RetentionRun, brand_id=brand.pk, before=before):
        for name, count in (removed or {}).items():
            run.other[name] = run.other.get(name, 0) + count

    if brand.purge_viewer_data and (purge_since is None or purge_since < run.horizon):
        with transaction.atomic():
            rollups._lock_brand(brand.pk)  # bumps the rollup generation: cached reach is recomputed
            Brand.objects.filter(pk=brand.pk).update(viewer_data_purged_before=run.horizon)
        run.day_sets = _empty_sets_in_batches(_sets_before(DailyReach, brand, run.horizon, purge_since),
                                              batch_size, model=DailyReach)
        run.video_sets = _empty_sets_in_batches(_sets_before(VideoReachBlock, brand, run.horizon, purge_since),
                                                batch_size, model=VideoReachBlock)
        run.viewer_rollups, _ = _delete_in_batches(
            DailyViewerRollup.objects.filter(brand_id=brand.pk, day__lt=run.horizon), batch_size,
            model=DailyViewerRollup)
        # Blocks above the emptied days still hold their viewers: union them again from the emptied halves.
        first = purge_since or _first_day(brand.pk)
        if first is not None and first < run.horizon:
            with transaction.atomic():
                rollups._lock_brand(brand.pk)
                rollups._mark_stale(brand_id=brand.pk, blocks=overlapping(first, run.horizon))
                rollups._rebuild_stale(brand_id=brand.pk)

    if run.interactions or run.viewer_rollups or run.day_sets or run.video_sets or any(run.other.values()):
        audit_record(principal=OPERATOR, source=AuditSource.COMMAND, action="applyRetention", brand_id=brand.pk,
                     object_type="brand", object_id=brand.pk, details=run.as_details())
    return run


def _first_day(brand_id: int) -> date | None:
    return (DailyReach.objects.filter(brand_id=brand_id).order_by("day").values_list("day", flat=True).first())


def drop_whole_partitions(before: datetime) -> list[str]:
    """Drop every interactions partition whose rows are all older than ``before`` (PostgreSQL, partitioned).

    The default of ``RETENTION_PARTITION_DROP``; on SQLite and on an unpartitioned table it finds nothing.
    """
    names = list(partitioning.droppable_partitions(before))
    for name in names:
        partitioning.drop_partition(name)
    return names


def drop_partitions(*, now: datetime | None = None, dry_run: bool = False) -> list[str]:
    """Call ``RETENTION_PARTITION_DROP`` with the earliest horizon of all brands (none if a brand keeps everything)."""
    if not settings.RETENTION_PARTITION_DROP or dry_run:
        return []
    horizons = [horizon_start(brand, now=now) for brand in Brand.objects.all()]
    if not horizons or any(h is None for h in horizons):
        return []
    before = min(horizons)
    with transaction.atomic():  # the horizon moves first, as for the batched deletes
        for brand in Brand.objects.select_for_update():
            day = horizon_day(brand, now=now)
            if brand.raw_events_removed_before is None or brand.raw_events_removed_before < day:
                Brand.objects.filter(pk=brand.pk).update(raw_events_removed_before=day)
    for brand_id in Brand.objects.values_list("pk", flat=True):
        rollups.apply_pending(brand_id=brand_id)
    dropped = list(import_string(settings.RETENTION_PARTITION_DROP)(before))
    if dropped:
        audit_record(principal=OPERATOR, source=AuditSource.COMMAND, action="dropPartitions",
                     object_type="partition", details={"before": before.isoformat(), "partitions": dropped})
    return dropped


def apply_retention(*, slug: str | None = None, now: datetime | None = None, dry_run: bool = False,
                    batch_size: int | None = None) -> list[RetentionRun]:
    """Apply retention to every brand with a period (or to the brand ``slug``): whole partitions first."""
    now = now or timezone.now()
    brands = Brand.objects.filter(raw_event_retention_days__isnull=False).order_by("slug")
    if slug is not None:
        brands = Brand.objects.filter(slug=slug)
    partitions = drop_partitions(now=now, dry_run=dry_run) if slug is None else []
    runs = [apply_brand_retention(brand_id=pk, now=now, dry_run=dry_run, batch_size=batch_size)
            for pk in brands.values_list("pk", flat=True)]
    if runs and partitions:
        runs[0].partitions = partitions
    return runs


def erased_viewer_retained_span(sender=None, *, viewer, **_signal) -> tuple[datetime, datetime] | None:
    """Receiver of ``marketing.signals.viewer_erasing``: the span of the viewer's per-viewer rollup days before
    the brand's retention horizon (their raw events are gone, so the erasure's interaction window misses
    them), as instants; None when there are none. Sent before the delete cascades those rows away."""
    brand = Brand.objects.only("reporting_timezone", "raw_events_removed_before").get(pk=viewer.brand_id)
    if brand.raw_events_removed_before is None:
        return None
    days = DailyViewerRollup.objects.filter(viewer_id=viewer.pk, day__lt=brand.raw_events_removed_before).aggregate(
        first=Min("day"), last=Max("day"))
    if days["first"] is None:
        return None
    start, end = rollups.day_bounds(brand.reporting_timezone, days["first"], days["last"])
    return start, end - timedelta(microseconds=1)

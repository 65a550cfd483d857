"""Attribution: which served list an interaction counts for.

Rule: an interaction (any kind but ``impression``) of a viewer with a video counts for the
**earliest** list served to that viewer, containing that video, with ``occurred_at - window <=
served_at <= occurred_at`` (``window`` = ``RECOMMENDATION_ATTRIBUTION_WINDOW_HOURS``), at the
position of the video in that list (0 = top). Ties of ``served_at`` go to the lower list id.

One ``INSERT ... SELECT`` does it for all new interactions of a brand: the lists are unnested
(``unnest ... WITH ORDINALITY`` on PostgreSQL, ``json_each`` on SQLite), joined to the interactions
on (viewer, video, window), ranked with ``ROW_NUMBER() OVER (PARTITION BY interaction ORDER BY
served_at, list id, position)`` and the first of each kept. ``ON CONFLICT (interaction_id) DO
NOTHING`` makes a rerun harmless.

Incremental like the KPI rollups: ``AttributionWatermark`` holds the last interaction id read per
brand; a run reads ids above it that were ingested at least ``RECOMMENDATION_ATTRIBUTION_LAG_SECONDS``
ago (served lists wait in a buffer for seconds; interactions arrive after their lists) and moves it,
in one transaction under a lock on the watermark row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from marketing.models import Interaction
from recommendations.models import AttributionWatermark

_ITEMS = {
    "postgresql": "CROSS JOIN LATERAL unnest(s.video_ids) WITH ORDINALITY AS u(video_id, ord)",
    "sqlite": "CROSS JOIN json_each(s.video_ids) AS je",
}
_ITEM_VIDEO = {"postgresql": "u.video_id", "sqlite": "je.value"}
_ITEM_POSITION = {"postgresql": "u.ord - 1", "sqlite": "je.key"}
_WINDOW = {
    "postgresql": "s.served_at >= i.occurred_at - make_interval(hours => %(hours)s)",
    "sqlite": "julianday(s.served_at) >= julianday(i.occurred_at) - %(hours)s / 24.0",
}

_SQL = """
INSERT INTO recommendations_servedattribution
    (interaction_id, served_list_id, brand_id, position, video_id, kind, watch_ms, occurred_at)
SELECT interaction_id, served_list_id, brand_id, position, video_id, kind, watch_ms, occurred_at
FROM (
    SELECT i.id AS interaction_id, s.id AS served_list_id, i.brand_id, {position} AS position,
           i.video_id, i.kind, i.watch_ms, i.occurred_at,
           ROW_NUMBER() OVER (PARTITION BY i.id ORDER BY s.served_at, s.id, {position}) AS rn
    FROM {interactions} i
    JOIN recommendations_servedlist s
      ON s.viewer_id = i.viewer_id AND s.brand_id = i.brand_id
     AND s.served_at <= i.occurred_at AND {window}
    {items}
    WHERE i.brand_id = %(brand)s AND i.id > %(low)s AND i.id <= %(high)s AND i.kind <> 'impression'
      AND {video} = i.video_id
) AS ranked
WHERE rn = 1
ON CONFLICT (interaction_id) DO NOTHING
"""


def attribution_sql(vendor: str) -> str:
    vendor = "postgresql" if vendor == "postgresql" else "sqlite"
    return _SQL.format(position=_ITEM_POSITION[vendor], window=_WINDOW[vendor], items=_ITEMS[vendor],
                       video=_ITEM_VIDEO[vendor], interactions=Interaction._meta.db_table)


def attribute_new(*, brand_id: int, now: datetime | None = None) -> int:
    """Attribute the brand's interactions newer than its watermark; returns the attributions added."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.RECOMMENDATION_ATTRIBUTION_LAG_SECONDS)
    with transaction.atomic():
        watermark, _ = AttributionWatermark.objects.get_or_create(brand_id=brand_id)
        watermark = AttributionWatermark.objects.select_for_update().get(pk=watermark.pk)
        low = watermark.last_interaction_id
        high = Interaction.objects.filter(brand_id=brand_id, pk__gt=low, ingested_at__lte=cutoff).aggregate(
            high=Max("pk"))["high"]
        if high is None:
            return 0
        sql = attribution_sql(connection.vendor)
        params = {"brand": brand_id, "low": low, "high": high,
                  "hours": settings.RECOMMENDATION_ATTRIBUTION_WINDOW_HOURS}
        if connection.vendor == "sqlite":  # the sqlite backend takes positional parameters only
            sql, params = _positional(sql, params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            added = max(cursor.rowcount, 0)
        watermark.last_interaction_id = high
        watermark.save(update_fields=["last_interaction_id", "updated_at"])
    return added


def _positional(sql: str, params: dict) -> tuple[str, list]:
    import re

    order: list = []

    def replace(match):
        order.append(params[match.group(1)])
        return "%s"

    return re.sub(r"%\((\w+)\)s", replace, sql), order

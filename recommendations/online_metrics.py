"""Online metrics of served lists, from the log and its attributions (``recommendationMetrics``).

Per group (model version, experiment arm, surface or position), over lists served in a period:

* ``served_lists``, ``items_served`` (the sum of the lists' lengths);
* ``ctr``: served items with a click or a view attributed / items served (CTR@k with k the list length);
* ``hit_rate``: lists with any attributed engagement / lists;
* ``watch_seconds_per_1000`` and ``conversions_per_1000`` (conversion and purchase events) per 1,000
  items served;
* ``videos_served`` (distinct) and ``catalogue_coverage``: distinct videos served / approved videos
  of the brand.

One SQL statement per call: the lists are unnested into items, left-joined to their attributions
summed per (list, position), and grouped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.utils.translation import gettext

from analytics.rollups import day_bounds
from marketing.auth import Principal
from marketing.models import Brand, ModerationStatus, Video
from marketing.services.errors import ErrorCode, ServiceValidationError

GROUPS = {"model_version": "items.model_version", "arm": "items.arm", "surface": "items.surface",
          "position": "items.position"}
MAX_DAYS = 366
CLICK_KINDS = ("click", "view")
CONVERSION_KINDS = ("conversion", "purchase")

_UNNEST = {
    "postgresql": ("CROSS JOIN LATERAL unnest(s.video_ids) WITH ORDINALITY AS u(video_id, ord)", "u.video_id",
                   "u.ord - 1"),
    "sqlite": ("CROSS JOIN json_each(s.video_ids) AS u", "u.value", "u.key"),
}

_SQL = """
WITH items AS (
    SELECT s.id AS list_id, s.model_version, s.arm, s.surface, {position} AS position, {video} AS video_id
    FROM recommendations_servedlist s {unnest}
    WHERE s.brand_id = %s AND s.served_at >= %s AND s.served_at < %s
), hits AS (
    SELECT a.served_list_id AS list_id, a.position,
           MAX(CASE WHEN a.kind IN ('click', 'view') THEN 1 ELSE 0 END) AS clicked,
           SUM(COALESCE(a.watch_ms, 0)) AS watch_ms,
           SUM(CASE WHEN a.kind IN ('conversion', 'purchase') THEN 1 ELSE 0 END) AS conversions
    FROM recommendations_servedattribution a
    JOIN recommendations_servedlist s ON s.id = a.served_list_id
    WHERE s.brand_id = %s AND s.served_at >= %s AND s.served_at < %s
    GROUP BY a.served_list_id, a.position
)
SELECT {key} AS key, COUNT(DISTINCT items.list_id), COUNT(*), SUM(COALESCE(h.clicked, 0)),
       COUNT(DISTINCT CASE WHEN h.list_id IS NOT NULL THEN items.list_id END),
       SUM(COALESCE(h.watch_ms, 0)), SUM(COALESCE(h.conversions, 0)), COUNT(DISTINCT items.video_id)
FROM items LEFT JOIN hits h ON h.list_id = items.list_id AND h.position = items.position
GROUP BY {key}
ORDER BY {key}
"""


@dataclass(frozen=True)
class MetricsRow:
    key: str | None  # the version, arm, surface or position; None: no model / no experiment
    served_lists: int
    items_served: int
    clicked_items: int
    engaged_lists: int
    watch_seconds: float
    conversions: int
    videos_served: int
    catalogue_size: int

    @property
    def ctr(self) -> float:
        return self.clicked_items / self.items_served if self.items_served else 0.0

    @property
    def hit_rate(self) -> float:
        return self.engaged_lists / self.served_lists if self.served_lists else 0.0

    @property
    def watch_seconds_per_1000(self) -> float:
        return 1000 * self.watch_seconds / self.items_served if self.items_served else 0.0

    @property
    def conversions_per_1000(self) -> float:
        return 1000 * self.conversions / self.items_served if self.items_served else 0.0

    @property
    def catalogue_coverage(self) -> float:
        return self.videos_served / self.catalogue_size if self.catalogue_size else 0.0


def recommendation_metrics(*, principal: Principal, brand_id: int, date_from: date, date_to: date,
                           by: str) -> list[MetricsRow]:
    """Online metrics of the brand's served lists on the days ``date_from``..``date_to`` (brand time zone)."""
    brand = Brand.objects.for_principal(principal).filter(pk=brand_id).first()
    if brand is None:
        raise ServiceValidationError.single("brand", ErrorCode.NOT_FOUND, gettext("No such brand."))
    if by not in GROUPS:
        raise ServiceValidationError.single("by", ErrorCode.INVALID_CHOICE, gettext("Unknown grouping."))
    if date_to < date_from:
        raise ServiceValidationError.single("dateTo", ErrorCode.END_BEFORE_START,
                                            gettext("dateTo is before dateFrom."))
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ServiceValidationError.single("dateTo", ErrorCode.OUT_OF_RANGE,
                                            gettext("Ask for at most %(days)d days.") % {"days": MAX_DAYS})
    start, end = day_bounds(brand.reporting_timezone, date_from, date_to)
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    unnest, video, position = _UNNEST[vendor]
    sql = _SQL.format(key=GROUPS[by], unnest=unnest, video=video, position=position)
    catalogue = Video.objects.filter(brand_id=brand.pk, moderation_status=ModerationStatus.APPROVED).count()
    with connection.cursor() as cursor:
        cursor.execute(sql, [brand.pk, start, end, brand.pk, start, end])
        rows = cursor.fetchall()
    return [MetricsRow(key=None if key is None else str(key), served_lists=lists, items_served=items,
                       clicked_items=int(clicked or 0), engaged_lists=engaged, watch_seconds=int(watch or 0) / 1000,
                       conversions=int(conversions or 0), videos_served=videos, catalogue_size=catalogue)
            for key, lists, items, clicked, engaged, watch, conversions, videos in rows]

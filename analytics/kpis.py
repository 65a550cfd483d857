"""The KPI dictionary: the single source of truth for every campaign KPI.

Each KPI says what it counts, its formula, its unit and which interaction kinds feed it, and
computes itself from a dict of *sums* (the additive quantities the daily rollups store, plus exact
reach and spend). GraphQL (``kpiDefinitions``), the reports and the docs (docs/reference/kpis.md,
generated) all read this module.

A ratio whose denominator is zero is ``None``: "not defined", never a division error or a silent 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The additive quantities a rollup row stores (all counts, except watch_ms_sum and revenue).
ROLLUP_SUMS = (
    "impressions", "views", "watch_ms_sum", "completed_views", "views_2s", "views_6s",
    "likes", "comments", "shares", "follows", "clicks", "conversions", "purchases", "revenue",
)
# Sums that are not additive over rollup rows and come from elsewhere.
EXTRA_SUMS = ("reach", "spend")
SUM_NAMES = ROLLUP_SUMS + EXTRA_SUMS

COMPLETION_SHARE = Decimal("0.95")  # a view is complete at >= 95% of the video's duration
VIEW_2S_MS = 2_000
VIEW_6S_MS = 6_000

Sums = dict[str, int | Decimal]
CENT = Decimal("0.01")


_RATIO_PLACES = Decimal("0.000001")


def ratio(numerator, denominator, *, scale: int = 1) -> Decimal | None:
    """numerator / denominator × scale as a Decimal with 6 places; None when the denominator is 0."""
    if not denominator:
        return None
    value = (Decimal(numerator) * scale if scale != 1 else Decimal(numerator)) / Decimal(denominator)
    return value.quantize(_RATIO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str | Promise  # translatable: str(kpi.label) reads it in the active language
    formula: str
    unit: str  # count | ms | ratio | money
    description: str | Promise
    kinds: tuple[str, ...]
    compute: Callable[[Sums], int | Decimal | None]
    higher_is_better: bool = True


def _engagements(s: Sums) -> int:
    return s["likes"] + s["comments"] + s["shares"] + s["follows"]


KPIS: tuple[Kpi, ...] = (
    Kpi("impressions", _("Impressions"), "count(impression)", "count",
        _("Times a video was shown in a feed."), ("impression",), lambda s: s["impressions"]),
    Kpi("views", _("Views"), "count(view)", "count",
        _("Plays of a video, whatever their length."), ("view",), lambda s: s["views"]),
    Kpi("reach", _("Reach"), "count(distinct viewer)", "count",
        _("Unique viewers with any interaction in the period (exact, not additive over days)."),
        ("impression", "view", "like", "comment", "share", "follow", "click", "conversion", "purchase"),
        lambda s: s["reach"]),
    Kpi("watch_time_ms", _("Total watch time"), "sum(view.watch_ms)", "ms",
        _("Milliseconds watched over all views."), ("view",), lambda s: s["watch_ms_sum"]),
    Kpi("avg_watch_time_ms", _("Average watch time"), "sum(view.watch_ms) / views", "ms",
        _("Average milliseconds watched per view."), ("view",), lambda s: ratio(s["watch_ms_sum"], s["views"])),
    Kpi("completion_rate", _("Completion rate"), "views with watch_ms >= 95% of duration / views", "ratio",
        _("Share of views that watched at least 95% of the video."), ("view",),
        lambda s: ratio(s["completed_views"], s["views"])),
    Kpi("view_rate_2s", _("2-second view rate"), "views with watch_ms >= 2000 / views", "ratio",
        _("Share of views lasting at least 2 seconds."), ("view",), lambda s: ratio(s["views_2s"], s["views"])),
    Kpi("view_rate_6s", _("6-second view rate"), "views with watch_ms >= 6000 / views", "ratio",
        _("Share of views lasting at least 6 seconds."), ("view",), lambda s: ratio(s["views_6s"], s["views"])),
    Kpi("likes", _("Likes"), "count(like)", "count", _("Likes."), ("like",), lambda s: s["likes"]),
    Kpi("comments", _("Comments"), "count(comment)", "count", _("Comments."), ("comment",), lambda s: s["comments"]),
    Kpi("shares", _("Shares"), "count(share)", "count", _("Shares."), ("share",), lambda s: s["shares"]),
    Kpi("follows", _("Follows"), "count(follow)", "count", _("Follows of the brand's account from a video."),
        ("follow",), lambda s: s["follows"]),
    Kpi("engagement_rate", _("Engagement rate"), "(likes + comments + shares + follows) / views", "ratio",
        _("Engagements per view."), ("view", "like", "comment", "share", "follow"),
        lambda s: ratio(_engagements(s), s["views"])),
    Kpi("clicks", _("Clicks"), "count(click)", "count", _("Clicks on the video's link or product card."),
        ("click",), lambda s: s["clicks"]),
    Kpi("ctr", _("Click-through rate"), "clicks / impressions", "ratio", _("Clicks per impression."),
        ("impression", "click"), lambda s: ratio(s["clicks"], s["impressions"])),
    Kpi("conversions", _("Conversions"), "count(conversion)", "count",
        _("Conversions (sign-ups, add-to-cart, leads) attributed to a video."), ("conversion",),
        lambda s: s["conversions"]),
    Kpi("cvr", _("Conversion rate"), "conversions / clicks", "ratio", _("Conversions per click."),
        ("click", "conversion"), lambda s: ratio(s["conversions"], s["clicks"])),
    Kpi("purchases", _("Purchases"), "count(purchase)", "count", _("Purchases attributed to a video."),
        ("purchase",), lambda s: s["purchases"]),
    Kpi("revenue", _("Revenue (GMV)"), "sum(purchase.value)", "money", _("Gross merchandise value of purchases."),
        ("purchase",), lambda s: s["revenue"]),
    Kpi("spend", _("Spend"), "sum(campaign spend)", "money", _("Media spend recorded for the campaigns' days."),
        (), lambda s: s["spend"], higher_is_better=False),
    Kpi("cpm", _("CPM"), "spend / impressions × 1000", "money", _("Cost per thousand impressions."),
        ("impression",), lambda s: ratio(s["spend"], s["impressions"], scale=1000), higher_is_better=False),
    Kpi("cpv", _("CPV"), "spend / views", "money", _("Cost per view."), ("view",),
        lambda s: ratio(s["spend"], s["views"]), higher_is_better=False),
    Kpi("cpc", _("CPC"), "spend / clicks", "money", _("Cost per click."), ("click",),
        lambda s: ratio(s["spend"], s["clicks"]), higher_is_better=False),
    Kpi("cpa", _("CPA"), "spend / conversions", "money", _("Cost per conversion."), ("conversion",),
        lambda s: ratio(s["spend"], s["conversions"]), higher_is_better=False),
    Kpi("roas", _("ROAS"), "revenue / spend", "ratio", _("Revenue per unit of spend."), ("purchase",),
        lambda s: ratio(s["revenue"], s["spend"])),
    Kpi("roi", _("ROI"), "(revenue − spend) / spend", "ratio", _("Return on spend."), ("purchase",),
        lambda s: ratio(s["revenue"] - s["spend"], s["spend"])),
)

BY_NAME: dict[str, Kpi] = {kpi.name: kpi for kpi in KPIS}


def empty_sums() -> Sums:
    sums: Sums = {name: 0 for name in SUM_NAMES}
    sums["revenue"] = Decimal("0.00")
    sums["spend"] = Decimal("0.00")
    return sums


SPEND_KPIS = frozenset({"spend", "cpm", "cpv", "cpc", "cpa", "roas", "roi"})
# (name, compute) of every KPI; without spend, the spend-based ones are None (compute_all runs per group of
# a breakdown: hundreds of times per query)
_WITH_SPEND = tuple((kpi.name, kpi.compute) for kpi in KPIS)
_WITHOUT_SPEND = tuple((kpi.name, None if kpi.name in SPEND_KPIS else kpi.compute) for kpi in KPIS)
_EMPTY = empty_sums()


def compute_all(sums: Sums) -> dict[str, int | Decimal | None]:
    """Every KPI of the dictionary from one set of sums.

    ``spend=None`` means spend cannot be attributed (e.g. per video): spend-based KPIs are None.
    ``reach=None`` means reach was not computed (the caller does not show it): reach is None.
    """
    full = _EMPTY.copy()
    for name, value in sums.items():
        if value is not None:
            full[name] = value
    # databases return sums of decimals at different scales
    full["revenue"] = Decimal(full["revenue"]).quantize(CENT)
    full["spend"] = Decimal(full["spend"]).quantize(CENT)
    table = _WITHOUT_SPEND if sums.get("spend", 0) is None else _WITH_SPEND
    values = {name: None if compute is None else compute(full) for name, compute in table}
    if sums.get("reach", 0) is None:
        values["reach"] = None
    return values


def change(current, previous) -> tuple[int | Decimal | None, Decimal | None]:
    """Absolute and relative change of a KPI value against the previous period."""
    if current is None or previous is None:
        return None, None
    absolute = Decimal(current) - Decimal(previous)
    return absolute, ratio(absolute, previous)

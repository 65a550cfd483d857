"""The KPI dictionary: the single source of truth for every campaign KPI.

Each KPI says what it counts, its formula, its unit and which interaction kinds feed it, and
computes itself from a dict of *sums* (the additive quantities the daily rollups store, plus exact
reach and spend). GraphQL (``kpiDefinitions``), the reports and the docs (docs/reference/kpis.md,
generated) all read this module.

A ratio whose denominator is zero is ``None``: "not defined", never a division error or a silent 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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


class KpiSource:
    """Where a KPI's numbers come from."""

    FIRST_PARTY = "first_party"  # Reelboard's own interaction events (the rollups)
    PLATFORM = "platform"  # an ad platform's report (adplatforms.PlatformDailyStat)


@dataclass(frozen=True)
class PlatformField:
    """Where one ad platform reports a platform KPI: its report field and its own definition of it."""

    field: str  # the report field(s) as the platform names them
    definition: str  # the platform's definition, in its words (Chinese platforms quoted in Chinese)
    reference: str  # where the mapping was read (docs cite it)


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str | Promise  # translatable: str(kpi.label) reads it in the active language
    formula: str
    unit: str  # count | ms | ratio | money | s
    description: str | Promise
    kinds: tuple[str, ...]
    compute: Callable[[Sums], int | Decimal | None]
    higher_is_better: bool = True
    source: str = KpiSource.FIRST_PARTY
    # Platform KPIs: per ad platform (adplatforms.AdPlatform value) the field it comes from; a platform
    # missing here does not report the KPI, which is then null for it, never 0.
    platform_fields: Mapping[str, PlatformField] = field(default_factory=dict)


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


@dataclass(frozen=True)
class KpiValue:
    """One KPI's value as a read answers it: the KPI's name and its value, None when undefined."""

    kpi: str
    value: Decimal | None


def kpi_values(values: Mapping[str, int | Decimal | None], names: list[str]) -> list[KpiValue]:
    """The KPIs ``names`` of computed ``values`` (``compute_all`` / ``compute_platform``), in that order."""
    return [KpiValue(kpi=name, value=None if (value := values[name]) is None else Decimal(value)) for name in names]


def change(current, previous) -> tuple[int | Decimal | None, Decimal | None]:
    """Absolute and relative change of a KPI value against the previous period."""
    if current is None or previous is None:
        return None, None
    absolute = Decimal(current) - Decimal(previous)
    return absolute, ratio(absolute, previous)


# --- Platform-reported KPIs ------------------------------------------------------------------------
#
# What the ad platforms report about the paid delivery of a campaign, summed over the campaign-level
# rows of adplatforms.PlatformDailyStat of one ad platform (platforms define their metrics differently,
# so platform KPIs are never added across ad platforms). A sum is None when the platform reported none
# of its days (null in the stat rows means "not reported", never 0), and a ratio with a None part is None.

# The sums a platform KPI set is computed from: the stat columns, plus the play time weighted by plays.
PLATFORM_SUMS = (
    "spend", "impressions", "clicks", "reach", "plays", "plays_2s", "plays_3s", "plays_6s", "plays_10s",
    "effective_plays", "plays_25", "plays_50", "plays_75", "plays_100", "profile_visits", "conversions",
    "play_time_s", "timed_plays",
)

_TIKTOK_REF = "TikTok Business API, report/integrated/get (tiktok/tiktok-business-api-sdk, ReportingApi)"
_OCEAN_REF = "Ocean Engine report metrics (bububa/oceanengine, marketing-api/model/report/metrics.go)"
_KWAI_REF = "Kuaishou 磁力引擎 report stat (bububa/kwai-marketing-api, model/report/stat.go)"


def _tiktok(name: str, definition: str) -> PlatformField:
    return PlatformField(name, definition, _TIKTOK_REF)


def _ocean(name: str, definition: str) -> PlatformField:
    return PlatformField(name, definition, _OCEAN_REF)


def _kwai(name: str, definition: str) -> PlatformField:
    return PlatformField(name, definition, _KWAI_REF)


def _known(*values) -> bool:
    return all(value is not None for value in values)


def _p_ratio(numerator, denominator, *, scale: int = 1) -> Decimal | None:
    return ratio(numerator, denominator, scale=scale) if _known(numerator, denominator) else None


def _p_count(name: str) -> Callable[[Sums], int | None]:
    return lambda s: s.get(name)


def _avg_play_time(s: Sums) -> Decimal | None:
    # the platforms' per-day averages weighted by that day's plays
    return _p_ratio(s.get("play_time_s"), s.get("timed_plays"))


PLATFORM_KPIS: tuple[Kpi, ...] = (
    Kpi("platform_spend", _("Platform spend"), "sum(spend)", "money",
        _("Cost the ad platform charged, in the account's currency."), (), _p_count("spend"),
        higher_is_better=False, source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("spend", "Total cost of the ads."),
            "oceanengine": _ocean("cost", "总花费：广告在投放期内的预估花费金额"),
            "kuaishou_ads": _kwai("charge", "花费（元）"),
        }),
    Kpi("paid_impressions", _("Paid impressions"), "sum(impressions)", "count",
        _("Times the ad platform showed the campaign's ads."), (), _p_count("impressions"),
        source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("impressions", "Number of times the ads were shown."),
            "oceanengine": _ocean("show", "展示数：经平台判定有效且被计费的展示次数"),
            "kuaishou_ads": _kwai("show", "封面曝光数"),
        }),
    Kpi("paid_clicks", _("Paid clicks"), "sum(clicks)", "count",
        _("Clicks on the ads as the ad platform counts them."), (), _p_count("clicks"),
        source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("clicks", "Clicks from the ads to a specified destination."),
            "oceanengine": _ocean("click", "点击数：用户点击广告素材的次数"),
            "kuaishou_ads": _kwai("photo_click", "封面点击数"),
        }),
    Kpi("paid_reach", _("Paid reach"), "sum(reach) over days", "count",
        _("Unique users reached, per day; summed over days (the platforms' daily reach is not deduplicated "
          "across days)."), (), _p_count("reach"),
        source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("reach", "Number of unique users who saw the ads at least once."),
        }),
    Kpi("plays", _("Plays"), "sum(plays)", "count", _("Plays of the ads' videos as the ad platform counts them."),
        (), _p_count("plays"), source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("video_play_actions", "Number of times the video starts to play."),
            "oceanengine": _ocean("total_play", "播放数：播放时间大于0秒的数量"),
            "kuaishou_ads": _kwai("aclick", "素材曝光数"),
        }),
    Kpi("plays_2s", _("2-second plays"), "sum(plays_2s)", "count", _("Plays of at least 2 seconds."), (),
        _p_count("plays_2s"), source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("video_watched_2s", "Plays of at least 2 seconds, or to the end if shorter."),
            "oceanengine": _ocean("play_duration_2s", "播放2s：播放时长超过2s数，播放时长以播放终止时所在的视频时长来计算，"
                                                      "包含拖拽等行为"),
            "kuaishou_ads": _kwai("ad_photo_played_2s", "2s播放数"),
        }),
    Kpi("plays_3s", _("3-second plays"), "sum(plays_3s)", "count", _("Plays of at least 3 seconds."), (),
        _p_count("plays_3s"), source=KpiSource.PLATFORM, platform_fields={
            "oceanengine": _ocean("play_duration_3s", "播放3s：播放时长超过3秒的次数，播放时长以播放终止时所在的视频时长来"
                                                      "计算，包含拖拽等行为"),
            "kuaishou_ads": _kwai("played_three_seconds", "3秒播放数（有效播放数）"),
        }),
    Kpi("plays_6s", _("6-second plays"), "sum(plays_6s)", "count", _("Plays of at least 6 seconds."), (),
        _p_count("plays_6s"), source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("video_watched_6s", "Plays of at least 6 seconds, or to the end if shorter."),
        }),
    Kpi("plays_10s", _("10-second plays"), "sum(plays_10s)", "count", _("Plays of at least 10 seconds."), (),
        _p_count("plays_10s"), source=KpiSource.PLATFORM, platform_fields={
            "oceanengine": _ocean("play_duration_10s", "播放10s：播放时长超过10s数，播放时长以播放终止时所在的视频时长来"
                                                       "计算，包含拖拽等行为（不同于有效播放：短于10秒的视频不计完播）"),
            "kuaishou_ads": _kwai("ad_photo_played_10s", "10s播放数"),
        }),
    Kpi("effective_plays", _("Effective plays (platform definition)"), "sum(effective_plays)", "count",
        _("Plays the ad platform counts as effective (有效播放), by its own definition: at least 10 s or a full "
          "play of a shorter video on Ocean Engine, at least 3 s on Kuaishou. Not comparable across platforms."),
        (), _p_count("effective_plays"), source=KpiSource.PLATFORM, platform_fields={
            "oceanengine": _ocean("valid_play", "有效播放数：竞价广告播放时间大于等于10秒的数量，如果视频总时长不足10秒，"
                                                "则记录播放完成的次数"),
            "kuaishou_ads": _kwai("played_three_seconds", "有效播放数：播放3秒及以上"),
        }),
    Kpi("plays_25", _("Plays reaching 25%"), "sum(plays_25)", "count", _("Plays reaching a quarter of the video."),
        (), _p_count("plays_25"), source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("video_views_p25", "Plays reaching at least 25% of the video."),
            "oceanengine": _ocean("play_25_feed_break", "25%进度播放数，包括跳跃播放至此长度的播放次数"),
        }),
    Kpi("plays_50", _("Plays reaching 50%"), "sum(plays_50)", "count", _("Plays reaching half of the video."),
        (), _p_count("plays_50"), source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("video_views_p50", "Plays reaching at least 50% of the video."),
            "oceanengine": _ocean("play_50_feed_break", "50%进度播放数，包括跳跃播放至此长度的播放次数"),
        }),
    Kpi("plays_75", _("Plays reaching 75%"), "sum(plays_75)", "count",
        _("Plays reaching three quarters of the video."), (), _p_count("plays_75"), source=KpiSource.PLATFORM,
        platform_fields={
            "tiktok": _tiktok("video_views_p75", "Plays reaching at least 75% of the video."),
            "oceanengine": _ocean("play_75_feed_break", "75%进度播放数，包括跳跃播放至此长度的播放次数"),
            "kuaishou_ads": _kwai("ad_photo_played_75percent", "75%进度播放数"),
        }),
    Kpi("plays_100", _("Plays reaching 100%"), "sum(plays_100)", "count", _("Plays to the end of the video."), (),
        _p_count("plays_100"), source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("video_views_p100", "Plays reaching 100% of the video."),
            "oceanengine": _ocean("play_over", "播放完成数"),
            "kuaishou_ads": _kwai("play_end_ratio × aclick", "完播率 × 素材曝光数（快手报告完播率而非次数）"),
        }),
    Kpi("avg_play_time_s", _("Average play time"), "sum(avg play time × plays) / sum(plays)", "s",
        _("Seconds played per play, the platform's daily averages weighted by plays."), (), _avg_play_time,
        source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("average_video_play", "Average time the video was played per play, in seconds."),
            "oceanengine": _ocean("average_play_time_per_play", "平均单次播放时长（秒）：视频播放总实际时长／播放总次数"),
        }),
    Kpi("frequency", _("Frequency"), "paid impressions / paid reach", "ratio",
        _("Impressions per user reached (with reach summed over days: the average daily frequency)."), (),
        lambda s: _p_ratio(s.get("impressions"), s.get("reach")), source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("impressions / reach", "Average number of times each user saw the ads."),
        }),
    Kpi("cost_per_1000_reached", _("Cost per 1,000 reached"), "platform spend / paid reach × 1000", "money",
        _("Cost of reaching a thousand users."), (),
        lambda s: _p_ratio(s.get("spend"), s.get("reach"), scale=1000), higher_is_better=False,
        source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("spend / reach × 1000", "Average cost to reach 1,000 unique users."),
        }),
    Kpi("profile_visits", _("Profile visits"), "sum(profile_visits)", "count",
        _("Visits to the brand's profile from the ads."), (), _p_count("profile_visits"), source=KpiSource.PLATFORM,
        platform_fields={
            "tiktok": _tiktok("profile_visits", "Visits to the profile page from the ads."),
            "oceanengine": _ocean("home_visited", "主页访问量：点击广告头像进入主页进行访问的次数"),
        }),
    Kpi("platform_conversions", _("Platform conversions"), "sum(conversions)", "count",
        _("Conversions the ad platform attributes to the ads, by its own attribution."), (),
        _p_count("conversions"), source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("conversion", "Times the optimisation event happened, attributed to the ads."),
            "oceanengine": _ocean("convert", "转化数：将转化数记录在转化事件发生的时间上"),
            "kuaishou_ads": _kwai("bclick", "行为数：用户对广告的转化行为次数"),
        }),
    Kpi("cost_per_conversion", _("Cost per conversion"), "platform spend / platform conversions", "money",
        _("Platform spend per platform conversion."), (),
        lambda s: _p_ratio(s.get("spend"), s.get("conversions")), higher_is_better=False,
        source=KpiSource.PLATFORM, platform_fields={
            "tiktok": _tiktok("spend / conversion", "Average cost of a conversion."),
            "oceanengine": _ocean("cost / convert", "转化成本：总花费/转化数"),
            "kuaishou_ads": _kwai("charge / bclick", "平均行为单价（元）"),
        }),
)

PLATFORM_BY_NAME: dict[str, Kpi] = {kpi.name: kpi for kpi in PLATFORM_KPIS}
ALL_KPIS: tuple[Kpi, ...] = KPIS + PLATFORM_KPIS


def compute_platform(sums: Mapping[str, int | Decimal | float | None]) -> dict[str, int | Decimal | None]:
    """Every platform KPI from one ad platform's sums (``PLATFORM_SUMS``; None = not reported)."""
    clean: dict = {name: sums.get(name) for name in PLATFORM_SUMS}
    if clean["spend"] is not None:
        clean["spend"] = Decimal(clean["spend"]).quantize(CENT)
    if clean["play_time_s"] is not None:
        clean["play_time_s"] = Decimal(str(clean["play_time_s"]))
    return {kpi.name: kpi.compute(clean) for kpi in PLATFORM_KPIS}

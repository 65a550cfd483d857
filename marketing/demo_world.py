"""A deterministic synthetic short-video world for demos, tests and benchmarks.

Viewers are drawn from hidden *planted segments*, each with its own demographics, favourite
categories (tag affinities), engagement levels and platform mix; their interactions follow the
funnel impression → view (watch time) → like/comment/share/follow → click → conversion →
purchase with rates that depend on the segment and on whether the video is in the segment's
favourite category. The truth (viewer → segment, segment → tag affinity) is stored in
``DemoSegment``/``DemoViewerSegment`` so clustering and recommendations can be checked against it.

Rows are generated as numpy columns and written set-based (COPY on PostgreSQL, executemany on
SQLite), never as one Django object per interaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import Count

from marketing.models import (
    Brand,
    Campaign,
    CampaignSpend,
    CampaignStatus,
    DemoSegment,
    DemoViewerSegment,
    Interaction,
    ModerationStatus,
    Platform,
    Tag,
    Video,
    Viewer,
    pseudonymise_viewer_id,
)

CATEGORIES: dict[str, tuple[str, ...]] = {
    "beauty": ("beauty", "skincare", "makeup", "tutorial", "lipstick", "serum"),
    "sports": ("sports", "running", "fitness", "sneakers", "training", "basketball"),
    "snacks": ("snacks", "food", "mukbang", "spicy", "tasting", "street-food"),
    "cooking": ("cooking", "recipe", "home", "kitchen", "family", "baking"),
    "tech": ("tech", "gadgets", "review", "unboxing", "phone", "smart-home"),
}
GENERIC_TAGS = ("trending", "promo", "new", "live")
PLATFORMS = ("douyin", "kuaishou", "taobao", "wechat_channels", "tiktok")
GENDERS = ("female", "male", "other")
AGE_BANDS = ("13-17", "18-24", "25-30", "31-40", "41-50", "50+")
REGIONS = ("Guangdong", "Shanghai", "Beijing", "Zhejiang", "Jiangsu", "Sichuan", "Hubei", "Shandong")


@dataclass(frozen=True)
class SegmentSpec:
    name: str
    description: str
    category: str
    gender: tuple[float, float, float]  # female, male, other
    age: tuple[float, ...]  # over AGE_BANDS
    regions: dict[str, float]
    platforms: tuple[float, ...]  # over PLATFORMS
    watch: float  # mean watch ratio on favourite videos
    like: float
    comment: float
    share: float
    follow: float
    click: float
    convert: float  # given a click
    purchase: float  # given a conversion
    basket: float  # mean purchase value (CNY)


SEGMENTS: tuple[SegmentSpec, ...] = (
    SegmentSpec("Beauty buyers", "Young women who finish beauty tutorials and buy", "beauty",
                (0.9, 0.08, 0.02), (0.05, 0.7, 0.2, 0.05, 0, 0), {"Guangdong": 0.6, "Shanghai": 0.4},
                (0.55, 0.1, 0.3, 0.05, 0.0), 0.92, 0.30, 0.05, 0.05, 0.10, 0.30, 0.45, 0.8, 260),
    SegmentSpec("Sports fans", "Men 25–30 who watch training clips and share them", "sports",
                (0.1, 0.88, 0.02), (0, 0.15, 0.7, 0.15, 0, 0), {"Beijing": 0.5, "Shandong": 0.5},
                (0.3, 0.5, 0.05, 0.05, 0.1), 0.55, 0.15, 0.05, 0.35, 0.20, 0.08, 0.15, 0.5, 420),
    SegmentSpec("Snack-loving students", "Teens and students who like snack videos but rarely buy", "snacks",
                (0.5, 0.45, 0.05), (0.55, 0.45, 0, 0, 0, 0), {"Sichuan": 0.6, "Hubei": 0.4},
                (0.4, 0.45, 0.0, 0.0, 0.15), 0.45, 0.55, 0.10, 0.10, 0.05, 0.05, 0.10, 0.3, 35),
    SegmentSpec("Home cooks", "Women 41–50 who watch recipes to the end and comment", "cooking",
                (0.8, 0.2, 0.0), (0, 0, 0, 0.1, 0.75, 0.15), {"Jiangsu": 0.5, "Zhejiang": 0.5},
                (0.2, 0.1, 0.2, 0.5, 0.0), 0.85, 0.08, 0.40, 0.05, 0.05, 0.06, 0.20, 0.6, 150),
    SegmentSpec("Gadget clickers", "Professionals 31–40 who click through tech reviews and convert", "tech",
                (0.3, 0.7, 0.0), (0, 0, 0.2, 0.8, 0, 0), {"Beijing": 0.3, "Shanghai": 0.3, "Guangdong": 0.4},
                (0.35, 0.05, 0.4, 0.1, 0.1), 0.65, 0.10, 0.10, 0.05, 0.05, 0.45, 0.35, 0.7, 1200),
)

BRANDS = (
    ("glow-lab", "Glow Lab", "Asia/Shanghai", (0.35, 0.1, 0.2, 0.2, 0.15)),
    ("stridex", "StrideX Sportswear", "Asia/Shanghai", (0.15, 0.35, 0.2, 0.1, 0.2)),
    ("crunch-co", "Crunch Co Snacks", "Asia/Shanghai", (0.15, 0.15, 0.35, 0.2, 0.15)),
)
DEMO_SLUGS = tuple(b[0] for b in BRANDS)

INTERACTION_COLUMNS = ("brand_id", "event_id", "viewer_id", "video_id", "campaign_id", "kind", "watch_ms",
                       "value", "currency", "occurred_at", "ingested_at")


@dataclass
class WorldSummary:
    brands: int = 0
    videos: int = 0
    viewers: int = 0
    campaigns: int = 0
    interactions: int = 0
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


def is_seeded() -> bool:
    return Brand.objects.filter(slug__in=DEMO_SLUGS).exists()


def reset_world() -> None:
    with transaction.atomic():
        Brand.objects.filter(slug__in=DEMO_SLUGS).delete()
        DemoSegment.objects.all().delete()


def build_world(*, seed: int = 42, viewers: int = 2000, videos: int = 300, impressions_per_viewer: float = 48.0,
                days: int = 60, until: date | None = None, brands: int = 3) -> WorldSummary:
    """Create the demo brands with their videos, campaigns, spend, viewers and interactions.

    ``viewers`` and ``videos`` are totals over the brands; ``impressions_per_viewer`` sets the size
    (about 4 stored interactions per impression on average... fewer for unengaged viewers).
    """
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    until = until or datetime.now(UTC).date()
    start_day = until - timedelta(days=days - 1)
    summary = WorldSummary()
    platforms = {p.code: p for p in Platform.objects.filter(code__in=PLATFORMS)}
    segments = _segments()
    for brand_index, (slug, name, tz, mix) in enumerate(BRANDS[:brands]):
        brand = Brand.objects.create(slug=slug, name=name, reporting_timezone=tz, currency="CNY")
        video_ids, video_category, video_duration = _videos(rng, brand, platforms, videos // brands)
        campaign_by_category = _campaigns(rng, brand, video_ids, video_category, start_day, until)
        n_viewers = viewers // brands
        viewer_ids, viewer_segment = _viewers(rng, brand, segments, mix, n_viewers, start_day, brand_index)
        summary.interactions += _interactions(
            rng, brand, viewer_ids, viewer_segment, video_ids, video_category, video_duration,
            campaign_by_category, start_day, days, impressions_per_viewer, seed)
        summary.brands += 1
        summary.videos += len(video_ids)
        summary.viewers += len(viewer_ids)
        summary.campaigns += len(campaign_by_category)
    summary.by_kind = dict(Interaction.objects.filter(brand__slug__in=DEMO_SLUGS).values_list("kind").annotate(
        n=Count("id")).order_by("kind"))
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _segments() -> list[DemoSegment]:
    rows = []
    for spec in SEGMENTS:
        affinity = {tag: 1.0 for tag in CATEGORIES[spec.category]}
        demographics = {"gender": dict(zip(GENDERS, spec.gender, strict=True)),
                        "age_band": dict(zip(AGE_BANDS, spec.age, strict=True)), "region": spec.regions}
        segment, _ = DemoSegment.objects.update_or_create(
            name=spec.name, defaults={"description": spec.description, "tag_affinity": affinity,
                                      "demographics": demographics})
        rows.append(segment)
    return rows


def _videos(rng, brand, platforms, n: int):
    categories = list(CATEGORIES)
    category_of = [categories[i % len(categories)] for i in range(n)]
    tag_names = sorted({t for tags in CATEGORIES.values() for t in tags} | set(GENERIC_TAGS))
    Tag.objects.bulk_create([Tag(name=t) for t in tag_names], ignore_conflicts=True)
    tags = dict(Tag.objects.filter(name__in=tag_names).values_list("name", "pk"))
    now = datetime.now(UTC)
    status = rng.choice([ModerationStatus.APPROVED, ModerationStatus.PENDING, ModerationStatus.REJECTED],
                        size=n, p=[0.9, 0.06, 0.04])
    durations = rng.choice([8_000, 15_000, 30_000, 45_000, 60_000], size=n)
    rows = [
        Video(brand=brand, platform=platforms[PLATFORMS[i % 3]], external_id=f"{brand.slug}-v{i:05d}",
              title=f"{category_of[i].title()} #{i}: {' '.join(CATEGORIES[category_of[i]][j] for j in (1, 3))}",
              description=f"A {category_of[i]} video by {brand.name}.", category=category_of[i],
              duration_ms=int(durations[i]), published_at=now - timedelta(days=int(rng.integers(1, 90))),
              moderation_status=str(status[i]),
              moderation_reason="Unlicensed music" if status[i] == ModerationStatus.REJECTED else "")
        for i in range(n)
    ]
    created = Video.objects.bulk_create(rows, batch_size=2000)
    links = []
    for video, category in zip(created, category_of, strict=True):
        picks = rng.choice(CATEGORIES[category], size=3, replace=False)
        names = [*picks, GENERIC_TAGS[int(rng.integers(len(GENERIC_TAGS)))]]
        links.extend(Video.tags.through(video_id=video.pk, tag_id=tags[t]) for t in names)
    Video.tags.through.objects.bulk_create(links, batch_size=5000)
    return (np.array([v.pk for v in created]), np.array([categories.index(c) for c in category_of]),
            np.array([v.duration_ms for v in created]))


def _campaigns(rng, brand, video_ids, video_category, start_day: date, until: date) -> dict[int, Campaign]:
    """One campaign per category, each promoting that category's approved videos, with daily spend."""
    approved = set(Video.objects.filter(brand=brand, moderation_status=ModerationStatus.APPROVED)
                   .values_list("pk", flat=True))
    objectives = ["awareness", "engagement", "sales", "traffic", "conversions"]
    campaigns = {}
    spend_rows = []
    for index, category in enumerate(CATEGORIES):
        campaign = Campaign.objects.create(
            brand=brand, name=f"{brand.name} · {category} push", objective=objectives[index],
            status=CampaignStatus.ACTIVE, budget_daily=Decimal("3000.00"), currency="CNY",
            starts_at=datetime(start_day.year, start_day.month, start_day.day, tzinfo=UTC),
            ends_at=datetime(until.year, until.month, until.day, tzinfo=UTC) + timedelta(days=30))
        campaign.videos.set([int(v) for v, c in zip(video_ids, video_category, strict=True)
                             if c == index and int(v) in approved])
        day = start_day
        while day <= until:
            spend_rows.append(CampaignSpend(campaign=campaign, date=day, currency="CNY",
                                            amount=Decimal(int(rng.integers(80_000, 300_000))) / 100))
            day += timedelta(days=1)
        campaigns[index] = campaign
    CampaignSpend.objects.bulk_create(spend_rows, batch_size=5000)
    return campaigns


def _viewers(rng, brand, segments, mix, n: int, start_day: date, brand_index: int):
    specs = SEGMENTS
    segment_of = rng.choice(len(specs), size=n, p=np.array(mix) / sum(mix))
    rows = []
    platform_ids = dict(Platform.objects.values_list("code", "pk"))
    seen_at = datetime(start_day.year, start_day.month, start_day.day, tzinfo=UTC)
    for i in range(n):
        spec = specs[segment_of[i]]
        platform = PLATFORMS[rng.choice(len(PLATFORMS), p=spec.platforms)]
        regions = list(spec.regions)
        rows.append(Viewer(
            brand=brand, platform_id=platform_ids[platform],
            viewer_key=pseudonymise_viewer_id(brand_id=brand.pk, platform_code=platform,
                                              raw_id=f"demo-user-{brand_index}-{i}"),
            gender=GENDERS[rng.choice(3, p=spec.gender)],
            age_band=AGE_BANDS[rng.choice(len(AGE_BANDS), p=spec.age)],
            region=regions[rng.choice(len(regions), p=[spec.regions[r] for r in regions])],
            first_seen_at=seen_at, last_seen_at=seen_at))
    created = Viewer.objects.bulk_create(rows, batch_size=5000)
    DemoViewerSegment.objects.bulk_create(
        [DemoViewerSegment(viewer_id=v.pk, segment=segments[s]) for v, s in zip(created, segment_of, strict=True)],
        batch_size=5000)
    return np.array([v.pk for v in created]), segment_of


def _interactions(rng, brand, viewer_ids, viewer_segment, video_ids, video_category, video_duration,
                  campaign_by_category, start_day: date, days: int, per_viewer: float, seed: int) -> int:
    """Funnel events for every viewer, written in chunks of viewers (flat memory at any scale)."""
    total = total_impressions = 0
    watchable = np.array([s == ModerationStatus.APPROVED for s in Video.objects.filter(
        pk__in=video_ids.tolist()).order_by("pk").values_list("moderation_status", flat=True)])
    order = np.argsort(video_ids)
    video_ids, video_category, video_duration = video_ids[order], video_category[order], video_duration[order]
    approved_idx = np.flatnonzero(watchable)
    by_category = {c: approved_idx[video_category[approved_idx] == c] for c in range(len(CATEGORIES))}
    campaign_ids = np.array([campaign_by_category[c].pk for c in range(len(CATEGORIES))])
    base = datetime(start_day.year, start_day.month, start_day.day, tzinfo=UTC).timestamp()
    params = np.array([[s.watch, s.like, s.comment, s.share, s.follow, s.click, s.convert, s.purchase, s.basket]
                       for s in SEGMENTS])
    favourite = np.array([list(CATEGORIES).index(s.category) for s in SEGMENTS])
    for chunk_start in range(0, len(viewer_ids), 2000):
        chunk = slice(chunk_start, chunk_start + 2000)
        counts = rng.poisson(per_viewer, size=len(viewer_ids[chunk]))
        viewer = np.repeat(viewer_ids[chunk], counts)
        segment = np.repeat(viewer_segment[chunk], counts)
        n = len(viewer)
        # 80% of a viewer's feed comes from their favourite category, the rest from anywhere.
        fav = rng.random(n) < 0.8
        pick = np.empty(n, dtype=np.int64)
        for c, candidates in by_category.items():
            mask = fav & (favourite[segment] == c)
            pick[mask] = candidates[rng.integers(0, len(candidates), mask.sum())]
        pick[~fav] = approved_idx[rng.integers(0, len(approved_idx), (~fav).sum())]
        own = video_category[pick] == favourite[segment]
        p = params[segment]
        boost = np.where(own, 1.0, 0.15)
        at = base + rng.random(n) * days * 86_400
        viewed = rng.random(n) < np.where(own, 0.85, 0.35)
        ratio = np.clip(rng.normal(np.where(own, p[:, 0], 0.2), 0.08), 0.02, 1.0)
        watch = np.round(ratio * video_duration[pick]).astype(np.int64)
        # A third of the feed is organic (no campaign).
        in_campaign = rng.random(n) < 0.67
        campaign = np.where(in_campaign, campaign_ids[video_category[pick]], -1)
        events = [("impression", np.ones(n, bool), None, None, 0)]
        events.append(("view", viewed, watch, None, 1))
        for kind, column in (("like", 1), ("comment", 2), ("share", 3), ("follow", 4)):
            events.append((kind, viewed & (rng.random(n) < p[:, column] * boost), None, None, 2 + column))
        clicked = viewed & (rng.random(n) < p[:, 5] * boost)
        converted = clicked & (rng.random(n) < p[:, 6])
        purchased = converted & (rng.random(n) < p[:, 7])
        value = np.round(rng.lognormal(np.log(p[:, 8]), 0.3), 2)
        events += [("click", clicked, None, None, 7), ("conversion", converted, None, None, 8),
                   ("purchase", purchased, None, value, 9)]
        rows = []
        index = np.arange(total_impressions, total_impressions + n)
        total_impressions += n
        for kind, mask, watch_col, value_col, step in events:
            idx = np.flatnonzero(mask)
            seconds = at[idx] + step * 7.0  # the funnel's steps follow each other by seconds
            for i, when in zip(idx.tolist(), seconds.tolist(), strict=True):
                rows.append((
                    brand.pk, f"demo-{seed}-{brand.pk}-{index[i]}-{kind}", int(viewer[i]), int(video_ids[pick[i]]),
                    None if campaign[i] < 0 else int(campaign[i]), kind,
                    None if watch_col is None else int(watch_col[i]),
                    None if value_col is None else f"{value_col[i]:.2f}", "CNY" if kind == "purchase" else "",
                    datetime.fromtimestamp(when, UTC)))
        total += _write_interactions(rows)
    _update_seen(brand)
    return total


def _write_interactions(rows: list[tuple]) -> int:
    now = datetime.now(UTC)
    table = Interaction._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(INTERACTION_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, now))
    else:
        adapt = connection.ops.adapt_datetimefield_value
        placeholders = ", ".join(["%s"] * len(INTERACTION_COLUMNS))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(INTERACTION_COLUMNS)}) VALUES ({placeholders})",
                               [(*row[:9], adapt(row[9]), adapt(now)) for row in rows])
    return len(rows)


def _update_seen(brand: Brand) -> None:
    from django.db.models import Max, Min, OuterRef, Subquery

    events = Interaction.objects.filter(viewer_id=OuterRef("pk")).order_by()
    Viewer.objects.filter(brand=brand).update(
        first_seen_at=Subquery(events.values("viewer_id").annotate(t=Min("occurred_at")).values("t")),
        last_seen_at=Subquery(events.values("viewer_id").annotate(t=Max("occurred_at")).values("t")),
    )

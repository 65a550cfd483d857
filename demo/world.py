"""Build the deterministic synthetic short-video world (``manage.py seed_demo``).

Every random draw comes from one ``numpy.random.Generator(seed)`` in a fixed order, so a seed gives
the same world (counts, watch time, values, event ids) on SQLite and PostgreSQL. Rows are generated
as numpy columns per chunk of viewers and written set-based: ``bulk_create`` for the catalogue and
viewers, COPY (PostgreSQL) or ``executemany`` (SQLite) for interactions, so memory stays flat at any
``--scale``.

How viewers behave (the planted signal the personas and recommenders must find):
- each viewer belongs to one hidden segment (``spec.SEGMENTS``), which fixes their demographics
  distribution, platform mix, activity and funnel rates;
- a segment's affinity to a video is the mean of its tag weights over the video's tags; impressions
  pick videos with probability ∝ popularity × exp(CHOICE_SHARPNESS × affinity), so choices are
  driven by the segment's tags;
- at each impression the funnel runs: view (probability and watch ratio grow with affinity) →
  like/comment/share/follow → click → conversion → purchase (value ~ lognormal around the
  segment's basket). Nothing downstream happens without the step before it.
"""

from __future__ import annotations

import time
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from demo.models import DemoSegment, DemoViewerSegment
from demo.spec import (
    AGE_BANDS,
    ALL_TAGS,
    BRANDS,
    CATEGORIES,
    CATEGORY_NAMES,
    DEMO_SLUGS,
    GENDERS,
    GENERIC_TAGS,
    PLATFORMS,
    PROVINCES,
    REGION_NOISE,
    SEGMENTS,
    BrandSpec,
)
from marketing.models import (
    Brand,
    Campaign,
    CampaignObjective,
    CampaignSpend,
    CampaignStatus,
    Interaction,
    ModerationStatus,
    Platform,
    Tag,
    Video,
    Viewer,
    pseudonymise_viewer_id,
)
from marketing.review import content_review

CHOICE_SHARPNESS = 5.5
# Share of an attached, in-flight campaign video's impressions that the campaign paid for.
CAMPAIGN_SHARE = 0.75
VIEWER_CHUNK = 5000
KINDS = ("impression", "view", "like", "comment", "share", "follow", "click", "conversion", "purchase")
# Seconds after the impression at which each funnel step happens.
STEP_SECONDS = {kind: 6 * i for i, kind in enumerate(KINDS)}
INTERACTION_COLUMNS = ("brand_id", "event_id", "viewer_id", "video_id", "campaign_id", "kind", "watch_ms",
                       "value", "currency", "occurred_at", "ingested_at")


@dataclass
class WorldSummary:
    """What ``build_world`` wrote. ``watch_ms`` is the sum over view events, ``revenue`` over purchases."""

    brands: int = 0
    videos: int = 0
    viewers: int = 0
    campaigns: int = 0
    interactions: int = 0
    watch_ms: int = 0
    revenue: Decimal = Decimal("0.00")
    by_kind: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# (script, cover text) pairs; see compliance/rules/ for what each one breaks.
DEMO_VIOLATING_COPY = (
    ("这是全网最低价，错过再等一年", "全网最低价"),
    ("想要同款的宝子加微信，备注抖音", "加V领券"),
    ("用了三天见效，痘痘都根治了", "根治痘痘"),
    ("销量第一的国货，闭眼入", "NO.1"),
    ("跟着我做副业，月入过万不是梦", "稳赚不赔"),
    ("This is the best serum ever, guaranteed results", "No. 1 serum"),
    ("复制淘口令打开淘宝就能下单", "最 佳 拍 档"),
)
DEMO_SAFE_COPY = (
    ("最近上新，第一次用就爱上了", "新品上市"),
    ("第一步洁面，第二步爽肤水", "护肤三步"),
    ("绝对是今年夏天必入的单品", "夏日必备"),  # a warn flag: stays approved
    ("最好提前一天预约，周末人多", "周末见"),
)


def is_seeded() -> bool:
    return Brand.objects.filter(slug__in=DEMO_SLUGS).exists() or DemoSegment.objects.exists()


def reset_world() -> None:
    """Delete the demo brands (everything of theirs cascades) and the planted truth."""
    with transaction.atomic():
        Brand.objects.filter(slug__in=DEMO_SLUGS).delete()
        DemoSegment.objects.all().delete()


def build_world(*, seed: int = 42, viewers: int = 2000, videos: int = 300, brands: int = 3,
                impressions_per_viewer: float = 36.0, days: int = 60, now: datetime | None = None,
                viewer_chunk: int = VIEWER_CHUNK) -> WorldSummary:
    """Create the demo brands with videos, campaigns and daily spend, viewers and their interactions.

    ``viewers`` and ``videos`` are totals split evenly over the first ``brands`` demo brands;
    ``impressions_per_viewer`` is the mean feed size before the segment's activity multiplier (each
    impression yields about 2.4 stored interactions); interactions fall in the ``days`` days before
    ``now``. Raises ``ValueError`` if the demo brands already exist (call ``reset_world`` first).
    """
    if Brand.objects.filter(slug__in=DEMO_SLUGS).exists():
        raise ValueError("The demo world already exists; reset it first.")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    now = (now or timezone.now()).astimezone(UTC)
    summary = WorldSummary(by_kind=dict.fromkeys(KINDS, 0))
    with transaction.atomic():
        segments = _segments()
        platform_pk = dict(Platform.objects.filter(code__in=PLATFORMS).values_list("code", "pk"))
    first_raw_index = 0
    for brand_spec in BRANDS[:brands]:
        with transaction.atomic():
            brand = Brand.objects.create(slug=brand_spec.slug, name=brand_spec.name, currency="CNY",
                                         reporting_timezone="Asia/Shanghai")
            catalogue = _videos(rng, brand, brand_spec, videos // brands, platform_pk, _tags(brand), now)
            n_campaigns = _campaigns(rng, brand, catalogue, now, days)
        n_viewers = viewers // brands
        impressions = 0
        for chunk_start in range(0, n_viewers, viewer_chunk):
            size = min(viewer_chunk, n_viewers - chunk_start)
            with transaction.atomic():
                impressions += _viewer_chunk(
                    rng, brand, brand_spec, segments, platform_pk, catalogue, size, first_raw_index + chunk_start,
                    impressions, impressions_per_viewer, days, now, seed, summary)
        first_raw_index += n_viewers
        summary.brands += 1
        summary.videos += len(catalogue.video_pk)
        summary.viewers += n_viewers
        summary.campaigns += n_campaigns
    summary.interactions = sum(summary.by_kind.values())
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


# --- Catalogue ------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """One brand's videos as columns (index = position in the brand's catalogue)."""

    video_pk: np.ndarray
    duration_ms: np.ndarray
    category: np.ndarray  # index into CATEGORY_NAMES
    approved: np.ndarray  # bool
    affinity: np.ndarray  # segment x video, in [0, 1]
    choice_cdf: np.ndarray  # segment x approved video: cumulative choice probabilities
    approved_index: np.ndarray  # catalogue indexes of approved videos
    campaign_pk: np.ndarray  # per video, -1 when the video is in no campaign
    campaign_window: np.ndarray  # per video: [start, end) as epoch seconds


def _segments() -> list[DemoSegment]:
    return [
        DemoSegment.objects.update_or_create(name=spec.name, defaults={
            "description": spec.description, "tag_affinity": spec.tag_affinity(),
            "demographics": spec.demographics()})[0]
        for spec in SEGMENTS
    ]


def _tags(brand: Brand) -> dict[str, int]:
    Tag.objects.bulk_create([Tag(brand=brand, name=t) for t in ALL_TAGS], ignore_conflicts=True)
    return dict(Tag.objects.filter(brand=brand, name__in=ALL_TAGS).values_list("name", "pk"))


def _category_counts(brand_spec: BrandSpec, n: int) -> np.ndarray:
    """40% of the brand's videos in its own category, the rest evenly over the others (at least 2 each)."""
    others = len(CATEGORY_NAMES) - 1
    counts = np.full(len(CATEGORY_NAMES), max(2, int(n * 0.6 / others)))
    own = CATEGORY_NAMES.index(brand_spec.category)
    counts[own] = max(2, n - counts.sum() + counts[own])
    return counts


def demo_copy(i: int, status: str, category: str) -> tuple[str, str]:
    """Script and cover text of the i-th demo video: pending videos carry copy that breaks a rule (the
    queue has work), approved ones copy that only looks risky or draws a warning (they stay approved)."""
    if status == ModerationStatus.PENDING:
        return DEMO_VIOLATING_COPY[i % len(DEMO_VIOLATING_COPY)]
    if status == ModerationStatus.APPROVED and i % 4 == 0:
        return DEMO_SAFE_COPY[(i // 4) % len(DEMO_SAFE_COPY)]
    return "", ""


def _videos(rng, brand, brand_spec, n, platform_pk, tag_pk, now) -> Catalogue:
    counts = _category_counts(brand_spec, n)
    category = np.repeat(np.arange(len(CATEGORY_NAMES)), counts)
    n = len(category)
    first_of_category = np.r_[True, category[1:] != category[:-1]]
    second_of_category = np.r_[False, first_of_category[:-1]]
    status_draw = rng.random(n)
    status = np.where(status_draw < 0.86, ModerationStatus.APPROVED,
                      np.where(status_draw < 0.94, ModerationStatus.PENDING, ModerationStatus.REJECTED))
    # Every category keeps at least two promotable videos, even in tiny test worlds.
    status[first_of_category | second_of_category] = ModerationStatus.APPROVED
    duration = rng.choice(np.array([15_000, 30_000, 45_000, 60_000, 90_000]), size=n)
    published_days = rng.integers(61, 120, size=n)
    tag_index = np.array([rng.choice(6, size=3, replace=False) for _ in range(n)])
    generic = rng.integers(0, len(GENERIC_TAGS), size=n)
    popularity = rng.lognormal(0.0, 0.6, size=n)

    rows, video_tags = [], []
    for i in range(n):
        vocabulary = CATEGORIES[CATEGORY_NAMES[category[i]]]
        names = [vocabulary[j] for j in tag_index[i]] + [GENERIC_TAGS[generic[i]]]
        video_tags.append(names)
        rejected = status[i] == ModerationStatus.REJECTED
        script, cover_text = demo_copy(i, str(status[i]), CATEGORY_NAMES[category[i]])
        rows.append(Video(
            brand=brand, platform_id=platform_pk[PLATFORMS[i % 3]], external_id=f"{brand.slug}-v{i:05d}",
            title=f"{names[0].title()} {names[1]} · {i + 1}", script=script, cover_text=cover_text,
            description=f"A {CATEGORY_NAMES[category[i]]} short by {brand.name}: {', '.join(names[:3])}.",
            category=CATEGORY_NAMES[category[i]], duration_ms=int(duration[i]),
            published_at=now - timedelta(days=int(published_days[i])), moderation_status=str(status[i]),
            moderation_reason="Music not licensed for advertising" if rejected else ""))
    created = Video.objects.bulk_create(rows, batch_size=5000)
    video_pk = np.array([v.pk for v in created], dtype=np.int64)
    Video.tags.through.objects.bulk_create(
        [Video.tags.through(video_id=int(pk), tag_id=tag_pk[t]) for pk, names in zip(video_pk, video_tags,
                                                                                   strict=True) for t in names],
        batch_size=5000)
    content_review().screen_videos(video_ids=video_pk.tolist())

    weights = np.array([[spec.tag_affinity().get(t, 0.0) for t in ALL_TAGS] for spec in SEGMENTS])
    column = {t: j for j, t in enumerate(ALL_TAGS)}
    incidence = np.zeros((n, len(ALL_TAGS)))
    for i, names in enumerate(video_tags):
        incidence[i, [column[t] for t in names]] = 1.0 / len(names)
    affinity = weights @ incidence.T
    affinity /= affinity.max(axis=1, keepdims=True)
    approved = status == ModerationStatus.APPROVED
    approved_index = np.flatnonzero(approved)
    choice = popularity[approved_index] * np.exp(CHOICE_SHARPNESS * affinity[:, approved_index])
    choice_cdf = np.cumsum(choice / choice.sum(axis=1, keepdims=True), axis=1)
    choice_cdf[:, -1] = 1.0
    return Catalogue(video_pk=video_pk, duration_ms=duration, category=category, approved=approved, affinity=affinity,
                     choice_cdf=choice_cdf, approved_index=approved_index,
                     campaign_pk=np.full(n, -1, dtype=np.int64), campaign_window=np.zeros((n, 2)))


# --- Campaigns and spend -------------------------------------------------------------------------


def _campaigns(rng, brand, catalogue: Catalogue, now: datetime, days: int) -> int:
    """Four campaigns: an always-on campaign for the brand's own category, a launch in the second
    half of the window, a completed one in the first half (approved videos, daily spend) and a draft
    holding the videos still in review or rejected."""
    categories = catalogue.category
    own = np.bincount(categories).argmax()
    start = now - timedelta(days=days)
    half = now - timedelta(days=days // 2)
    approved = catalogue.approved
    plans = [
        (f"{brand.name}: always-on {CATEGORY_NAMES[own]}", CampaignObjective.SALES, CampaignStatus.ACTIVE,
         start, now + timedelta(days=30), approved & (categories == own)),
        (f"{brand.name}: new-season launch", CampaignObjective.CONVERSIONS, CampaignStatus.ACTIVE,
         half, now + timedelta(days=14), approved & (categories != own) & (np.arange(len(categories)) % 2 == 0)),
        (f"{brand.name}: spring awareness", CampaignObjective.AWARENESS, CampaignStatus.COMPLETED,
         start, half, approved & (categories != own) & (np.arange(len(categories)) % 2 == 1)),
        (f"{brand.name}: next drop (draft)", CampaignObjective.ENGAGEMENT, CampaignStatus.DRAFT,
         now + timedelta(days=7), now + timedelta(days=37), ~approved),
    ]
    local = zoneinfo.ZoneInfo(brand.reporting_timezone)
    spend = []
    for name, objective, status, starts_at, ends_at, members in plans:
        campaign = Campaign.objects.create(
            brand=brand, name=name, objective=objective, status=status, budget_daily=Decimal("2500.00"),
            currency="CNY", starts_at=starts_at, ends_at=ends_at, status_changed_at=starts_at)
        campaign.videos.set(catalogue.video_pk[members].tolist())
        if status == CampaignStatus.DRAFT:
            continue
        catalogue.campaign_pk[members] = campaign.pk
        until = min(ends_at, now)
        catalogue.campaign_window[members] = (starts_at.timestamp(), until.timestamp())
        day, last = starts_at.astimezone(local).date(), until.astimezone(local).date()
        amounts = rng.integers(120_000, 250_001, size=(last - day).days + 1)
        for offset, cents in enumerate(amounts):
            spend.append(CampaignSpend(campaign=campaign, date=day + timedelta(days=offset), currency="CNY",
                                       amount=Decimal(int(cents)) / 100))
    CampaignSpend.objects.bulk_create(spend, batch_size=5000)
    return len(plans)


# --- Viewers and interactions --------------------------------------------------------------------


def _draw(rng, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (rows x choices) probability matrix."""
    cdf = np.cumsum(probabilities, axis=1)
    cdf /= cdf[:, -1:]
    return (rng.random((len(probabilities), 1)) > cdf).sum(axis=1)


def _viewer_chunk(rng, brand, brand_spec, segments, platform_pk, catalogue: Catalogue, n: int, first_raw: int,
                  first_impression: int, per_viewer: float, days: int, now: datetime, seed: int,
                  summary: WorldSummary) -> int:
    """Draw ``n`` viewers of one brand with their whole funnel, then write viewers, truth and events.
    Returns the number of impressions drawn (event ids number impressions per brand)."""
    viewers = _draw_viewers(rng, brand_spec, n)
    funnel = _draw_funnel(rng, viewers.segment, catalogue, per_viewer, days, now)
    viewer_pk = _write_viewers(brand, segments, platform_pk, viewers, funnel, first_raw)
    impression_number = np.arange(first_impression, first_impression + funnel.m)
    for kind in KINDS:
        rows = np.flatnonzero(funnel.acted[kind])
        summary.by_kind[kind] += len(rows)
        if kind == "view":
            summary.watch_ms += int(funnel.watch_ms[rows].sum())
        if kind == "purchase":
            summary.revenue += Decimal(int(funnel.value_cents[rows].sum())) / 100
        _write(brand.pk, kind, seed, brand.slug, impression_number[rows], viewer_pk[funnel.owner[rows]],
               catalogue.video_pk[funnel.pick[rows]], funnel.campaign[rows],
               funnel.watch_ms[rows] if kind == "view" else None,
               funnel.value_cents[rows] if kind == "purchase" else None, funnel.at[rows] + STEP_SECONDS[kind])
    return funnel.m


@dataclass
class _Viewers:
    """Drawn viewers: segment and demographic codes (indexes into the spec's tables), one entry per viewer."""

    segment: np.ndarray
    gender: np.ndarray
    age: np.ndarray
    platform: np.ndarray
    region: np.ndarray


@dataclass
class _Funnel:
    """One row per impression: its viewer (``owner``), video (``pick``), time, campaign and what followed."""

    m: int
    owner: np.ndarray
    pick: np.ndarray
    acted: dict[str, np.ndarray]
    watch_ms: np.ndarray
    value_cents: np.ndarray
    at: np.ndarray
    campaign: np.ndarray


def _draw_viewers(rng, brand_spec, n: int) -> _Viewers:
    mix = np.array(brand_spec.segment_mix)
    segment = rng.choice(len(SEGMENTS), size=n, p=mix / mix.sum())
    gender = _draw(rng, np.array([s.gender for s in SEGMENTS])[segment])
    age = _draw(rng, np.array([s.age for s in SEGMENTS])[segment])
    platform = _draw(rng, np.array([s.platforms for s in SEGMENTS])[segment])
    region_table = np.array([[s.regions.get(p, 0.0) for p in PROVINCES] for s in SEGMENTS])
    region = np.where(rng.random(n) < REGION_NOISE, rng.integers(0, len(PROVINCES), size=n),
                      _draw(rng, region_table[segment]))
    return _Viewers(segment=segment, gender=gender, age=age, platform=platform, region=region)


def _draw_funnel(rng, segment: np.ndarray, catalogue: Catalogue, per_viewer: float, days: int,
                 now: datetime) -> _Funnel:
    """The impressions of the drawn viewers (by their segment's activity and affinities) and each step after."""
    activity = np.array([s.activity for s in SEGMENTS])
    feed = np.maximum(1, rng.poisson(per_viewer * activity[segment]))
    owner = np.repeat(np.arange(len(segment)), feed)
    seg = segment[owner]
    m = len(owner)
    pick = np.empty(m, dtype=np.int64)
    draws = rng.random(m)
    for s in range(len(SEGMENTS)):
        rows = seg == s
        pick[rows] = catalogue.approved_index[np.searchsorted(catalogue.choice_cdf[s], draws[rows], side="right")
                                              .clip(max=len(catalogue.approved_index) - 1)]
    fit = catalogue.affinity[seg, pick]
    rates = np.array([[s.watch, s.like, s.comment, s.share, s.follow, s.click, s.convert, s.purchase, s.basket]
                      for s in SEGMENTS])[seg]
    engagement = 0.1 + 0.9 * fit
    viewed = rng.random(m) < 0.25 + 0.7 * fit
    ratio = np.clip(rng.normal(0.15 + (rates[:, 0] - 0.15) * fit, 0.08), 0.02, 1.0)
    watch_ms = np.rint(ratio * catalogue.duration_ms[pick]).astype(np.int64)
    acted = {"impression": np.ones(m, dtype=bool), "view": viewed}
    for column, kind in enumerate(("like", "comment", "share", "follow"), start=1):
        acted[kind] = viewed & (rng.random(m) < rates[:, column] * engagement)
    acted["click"] = viewed & (rng.random(m) < rates[:, 5] * engagement)
    acted["conversion"] = acted["click"] & (rng.random(m) < rates[:, 6])
    acted["purchase"] = acted["conversion"] & (rng.random(m) < rates[:, 7])
    value_cents = np.maximum(100, np.rint(rng.lognormal(np.log(rates[:, 8]), 0.35) * 100)).astype(np.int64)
    start = (now - timedelta(days=days)).timestamp()
    # Leave room for the funnel's later steps so nothing happens after `now`.
    at = start + rng.random(m) * (days * 86_400 - 600)
    window = catalogue.campaign_window[pick]
    paid = ((catalogue.campaign_pk[pick] >= 0) & (at >= window[:, 0]) & (at < window[:, 1])
            & (rng.random(m) < CAMPAIGN_SHARE))
    campaign = np.where(paid, catalogue.campaign_pk[pick], -1)
    return _Funnel(m=m, owner=owner, pick=pick, acted=acted, watch_ms=watch_ms, value_cents=value_cents, at=at,
                   campaign=campaign)


def _write_viewers(brand, segments, platform_pk, viewers: _Viewers, funnel: _Funnel, first_raw: int) -> np.ndarray:
    """The viewers (with their first/last event time, known before any row is written) and their planted
    segment; returns their primary keys in draw order."""
    n = len(viewers.segment)
    first_seen = np.full(n, np.inf)
    last_seen = np.full(n, -np.inf)
    np.minimum.at(first_seen, funnel.owner, funnel.at)
    np.maximum.at(last_seen, funnel.owner, funnel.at + np.where(funnel.acted["view"], STEP_SECONDS["view"], 0)
                  + np.where(funnel.acted["purchase"], STEP_SECONDS["purchase"], 0))
    platform, gender, age, region = viewers.platform, viewers.gender, viewers.age, viewers.region
    viewer_rows = [
        Viewer(brand=brand, platform_id=platform_pk[PLATFORMS[platform[i]]],
               viewer_key=pseudonymise_viewer_id(brand_id=brand.pk, platform_code=PLATFORMS[platform[i]],
                                                 raw_id=f"demo-user-{first_raw + i}"),
               gender=GENDERS[gender[i]], age_band=AGE_BANDS[age[i]], region=PROVINCES[region[i]],
               first_seen_at=datetime.fromtimestamp(first_seen[i], UTC),
               last_seen_at=datetime.fromtimestamp(max(first_seen[i], last_seen[i]), UTC))
        for i in range(n)
    ]
    viewer_pk = np.array([v.pk for v in Viewer.objects.bulk_create(viewer_rows, batch_size=5000)], dtype=np.int64)
    DemoViewerSegment.objects.bulk_create(
        [DemoViewerSegment(viewer_id=int(pk), segment_id=segments[s].pk) for pk, s in zip(viewer_pk, viewers.segment,
                                                                                         strict=True)],
        batch_size=5000)
    return viewer_pk


def _timestamps(seconds: np.ndarray) -> list[str]:
    """Epoch seconds -> 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (the format Django stores on SQLite)."""
    stamps = (np.rint(seconds * 1e6).astype(np.int64)).astype("datetime64[us]")
    return [s.replace("T", " ") for s in np.datetime_as_string(stamps, unit="us").tolist()]


def _write(brand_pk, kind, seed, slug, number, viewer, video, campaign, watch_ms, value_cents, seconds) -> None:
    if not len(number):
        return
    event_ids = [f"demo-{seed}-{slug}-{n}-{kind}" for n in number.tolist()]
    stamps = _timestamps(seconds)
    campaigns = [None if c < 0 else c for c in campaign.tolist()]
    watch = watch_ms.tolist() if watch_ms is not None else [None] * len(number)
    values = ([f"{c // 100}.{c % 100:02d}" for c in value_cents.tolist()] if value_cents is not None
              else [None] * len(number))
    currency = "CNY" if kind == "purchase" else ""
    ingested = timezone.now().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = zip(event_ids, viewer.tolist(), video.tolist(), campaigns, watch, values, stamps, strict=True)
    table = Interaction._meta.db_table
    columns = ", ".join(INTERACTION_COLUMNS)
    if connection.vendor == "postgresql":
        # COPY's text format, built as one block: several times faster than write_row per row.
        null = "\\N"
        block = "".join(
            f"{brand_pk}\t{event_id}\t{viewer_pk}\t{video_pk}\t{null if campaign_pk is None else campaign_pk}\t"
            f"{kind}\t{null if w is None else w}\t{null if v is None else v}\t{currency}\t{stamp}+00\t"
            f"{ingested}+00\n"
            for event_id, viewer_pk, video_pk, campaign_pk, w, v, stamp in rows)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(block)
    else:
        placeholders = ", ".join(["%s"] * len(INTERACTION_COLUMNS))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
                [(brand_pk, e, vi, vd, c, kind, w, v, currency, s, ingested) for e, vi, vd, c, w, v, s in rows])

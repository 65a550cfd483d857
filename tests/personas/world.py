"""A small planted world for persona tests: segments with distinct demographics, tastes and behaviour.

Built with bulk_create (fast, a few hundred viewers). Every viewer's true segment is returned so
tests can compare the clustering with the truth (adjusted Rand index).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.utils import timezone

from marketing.models import (
    Interaction,
    InteractionKind,
    Tag,
    Video,
    Viewer,
    pseudonymise_viewer_id,
)
from tests.factories import platform as douyin_platform


@dataclass(frozen=True)
class Segment:
    name: str
    size: int
    gender: str
    age_band: str
    region: str
    tags: tuple[str, ...]
    watch_ratio: float  # typical share of a video watched
    like_p: float = 0.05
    comment_p: float = 0.0
    share_p: float = 0.0
    click_p: float = 0.05
    purchase_p: float = 0.0


BEAUTY = Segment("beauty buyers", 100, "female", "18-24", "Guangdong", ("beauty", "skincare"), 0.95,
                 like_p=0.3, click_p=0.5, purchase_p=0.4)
GAMERS = Segment("gamers", 100, "male", "25-30", "Beijing", ("gaming", "tech"), 0.35,
                 like_p=0.6, comment_p=0.5, share_p=0.3)
COOKS = Segment("home cooks", 100, "female", "41-50", "Shanghai", ("cooking", "home"), 0.7,
                like_p=0.05, share_p=0.2)
PLANTED = (BEAUTY, GAMERS, COOKS)


@dataclass
class World:
    brand: object
    videos_by_tag: dict[str, list[int]]
    truth: dict[int, str] = field(default_factory=dict)  # viewer id -> segment name


def _videos(brand, tags: set[str]) -> dict[str, list[int]]:
    platform = douyin_platform("douyin")
    tag_rows = {t: Tag.objects.get_or_create(brand=brand, name=t)[0] for t in sorted(tags)}
    by_tag: dict[str, list[int]] = {}
    for t in sorted(tags):
        existing = list(Video.objects.filter(brand=brand, tags__name=t).values_list("id", flat=True))
        if existing:
            by_tag[t] = existing
            continue
        videos = Video.objects.bulk_create([
            Video(brand=brand, platform=platform, external_id=f"{t}-{i}", title=f"{t} video {i}",
                  duration_ms=10_000, moderation_status="approved", published_at=timezone.now())
            for i in range(3)
        ])
        Video.tags.through.objects.bulk_create(
            [Video.tags.through(video_id=v.pk, tag_id=tag_rows[t].pk) for v in videos])
        by_tag[t] = [v.pk for v in videos]
    return by_tag


def add_segment(world: World, segment: Segment, *, seed: int, days_ago: int = 5, campaign=None) -> list[int]:
    """Create the segment's viewers and interactions; returns the new viewer ids."""
    rng = np.random.default_rng(seed)
    brand = world.brand
    world.videos_by_tag.update(_videos(brand, set(segment.tags) | set(world.videos_by_tag)))
    platform = douyin_platform("douyin")
    start = Viewer.objects.filter(brand=brand).count()
    viewers = Viewer.objects.bulk_create([
        Viewer(brand=brand, platform=platform, gender=segment.gender, age_band=segment.age_band,
               region=segment.region,
               viewer_key=pseudonymise_viewer_id(brand_id=brand.pk, platform_code="douyin", raw_id=f"w{start + i}"))
        for i in range(segment.size)
    ])
    now = timezone.now()
    own = [v for t in segment.tags for v in world.videos_by_tag[t]]
    other = [v for t, ids in world.videos_by_tag.items() if t not in segment.tags for v in ids]
    rows = []
    for viewer in viewers:
        world.truth[viewer.pk] = segment.name
        picks = list(rng.choice(own, size=6)) + list(rng.choice(other, size=1)) if other else list(rng.choice(own, 7))
        for j, video_id in enumerate(picks):
            at = now - timedelta(days=days_ago, minutes=int(rng.integers(0, 600)))
            mine = j < 6
            ratio = segment.watch_ratio if mine else 0.2
            events = [(InteractionKind.IMPRESSION, None), (InteractionKind.VIEW,
                       int(10_000 * float(np.clip(rng.normal(ratio, 0.05), 0.01, 1.0))))]
            if mine:
                for kind, p in ((InteractionKind.LIKE, segment.like_p), (InteractionKind.COMMENT, segment.comment_p),
                                (InteractionKind.SHARE, segment.share_p), (InteractionKind.CLICK, segment.click_p),
                                (InteractionKind.PURCHASE, segment.purchase_p)):
                    if rng.random() < p:
                        events.append((kind, None))
            for kind, watch in events:
                rows.append(Interaction(
                    brand=brand, event_id=f"{viewer.pk}-{j}-{kind}", viewer=viewer, video_id=int(video_id),
                    campaign=campaign, kind=kind, watch_ms=watch,
                    value=99 if kind == InteractionKind.PURCHASE else None, occurred_at=at))
    Interaction.objects.bulk_create(rows, batch_size=2000)
    return [v.pk for v in viewers]


def build_world(brand, segments=PLANTED, *, seed: int = 7) -> World:
    world = World(brand=brand, videos_by_tag=_videos(brand, {t for s in segments for t in s.tags}))
    for i, segment in enumerate(segments):
        add_segment(world, segment, seed=seed * 100 + i)
    return world

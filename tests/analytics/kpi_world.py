"""A small random KPI world and the independent recomputation the KPI tests compare against.

``expected_sums`` is plain Python over the raw ``Interaction`` rows (no SQL aggregation, no code
from ``analytics``): local days via ``zoneinfo``, completion via exact fractions.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from analytics import rollups
from analytics.selectors import Period
from marketing.models import CampaignSpend, Interaction
from tests.factories import (
    CampaignFactory,
    CampaignSpendFactory,
    InteractionFactory,
    VideoFactory,
    ViewerFactory,
    platform,
)

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 14))
PLURAL = {"impression": "impressions", "view": "views", "like": "likes", "comment": "comments", "share": "shares",
          "follow": "follows", "click": "clicks", "conversion": "conversions", "purchase": "purchases"}
GENDERS = ["female", "male", ""]
AGE_BANDS = ["18-24", "25-30", "31-40"]
REGIONS = ["Beijing", "Shanghai", "Chengdu", "Lhasa"]


def build(brand, seed=1, n_viewers=30, n_events=600):
    """Random interactions (half within a minute of local midnight, some outside any campaign) and spend."""
    rng = random.Random(seed)
    douyin, kuaishou = platform("douyin"), platform("kuaishou")
    videos = [VideoFactory(brand=brand, duration_ms=rng.choice([10_000, 15_001, 30_000]),
                           platform=kuaishou if i % 2 else douyin) for i in range(5)]
    campaigns = [CampaignFactory(brand=brand), CampaignFactory(brand=brand)]
    # 27 viewers spread over female/male/unknown, 3 "other"; regions 12/9/6/3 so some groups are small.
    viewers = [ViewerFactory(brand=brand, gender=GENDERS[i % 3] if i < 27 else "other",
                             age_band=AGE_BANDS[i % 2] if i < 28 else AGE_BANDS[2],
                             region=REGIONS[0 if i < 12 else 1 if i < 21 else 2 if i < 27 else 3])
               for i in range(n_viewers)]
    zone = ZoneInfo(brand.reporting_timezone)
    kinds = ["impression"] * 4 + ["view"] * 4 + list(PLURAL)[2:]
    for i in range(n_events):
        day = PERIOD.date_from + timedelta(days=rng.randrange(-3, PERIOD.days + 3))
        minute = rng.choice([0, 1, 1439, 1438]) if i % 2 else rng.randrange(1440)
        at = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=minute, seconds=rng.randrange(60))
        kind = rng.choice(kinds)
        video = rng.choice(videos)
        InteractionFactory(
            brand=brand, viewer=rng.choice(viewers), video=video, kind=kind, occurred_at=at,
            campaign=rng.choice(campaigns + [None]),
            watch_ms=rng.choice([0, 1999, 2000, 5999, 6000, video.duration_ms * 95 // 100,
                                 -(-video.duration_ms * 95 // 100), video.duration_ms]) if kind == "view" else None,
            value=Decimal(rng.randrange(1, 50000)) / 100 if kind == "purchase" else None,
        )
    for campaign in campaigns:
        for offset in range(-2, PERIOD.days + 2, 3):
            CampaignSpendFactory(campaign=campaign, date=PERIOD.date_from + timedelta(days=offset),
                                 amount=Decimal(rng.randrange(100, 99999)) / 100)
    rollups.recompute_brand(brand_id=brand.pk)
    return campaigns


def expected_sums(brand, *, campaign_ids=None, first=PERIOD.date_from, last=PERIOD.date_to, where=lambda e: True,
                  spend=True):
    """Sums (and reach, spend) over the raw rows in plain Python: the independent recomputation."""
    zone = ZoneInfo(brand.reporting_timezone)
    sums = defaultdict(int)
    sums["revenue"] = Decimal("0")
    viewers = set()
    for e in Interaction.objects.filter(brand=brand).select_related("video", "viewer"):
        local_day = e.occurred_at.astimezone(zone).date()
        if not (first <= local_day <= last) or (campaign_ids is not None and e.campaign_id not in campaign_ids):
            continue
        if not where(e):
            continue
        viewers.add(e.viewer_id)
        sums[PLURAL[e.kind]] += 1
        if e.kind == "view":
            sums["watch_ms_sum"] += e.watch_ms
            sums["completed_views"] += Fraction(e.watch_ms, e.video.duration_ms) >= Fraction(95, 100)
            sums["views_2s"] += e.watch_ms >= 2000
            sums["views_6s"] += e.watch_ms >= 6000
        if e.kind == "purchase":
            sums["revenue"] += e.value
    sums["reach"] = len(viewers)
    if spend:
        sums["spend"] = sum((s.amount for s in CampaignSpend.objects.filter(campaign__brand=brand)
                             if first <= s.date <= last and (campaign_ids is None or s.campaign_id in campaign_ids)),
                            Decimal("0"))
    else:
        sums["spend"] = None
    return dict(sums)

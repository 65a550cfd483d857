"""The demo world's ad accounts: one per ad platform for each demo brand, with 60 days of report rows.

The rows are built in each platform's own answer shape (TikTok's ``dimensions`` / ``metrics`` strings, Ocean
Engine's numbers, Kuaishou's ``details`` with a completion rate), read by the connector's ``parse`` and stored
by ``services.write_day``: the same mapping and upsert a sync runs, so what the demo shows is what a sync
would store. The numbers follow the brand's own first-party counts per campaign and day (a platform counts a
little more than the brand's tracking sees) and plant what a marketer should notice: one day of the launch
campaign where the brand's tracking lost most events (the reconciliation shows it), and a launch that spends
over its budget (pacing alerts).
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from adplatforms import services
from adplatforms.connectors import CONNECTORS
from adplatforms.connectors.base import ReportRow
from adplatforms.models import AdAccount, AdAccountStatus, AdPlatform, ReportLevel
from adplatforms.services import VIDEO_PLATFORM_CODE
from marketing.models import Campaign, CampaignStatus, Interaction, InteractionKind

# Which demo campaign each ad platform delivers (by the campaign's position among the brand's campaigns with
# spend: always-on, launch, completed), the account's zone as the platform reports it, and its advertiser id.
ACCOUNTS = (
    (AdPlatform.OCEANENGINE, 0, "Asia/Shanghai", "1760000000"),
    (AdPlatform.KUAISHOU_ADS, 1, "Asia/Shanghai", "9100000"),
    (AdPlatform.TIKTOK, 2, "UTC", "7010000000000"),
)
# A platform counts a little more than the brand's tracking sees (its own impression and play rules).
PLATFORM_OVER_FIRST_PARTY = (1.02, 1.08)
# The launch campaign's platform spend per day against its daily budget: it over-paces.
LAUNCH_SPEND_OF_BUDGET = (1.25, 1.45)
TRACKING_GAP_SHARE = 0.4  # on the planted day, the brand's tracking saw 40 % of what the platform reports


@dataclass
class SeededAccounts:
    accounts: int = 0
    stat_rows: int = 0
    spend_rows: int = 0


def seed_brand(*, brand, seed: int = 42, now: datetime | None = None) -> SeededAccounts:
    """Create the brand's demo ad accounts (one per ad platform) and store their report rows; idempotent:
    accounts that exist are left as they are."""
    now = now or timezone.now()
    rng = np.random.default_rng(seed + brand.pk)
    campaigns = list(Campaign.objects.filter(brand=brand).exclude(status=CampaignStatus.DRAFT).order_by("pk"))
    out = SeededAccounts()
    for ad_platform, position, zone, advertiser in ACCOUNTS:
        if position >= len(campaigns):
            continue
        campaign = campaigns[position]
        if AdAccount.objects.filter(brand=brand, ad_platform=ad_platform).exists():
            continue
        with transaction.atomic():
            account = AdAccount.objects.create(
                brand=brand, ad_platform=ad_platform, advertiser_id=f"{advertiser}{brand.pk}",
                name=f"{brand.name} · {AdPlatform(ad_platform).label} (demo)", time_zone=zone,
                currency=brand.currency, status=AdAccountStatus.ACTIVE)
            external_id = f"{advertiser}{brand.pk}01"
            campaign.external_ids = sorted({*(campaign.external_ids or []), external_id})
            campaign.save(update_fields=["external_ids"])
            written = _store_days(account, campaign, external_id, rng, now, launch=position == 1)
        out.accounts += 1
        out.stat_rows += written[0]
        out.spend_rows += written[1]
    return out


def _first_party(campaign: Campaign, zone: str) -> dict[date, dict[str, int]]:
    """The campaign's first-party impressions, views and clicks per day of ``zone``."""
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (Interaction.objects.filter(campaign=campaign, kind__in=[InteractionKind.IMPRESSION, InteractionKind.VIEW,
                                                                     InteractionKind.CLICK, InteractionKind.CONVERSION])
            .annotate(day=TruncDate("occurred_at", tzinfo=zoneinfo.ZoneInfo(zone)))
            .values("day", "kind").annotate(n=Count("id")))
    for row in rows:
        counts[row["day"]][row["kind"]] = row["n"]
    return counts


def _store_days(account, campaign, external_id, rng, now, *, launch: bool) -> tuple[int, int]:
    first_party = _first_party(campaign, account.time_zone)
    today = services.account_today(account, now)
    days = sorted(d for d in first_party if d <= today)
    gap_day = days[len(days) // 2] if launch and days else None
    videos = list(campaign.videos.filter(platform__code=VIDEO_PLATFORM_CODE[account.ad_platform])
                  .exclude(external_id="").order_by("pk").values_list("external_id", flat=True)[:2])
    connector = CONNECTORS[account.ad_platform](credentials={}, advertiser_id=account.advertiser_id)
    stats = spend_rows = 0
    for day in days:
        counts = first_party[day]
        factor = rng.uniform(*PLATFORM_OVER_FIRST_PARTY)
        if day == gap_day:
            factor /= TRACKING_GAP_SHARE
        impressions = int(counts[InteractionKind.IMPRESSION] * factor)
        plays = int(counts[InteractionKind.VIEW] * factor)
        budget = campaign.budget_daily or Decimal("1000")
        share = rng.uniform(*LAUNCH_SPEND_OF_BUDGET) if launch else rng.uniform(0.85, 1.0)
        totals = {
            "spend": (budget * Decimal(str(round(share, 4)))).quantize(Decimal("0.01")),
            "impressions": impressions, "reach": int(impressions * rng.uniform(0.6, 0.8)),
            "clicks": int(counts[InteractionKind.CLICK] * factor), "plays": plays,
            "conversions": int(counts[InteractionKind.CONVERSION] * factor),
            "profile_visits": int(plays * 0.01),
            "avg_play_time_s": round(float(rng.uniform(4.5, 9.0)), 2),
        }
        rows = _rows(account, connector, day, external_id, campaign.name, totals, videos)
        result = services.write_day(account=account, stat_date=day, rows=rows)
        stats += result.stats
        spend_rows += result.spend_rows
    return stats, spend_rows


def _split(totals: dict, share: float) -> dict:
    return {k: (v if k == "avg_play_time_s" else
                (v * Decimal(str(share))).quantize(Decimal("0.01")) if isinstance(v, Decimal) else int(v * share))
            for k, v in totals.items()}


def _rows(account, connector, day, campaign_id, campaign_name, totals, videos) -> list[ReportRow]:
    """The day's campaign row, one ad group, two ads (60 / 40), rendered as the platform answers and parsed."""
    group_id, ads = f"{campaign_id}1", [(f"{campaign_id}11", 0.6), (f"{campaign_id}12", 0.4)]
    items = {ReportLevel.CAMPAIGN: [(campaign_id, "", campaign_name, totals, "")],
             ReportLevel.ADGROUP: [(group_id, campaign_id, f"{campaign_name} · 01", totals, "")],
             ReportLevel.AD: [(ad_id, group_id, f"{campaign_name} · 01 · {n + 1}", _split(totals, share),
                               videos[n] if n < len(videos) else "")
                              for n, (ad_id, share) in enumerate(ads)]}
    rows = []
    for level, level_items in items.items():
        answer = RENDER[account.ad_platform](level, day, level_items)
        parsed = connector.parse(level=level, data=answer, page=1, **(
            {"page_size": len(level_items)} if account.ad_platform == AdPlatform.KUAISHOU_ADS else {}))[0]
        rows += parsed
    return rows


def _plays(m: dict) -> dict:
    plays = m["plays"]
    return {"p2s": int(plays * 0.62), "p3s": int(plays * 0.55), "p6s": int(plays * 0.41), "p10s": int(plays * 0.3),
            "p25": int(plays * 0.5), "p50": int(plays * 0.34), "p75": int(plays * 0.22), "p100": int(plays * 0.14)}


def _tiktok(level, day, items) -> dict:
    id_key = {"campaign": "campaign_id", "adgroup": "adgroup_id", "ad": "ad_id"}[level]
    name_key = {"campaign": "campaign_name", "adgroup": "adgroup_name", "ad": "ad_name"}[level]
    parent_key = {"adgroup": "campaign_id", "ad": "adgroup_id"}.get(level)
    out = []
    for external_id, parent, name, m, _video in items:
        p = _plays(m)
        metrics = {"spend": f"{m['spend']:.2f}", "impressions": str(m["impressions"]), "clicks": str(m["clicks"]),
                   "reach": str(m["reach"]), "video_play_actions": str(m["plays"]),
                   "video_watched_2s": str(p["p2s"]), "video_watched_6s": str(p["p6s"]),
                   "video_views_p25": str(p["p25"]), "video_views_p50": str(p["p50"]),
                   "video_views_p75": str(p["p75"]), "video_views_p100": str(p["p100"]),
                   "average_video_play": f"{m['avg_play_time_s']:.2f}", "profile_visits": str(m["profile_visits"]),
                   "conversion": str(m["conversions"]), name_key: name}
        if parent_key:
            metrics[parent_key] = parent
        out.append({"dimensions": {id_key: external_id, "stat_time_day": f"{day.isoformat()} 00:00:00"},
                    "metrics": metrics})
    return {"list": out, "page_info": {"page": 1, "page_size": len(out), "total_number": len(out), "total_page": 1}}


def _oceanengine(level, day, items) -> dict:
    id_key = {"campaign": "campaign_id", "adgroup": "ad_id", "ad": "creative_id"}[level]
    parent_key = {"adgroup": "campaign_id", "ad": "ad_id"}.get(level)
    out = []
    for external_id, parent, name, m, _video in items:
        p = _plays(m)
        item = {"stat_datetime": f"{day.isoformat()} 00:00:00", id_key: int(external_id), "cost": float(m["spend"]),
                "show": m["impressions"], "click": m["clicks"], "convert": m["conversions"], "total_play": m["plays"],
                "valid_play": p["p10s"] + p["p100"] // 4, "play_25_feed_break": p["p25"],
                "play_50_feed_break": p["p50"], "play_75_feed_break": p["p75"], "play_100_feed_break": p["p100"],
                "play_over": p["p100"], "average_play_time_per_play": m["avg_play_time_s"],
                "play_duration_2s": float(p["p2s"]), "play_duration_3s": float(p["p3s"]),
                "play_duration_10s": float(p["p10s"]), "home_visited": m["profile_visits"]}
        if parent_key:
            item[parent_key] = int(parent)
        if level in ("campaign", "adgroup"):
            item["campaign_name" if level == "campaign" else "ad_name"] = name
        out.append(item)
    return {"list": out, "page_info": {"page": 1, "page_size": len(out), "total_number": len(out), "total_page": 1}}


def _kuaishou(level, day, items) -> dict:
    id_key = {"campaign": "campaign_id", "adgroup": "unit_id", "ad": "creative_id"}[level]
    name_key = {"campaign": "campaign_name", "adgroup": "unit_name", "ad": "creative_name"}[level]
    parent_key = {"adgroup": "campaign_id", "ad": "unit_id"}.get(level)
    out = []
    for external_id, parent, name, m, video in items:
        p = _plays(m)
        item = {"stat_date": day.isoformat(), id_key: int(external_id), name_key: name, "charge": float(m["spend"]),
                "show": m["impressions"], "photo_click": m["clicks"], "aclick": m["plays"], "bclick": m["conversions"],
                "played_three_seconds": p["p3s"], "ad_photo_played_2s": p["p2s"], "ad_photo_played_10s": p["p10s"],
                "ad_photo_played_75percent": p["p75"],
                "play_end_ratio": round(p["p100"] / m["plays"], 4) if m["plays"] else 0.0}
        if parent_key:
            item[parent_key] = int(parent)
        if level == "ad" and video:
            item["photo_id"] = video
        out.append(item)
    return {"total_count": len(out), "details": out}


RENDER = {AdPlatform.TIKTOK: _tiktok, AdPlatform.OCEANENGINE: _oceanengine, AdPlatform.KUAISHOU_ADS: _kuaishou}


"""TikTok for Business: ``report/integrated/get/`` (BASIC report, AUCTION_* data levels, ``stat_time_day``).

Shapes from the TikTok Business API SDK (tiktok/tiktok-business-api-sdk, python_sdk/docs/ReportingApi.md)
and Airbyte's source-tiktok-marketing (metric names). Metrics arrive as strings; ``page_info`` pages.
Codes: 40100 too many requests (rate limit), 40105 access token invalid or expired.
"""

from __future__ import annotations

import json
from datetime import date

from adplatforms.connectors.base import Connector, ReportRow, parse_day, to_decimal, to_float, to_int
from adplatforms.models import AdPlatform, ReportLevel

DATA_LEVEL = {ReportLevel.CAMPAIGN: "AUCTION_CAMPAIGN", ReportLevel.ADGROUP: "AUCTION_ADGROUP", ReportLevel.AD: "AUCTION_AD"}
ID_DIMENSION = {ReportLevel.CAMPAIGN: "campaign_id", ReportLevel.ADGROUP: "adgroup_id", ReportLevel.AD: "ad_id"}
NAME_METRIC = {ReportLevel.CAMPAIGN: "campaign_name", ReportLevel.ADGROUP: "adgroup_name", ReportLevel.AD: "ad_name"}
PARENT_METRIC = {ReportLevel.ADGROUP: "campaign_id", ReportLevel.AD: "adgroup_id"}

# PlatformDailyStat field <- TikTok metric (docs/operator/ad-platforms.md has the table with sources).
FIELD_MAP = {
    "spend": "spend",
    "impressions": "impressions",
    "clicks": "clicks",
    "reach": "reach",
    "plays": "video_play_actions",
    "plays_2s": "video_watched_2s",
    "plays_6s": "video_watched_6s",
    "plays_25": "video_views_p25",
    "plays_50": "video_views_p50",
    "plays_75": "video_views_p75",
    "plays_100": "video_views_p100",
    "avg_play_time_s": "average_video_play",
    "profile_visits": "profile_visits",
    "conversions": "conversion",
}


def map_metrics(values: dict) -> dict:
    out = {}
    for field_name, source in FIELD_MAP.items():
        value = values.get(source)
        if field_name == "spend":
            out[field_name] = to_decimal(value)
        elif field_name == "avg_play_time_s":
            out[field_name] = to_float(value)
        else:
            out[field_name] = to_int(value)
    return out


class TikTokConnector(Connector):
    ad_platform = AdPlatform.TIKTOK
    base_url_setting = "TIKTOK_API_BASE_URL"
    rate_limit_codes = frozenset({40100})
    token_expired_codes = frozenset({40105})

    def request_params(self, *, level: str, date_from: date, date_to: date, page: int) -> dict:
        metrics = sorted(set(FIELD_MAP.values()) | {NAME_METRIC[level]} | ({PARENT_METRIC[level]} if level in PARENT_METRIC else set()))
        return {
            "advertiser_id": self.advertiser_id,
            "service_type": "AUCTION",
            "report_type": "BASIC",
            "data_level": DATA_LEVEL[level],
            "dimensions": json.dumps([ID_DIMENSION[level], "stat_time_day"]),
            "metrics": json.dumps(metrics),
            "start_date": date_from.isoformat(),
            "end_date": date_to.isoformat(),
            "page": page,
            "page_size": _page_size(),
        }

    def fetch_page(self, *, level, date_from, date_to, page):
        data = self._request("GET", "report/integrated/get/",
                             params=self.request_params(level=level, date_from=date_from, date_to=date_to, page=page))
        return self.parse(level=level, data=data, page=page)

    def parse(self, *, level: str, data: dict, page: int = 1) -> tuple[list[ReportRow], bool]:
        """Rows of one answer's ``data`` and whether more pages follow."""
        rows = []
        for item in data.get("list") or []:
            dimensions, values = item.get("dimensions") or {}, item.get("metrics") or {}
            rows.append(ReportRow(
                level=level, external_id=str(dimensions[ID_DIMENSION[level]]), stat_date=parse_day(dimensions["stat_time_day"]),
                metrics=map_metrics(values), raw=item, name=str(values.get(NAME_METRIC[level]) or ""),
                parent_external_id=str(values.get(PARENT_METRIC.get(level, "")) or ""),
            ))
        info = data.get("page_info") or {}
        return rows, int(info.get("page", page)) < int(info.get("total_page", 0) or 0)

    def refresh_request(self):
        return "oauth2/refresh_token/", {"app_id": self.credentials.get("app_id", ""), "secret": self.credentials.get("secret", ""),
                                         "grant_type": "refresh_token", "refresh_token": self.credentials.get("refresh_token", "")}


def _page_size() -> int:
    from django.conf import settings

    return max(1, min(settings.AD_API_PAGE_SIZE, 1000))

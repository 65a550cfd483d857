"""Ocean Engine 巨量引擎: ``2/report/campaign/get/`` (广告组), ``2/report/ad/get/`` (广告计划), ``2/report/creative/get/``.

Shapes from bububa/oceanengine (marketing-api/model/report: get_request.go, get_response.go, dimensions.go,
metrics.go; marketing-api/model/page_info.go). Reelboard's levels: campaign = 广告组 (campaign_id), ad group =
广告计划 (ad_id), ad = 创意 (creative_id). Numbers arrive as JSON numbers; ``page_info`` pages.
Codes: 40100 requests too frequent (rate limit), 40102 access token expired.
"""

from __future__ import annotations

import json
from datetime import date

from django.conf import settings

from adplatforms.connectors.base import Connector, ReportRow, parse_day, to_decimal, to_float, to_int
from adplatforms.models import AdPlatform, ReportLevel

PATH = {ReportLevel.CAMPAIGN: "2/report/campaign/get/", ReportLevel.ADGROUP: "2/report/ad/get/",
        ReportLevel.AD: "2/report/creative/get/"}
ID_FIELD = {ReportLevel.CAMPAIGN: "campaign_id", ReportLevel.ADGROUP: "ad_id", ReportLevel.AD: "creative_id"}
NAME_FIELD = {ReportLevel.CAMPAIGN: "campaign_name", ReportLevel.ADGROUP: "ad_name"}
PARENT_FIELD = {ReportLevel.ADGROUP: "campaign_id", ReportLevel.AD: "ad_id"}

FIELD_MAP = {
    "spend": "cost",
    "impressions": "show",
    "clicks": "click",
    "plays": "total_play",
    "plays_2s": "play_duration_2s",
    "plays_3s": "play_duration_3s",
    "plays_10s": "play_duration_10s",
    "effective_plays": "valid_play",
    "plays_25": "play_25_feed_break",
    "plays_50": "play_50_feed_break",
    "plays_75": "play_75_feed_break",
    "plays_100": "play_over",
    "avg_play_time_s": "average_play_time_per_play",
    "profile_visits": "home_visited",
    "conversions": "convert",
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


class OceanEngineConnector(Connector):
    ad_platform = AdPlatform.OCEANENGINE
    base_url_setting = "OCEANENGINE_API_BASE_URL"
    rate_limit_codes = frozenset({40100})
    token_expired_codes = frozenset({40102})

    def request_params(self, *, level: str, date_from: date, date_to: date, page: int) -> dict:
        return {
            "advertiser_id": self.advertiser_id,
            "start_date": date_from.isoformat(),
            "end_date": date_to.isoformat(),
            "group_by": json.dumps(["STAT_GROUP_BY_FIELD_ID", "STAT_GROUP_BY_FIELD_STAT_TIME"]),
            "time_granularity": "STAT_TIME_GRANULARITY_DAILY",
            "fields": json.dumps(sorted(set(FIELD_MAP.values()) | {"play_100_feed_break"})),
            "page": page,
            "page_size": max(1, min(settings.AD_API_PAGE_SIZE, 1000)),
        }

    def fetch_page(self, *, level, date_from, date_to, page):
        data = self._request("GET", PATH[level],
                             params=self.request_params(level=level, date_from=date_from, date_to=date_to, page=page))
        return self.parse(level=level, data=data, page=page)

    def parse(self, *, level: str, data: dict, page: int = 1) -> tuple[list[ReportRow], bool]:
        """Rows of one answer's ``data`` and whether more pages follow."""
        rows = []
        for item in data.get("list") or []:
            rows.append(ReportRow(
                level=level, external_id=str(item[ID_FIELD[level]]), stat_date=parse_day(item["stat_datetime"]),
                metrics=map_metrics(item), raw=item, name=str(item.get(NAME_FIELD.get(level, "")) or ""),
                parent_external_id=str(item.get(PARENT_FIELD.get(level, "")) or ""),
            ))
        info = data.get("page_info") or {}
        return rows, int(info.get("page", page)) < int(info.get("total_page", 0) or 0)

    def refresh_request(self):
        return "oauth2/refresh_token/", {"app_id": self.credentials.get("app_id", ""), "secret": self.credentials.get("secret", ""),
                                         "grant_type": "refresh_token", "refresh_token": self.credentials.get("refresh_token", "")}

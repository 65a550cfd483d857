"""Kuaishou 磁力引擎: ``v1/report/campaign_report``, ``v1/report/unit_report``, ``v1/report/creative_report`` (POST JSON).

Shapes from bububa/kwai-marketing-api (model/report: report_request.go, report_response.go, stat.go,
campaign_report_request.go). Levels: campaign = 广告计划 (campaign_id), ad group = 广告组 (unit_id), ad =
创意 (creative_id, with the video's ``photo_id``). Paging by ``page`` / ``page_size`` against ``total_count``.
Kuaishou's effective play (有效播放) is the 3-second play: ``played_three_seconds``.
The stored material did not list Kuaishou's error codes: HTTP 429 and the codes below are treated as rate limit
and expired token (see docs/operator/ad-platforms.md: verify them against the live documentation).
"""

from __future__ import annotations

import math
from datetime import date

from django.conf import settings

from adplatforms.connectors.base import Connector, ReportRow, parse_day, to_decimal, to_float, to_int
from adplatforms.models import AdPlatform, ReportLevel

PATH = {ReportLevel.CAMPAIGN: "v1/report/campaign_report", ReportLevel.ADGROUP: "v1/report/unit_report",
        ReportLevel.AD: "v1/report/creative_report"}
ID_FIELD = {ReportLevel.CAMPAIGN: "campaign_id", ReportLevel.ADGROUP: "unit_id", ReportLevel.AD: "creative_id"}
NAME_FIELD = {ReportLevel.CAMPAIGN: "campaign_name", ReportLevel.ADGROUP: "unit_name", ReportLevel.AD: "creative_name"}
PARENT_FIELD = {ReportLevel.ADGROUP: "campaign_id", ReportLevel.AD: "unit_id"}

FIELD_MAP = {
    "spend": "charge",
    "impressions": "show",
    "clicks": "photo_click",
    "plays": "aclick",
    "plays_2s": "ad_photo_played_2s",
    "plays_3s": "played_three_seconds",
    "plays_10s": "ad_photo_played_10s",
    "effective_plays": "played_three_seconds",
    "plays_75": "ad_photo_played_75percent",
    "conversions": "bclick",
}


def map_metrics(values: dict) -> dict:
    out = {"spend": to_decimal(values.get("charge"))}
    for field_name, source in FIELD_MAP.items():
        if field_name != "spend":
            out[field_name] = to_int(values.get(source))
    # Kuaishou reports the completion rate, not the count: plays reaching 100 % = play_end_ratio x aclick.
    ratio, plays = to_float(values.get("play_end_ratio")), out.get("plays")
    out["plays_100"] = int(math.floor(ratio * plays + 0.5)) if ratio is not None and plays is not None else None
    return out


class KuaishouConnector(Connector):
    ad_platform = AdPlatform.KUAISHOU_ADS
    base_url_setting = "KUAISHOU_API_BASE_URL"
    rate_limit_codes = frozenset({400002, 402002})
    token_expired_codes = frozenset({401000, 402001})

    def request_body(self, *, level: str, date_from: date, date_to: date, page: int) -> dict:
        return {
            "advertiser_id": int(self.advertiser_id),
            "start_date": date_from.isoformat(),
            "end_date": date_to.isoformat(),
            "temporal_granularity": "DAILY",
            "page": page,
            "page_size": max(1, min(settings.AD_API_PAGE_SIZE, 2000)),
        }

    def fetch_page(self, *, level, date_from, date_to, page):
        body = self.request_body(level=level, date_from=date_from, date_to=date_to, page=page)
        data = self._request("POST", PATH[level], json_body=body)
        return self.parse(level=level, data=data, page=page, page_size=body["page_size"])

    def parse(self, *, level: str, data: dict, page: int, page_size: int) -> tuple[list[ReportRow], bool]:
        """Rows of one answer's ``data`` and whether more pages follow."""
        rows = []
        for item in data.get("details") or []:
            rows.append(ReportRow(
                level=level, external_id=str(item[ID_FIELD[level]]), stat_date=parse_day(item["stat_date"]),
                metrics=map_metrics(item), raw=item, name=str(item.get(NAME_FIELD[level]) or ""),
                parent_external_id=str(item.get(PARENT_FIELD.get(level, "")) or ""),
                external_video_id=str(item.get("photo_id") or "") if level == ReportLevel.AD else "",
            ))
        total = int(data.get("total_count") or 0)
        return rows, page * page_size < total

    def refresh_request(self):
        return "oauth2/authorize/refresh_token", {"app_id": self.credentials.get("app_id", ""),
                                                  "secret": self.credentials.get("secret", ""),
                                                  "refresh_token": self.credentials.get("refresh_token", "")}

"""Import the report exports of TikTok Ads Manager and the Ocean Engine / Kuaishou back-ends (CSV or XLSX).

For teams without API access. Headers are matched in English or Chinese (and by the API's own field names),
units in brackets ignored ("Cost (CNY)", "花费（元）"); each header maps to the platform's API field, so the
file goes through the same metric mapping as a sync (``connectors.*.map_metrics``) and the same day writer
(``services.write_day``). Strict by default: every problem is reported with its line number and nothing is
written; ``skip_invalid`` writes the valid rows. Validation runs over the whole file before one transaction
writes it. The level is the finest id column present (ad, else ad group, else campaign); a day of the file
replaces that level of that day of the account.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from adplatforms.connectors import kuaishou, oceanengine, tiktok
from adplatforms.connectors.base import ReportRow
from adplatforms.models import AdAccount, AdPlatform, ReportLevel
from adplatforms.services import write_day

# API field -> header spellings (English display names, Chinese display names, the field name itself).
HEADERS = {
    AdPlatform.TIKTOK: {
        "stat_date": ["Date", "By Day", "Day", "stat_time_day", "日期", "时间"],
        "campaign_id": ["Campaign ID", "推广系列ID"],
        "campaign_name": ["Campaign name", "Campaign", "推广系列名称", "推广系列"],
        "adgroup_id": ["Ad group ID", "广告组ID"],
        "adgroup_name": ["Ad group name", "Ad group", "广告组名称", "广告组"],
        "ad_id": ["Ad ID", "广告ID"],
        "ad_name": ["Ad name", "Ad", "广告名称", "广告"],
        "spend": ["Cost", "Total cost", "Spend", "花费", "消耗", "总花费"],
        "impressions": ["Impressions", "展示次数", "展示量"],
        "clicks": ["Clicks", "Clicks (destination)", "点击量", "点击次数"],
        "reach": ["Reach", "覆盖人数"],
        "video_play_actions": ["Video views", "视频播放量", "视频播放次数"],
        "video_watched_2s": ["2-second video views", "2秒视频播放量", "2秒播放量"],
        "video_watched_6s": ["6-second video views", "6秒视频播放量", "6秒播放量"],
        "video_views_p25": ["Video views at 25%", "视频播放至25%", "25%视频播放量"],
        "video_views_p50": ["Video views at 50%", "视频播放至50%", "50%视频播放量"],
        "video_views_p75": ["Video views at 75%", "视频播放至75%", "75%视频播放量"],
        "video_views_p100": ["Video views at 100%", "视频播放至100%", "100%视频播放量", "完播量"],
        "average_video_play": ["Average play time per video view", "Average play time per user", "平均播放时长",
                               "每次视频播放的平均播放时长"],
        "profile_visits": ["Profile visits", "主页访问量"],
        "conversion": ["Conversions", "转化数", "转化次数"],
    },
    AdPlatform.OCEANENGINE: {
        "stat_date": ["日期", "时间", "stat_datetime", "Date"],
        "campaign_id": ["广告组ID", "Campaign ID"],
        "campaign_name": ["广告组名称", "广告组", "Campaign name"],
        "ad_id": ["计划ID", "广告计划ID", "Ad ID"],
        "ad_name": ["计划名称", "广告计划名称", "计划", "Ad name"],
        "creative_id": ["创意ID", "Creative ID"],
        "cost": ["消耗", "总花费", "花费", "Cost"],
        "show": ["展示数", "展示次数", "Impressions"],
        "click": ["点击数", "Clicks"],
        "convert": ["转化数", "Conversions"],
        "total_play": ["播放数", "Plays"],
        "valid_play": ["有效播放数", "Valid plays"],
        "play_25_feed_break": ["25%进度播放数"],
        "play_50_feed_break": ["50%进度播放数"],
        "play_75_feed_break": ["75%进度播放数"],
        "play_100_feed_break": ["99%进度播放数"],
        "play_over": ["播放完成数", "完播数"],
        "average_play_time_per_play": ["平均单次播放时长", "平均单次播放时长（秒）"],
        "play_duration_2s": ["2秒播放数", "播放2s", "2s播放数"],
        "play_duration_3s": ["3秒播放数", "播放3s", "3s播放数"],
        "play_duration_10s": ["10秒播放数", "播放10s", "10s播放数"],
        "home_visited": ["主页访问量", "Profile visits"],
    },
    AdPlatform.KUAISHOU_ADS: {
        "stat_date": ["日期", "时间", "Date"],
        "campaign_id": ["广告计划ID", "计划ID", "Campaign ID"],
        "campaign_name": ["广告计划名称", "计划名称", "广告计划", "Campaign name"],
        "unit_id": ["广告组ID", "Unit ID"],
        "unit_name": ["广告组名称", "广告组", "Unit name"],
        "creative_id": ["创意ID", "广告创意ID", "Creative ID"],
        "creative_name": ["创意名称", "广告创意名称", "Creative name"],
        "charge": ["花费", "消耗", "Cost"],
        "show": ["封面曝光数", "Impressions"],
        "photo_click": ["封面点击数", "Clicks"],
        "aclick": ["素材曝光数"],
        "bclick": ["行为数", "转化数"],
        "played_three_seconds": ["有效播放数", "3s播放数", "3秒播放数"],
        "ad_photo_played_2s": ["2s播放数", "2秒播放数"],
        "ad_photo_played_10s": ["10s播放数", "10秒播放数"],
        "ad_photo_played_75percent": ["75%进度播放数"],
        "play_end_ratio": ["完播率"],
        "photo_id": ["视频ID", "作品ID"],
    },
}
ID_FIELDS = {
    AdPlatform.TIKTOK: {ReportLevel.CAMPAIGN: "campaign_id", ReportLevel.ADGROUP: "adgroup_id", ReportLevel.AD: "ad_id"},
    AdPlatform.OCEANENGINE: oceanengine.ID_FIELD,
    AdPlatform.KUAISHOU_ADS: kuaishou.ID_FIELD,
}
NAME_FIELDS = {AdPlatform.TIKTOK: tiktok.NAME_METRIC, AdPlatform.OCEANENGINE: oceanengine.NAME_FIELD,
               AdPlatform.KUAISHOU_ADS: kuaishou.NAME_FIELD}
PARENT_FIELDS = {AdPlatform.TIKTOK: tiktok.PARENT_METRIC, AdPlatform.OCEANENGINE: oceanengine.PARENT_FIELD,
                 AdPlatform.KUAISHOU_ADS: kuaishou.PARENT_FIELD}
MAPPERS = {AdPlatform.TIKTOK: tiktok.map_metrics, AdPlatform.OCEANENGINE: oceanengine.map_metrics,
           AdPlatform.KUAISHOU_ADS: kuaishou.map_metrics}
TEXT_FIELDS = {"stat_date", "campaign_name", "adgroup_name", "ad_name", "unit_name", "creative_name", "campaign_id",
               "adgroup_id", "ad_id", "unit_id", "creative_id", "photo_id"}
TOTAL_ROWS = {"总计", "合计", "total", "totals", "汇总"}


def normalise(header: str) -> str:
    text = re.sub(r"[\(（][^\)）]*[\)）]", "", str(header or ""))
    return re.sub(r"\s+", "", text).strip().lower().replace("_", "")


@dataclass
class LineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.message}" if self.column else f"line {self.line}: {self.message}"


@dataclass
class ImportResult:
    level: str = ""
    rows_read: int = 0
    rows_written: int = 0
    rows_skipped: int = 0
    days: list[str] = field(default_factory=list)
    spend_rows: int = 0
    errors: list[LineError] = field(default_factory=list)


class ImportRejected(Exception):
    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors[:50]))


def read_table(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) of a CSV (UTF-8 with or without BOM, else GB18030) or the first XLSX sheet."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            return [(n, ["" if c is None else (c.date().isoformat() if isinstance(c, datetime) else str(c)) for c in row])
                    for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        finally:
            book.close()
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([LineError(1, "", _("The file is neither UTF-8 nor GB18030 text."))])
    dialect = csv.excel_tab if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else csv.excel
    return list(enumerate(csv.reader(io.StringIO(text), dialect), start=1))


def _parse_date(value: str) -> date:
    text = value.strip()[:10].replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return date.fromisoformat(text)


def _number(value: str) -> str | None:
    """The cell as a plain number string ("1,234" -> "1234", "12.5%" -> "0.125"); None when empty or "-"."""
    text = str(value).strip().replace(",", "")
    if text in ("", "-", "--"):
        return None
    ratio = text.endswith("%")
    try:
        number = Decimal(text.rstrip("%"))
    except InvalidOperation:
        raise ValueError from None
    return str(number / 100 if ratio else number)


def parse_report(*, ad_platform: str, table: list[tuple[int, list[str]]]) -> tuple[str, list[ReportRow], list[LineError], int]:
    """(level, rows, errors, rows read) of an export table; nothing is written."""
    aliases = {normalise(spelling): api for api, spellings in HEADERS[ad_platform].items()
               for spelling in [*spellings, api]}
    table = [(n, cells) for n, cells in table if any(str(c).strip() for c in cells)]
    if not table:
        return "", [], [LineError(1, "", _("The file is empty."))], 0
    header_line, header = table[0]
    columns = {i: aliases.get(normalise(h)) for i, h in enumerate(header)}
    present = set(columns.values())
    level = next((lv for lv in (ReportLevel.AD, ReportLevel.ADGROUP, ReportLevel.CAMPAIGN)
                  if ID_FIELDS[ad_platform][lv] in present), "")
    errors = []
    if "stat_date" not in present:
        errors.append(LineError(header_line, "", _("No date column (e.g. %(names)s).")
                                % {"names": ", ".join(HEADERS[ad_platform]["stat_date"][:2])}))
    if not level:
        errors.append(LineError(header_line, "", _("No campaign, ad group or ad id column.")))
    if errors:
        return level, [], errors, 0
    id_field, mapper = ID_FIELDS[ad_platform][level], MAPPERS[ad_platform]
    name_field, parent_field = NAME_FIELDS[ad_platform].get(level, ""), PARENT_FIELDS[ad_platform].get(level, "")
    rows, seen, read = [], {}, 0
    for line, cells in table[1:]:
        first = str(cells[0]).strip().lower() if cells else ""
        if first in TOTAL_ROWS:
            continue
        read += 1
        raw = {str(header[i]): str(cells[i]) if i < len(cells) else "" for i in range(len(header))}
        values, problems = _cell_values(line, header, cells, columns)
        try:
            day = _parse_date(values.get("stat_date", ""))
        except ValueError:
            problems.append(LineError(line, "stat_date", _("%(value)r is not a date (YYYY-MM-DD).")
                                      % {"value": values.get("stat_date", "")}))
            day = None
        external_id = values.get(id_field, "").removesuffix(".0")
        if not external_id:
            problems.append(LineError(line, id_field, _("The id is missing.")))
        metrics = mapper(values) if not problems else {}
        if metrics and any(v is not None and v < 0 for k, v in metrics.items() if k != "avg_play_time_s"):
            problems.append(LineError(line, "", _("Counts and spend cannot be negative.")))
        if day and external_id and (day, external_id) in seen:
            problems.append(LineError(line, id_field, _("The same id and day are on line %(line)s too.")
                                      % {"line": seen[(day, external_id)]}))
        if problems:
            errors.extend(problems)
            continue
        seen[(day, external_id)] = line
        rows.append(ReportRow(level=level, external_id=external_id, stat_date=day, metrics=metrics, raw=raw,
                              name=values.get(name_field, "") if name_field else "",
                              parent_external_id=values.get(parent_field, "").removesuffix(".0") if parent_field else "",
                              external_video_id=values.get("photo_id", "").removesuffix(".0") if level == ReportLevel.AD else ""))
    return level, rows, errors, read


def _cell_values(line: int, header: list[str], cells: list, columns: dict[int, str | None]) -> tuple[dict, list[LineError]]:
    """One row's cells by API field name: text fields as written, the others as numbers (or a line error)."""
    values, problems = {}, []
    for i, api in columns.items():
        if api is None:
            continue
        cell = str(cells[i]).strip() if i < len(cells) else ""
        if api in TEXT_FIELDS:
            values[api] = cell
            continue
        try:
            values[api] = _number(cell)
        except ValueError:
            problems.append(LineError(line, header[i], _("%(value)r is not a number.") % {"value": cell}))
    return values, problems


def import_report(*, account_id: int, path: Path, skip_invalid: bool = False) -> ImportResult:
    """Validate the whole export, then write its days in one transaction through ``write_day``."""
    account = AdAccount.objects.select_related("brand").get(pk=account_id)
    if account.currency.upper() != account.brand.currency.upper():
        raise ImportRejected([LineError(1, "", _("The account's currency differs from the brand's; not supported yet."))])
    level, rows, errors, read = parse_report(ad_platform=account.ad_platform, table=read_table(Path(path)))
    result = ImportResult(level=level, rows_read=read, errors=errors, rows_skipped=read - len(rows))
    if errors and (not skip_invalid or not level):
        raise ImportRejected(errors)
    by_day: dict[date, list[ReportRow]] = defaultdict(list)
    for row in rows:
        by_day[row.stat_date].append(row)
    fetched_at = timezone.now()
    with transaction.atomic():
        for day in sorted(by_day):
            written = write_day(account=account, stat_date=day, rows=by_day[day], fetched_at=fetched_at, levels=[level])
            result.rows_written += written.stats
            result.spend_rows += written.spend_rows
            result.days.append(day.isoformat())
    return result

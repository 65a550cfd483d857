"""Scheduled KPI reports: which period is due, generating the files, sending them exactly once.

A report is written in its schedule's language (KPI labels, chart titles, the e-mail); the chart's
text uses the committed Noto Sans CJK SC subset (analytics/fonts), so Chinese never shows tofu boxes.

A report holds the period's KPIs against the previous period, a CSV of the daily series and a PNG
chart (daily views, engagement rate, conversions, spend). It is e-mailed as HTML with the chart
inline and the CSV attached, and POSTed as JSON to the schedule's webhook. Each channel records
when it was delivered, so a retried or duplicated task never sends a channel twice.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import date, datetime, timedelta
from email.mime.image import MIMEImage
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from adplatforms.models import AdPlatform
from analytics import platform_metrics, selectors, webhook_signing, webhooks
from analytics.kpis import BY_NAME, KPIS, PLATFORM_BY_NAME
from analytics.models import KpiReport, KpiReportSchedule, ReportPeriod, ReportStatus
from analytics.selectors import Period
from marketing.jobs.failures import failure_of

logger = logging.getLogger(__name__)

CHART_KPIS = ("views", "engagement_rate", "conversions", "spend")
# A subset (GB 2312 + Latin-1) of Noto Sans CJK SC, OFL: see analytics/fonts/OFL.txt and build_cjk_subset.py.
CJK_FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Regular-GB2312.otf"
CJK_FONT_FAMILY = "Reelboard Noto Sans CJK SC Subset"  # the subset's own name (build_cjk_subset.py)
HEADLINE_KPIS = ("impressions", "views", "reach", "engagement_rate", "ctr", "conversions", "cvr", "revenue",
                 "spend", "roas")
# The ad platforms' own numbers in the report, one column per ad platform that reported in the period.
PLATFORM_REPORT_KPIS = ("platform_spend", "paid_impressions", "paid_clicks", "plays", "effective_plays",
                        "plays_100", "avg_play_time_s", "frequency", "platform_conversions", "cost_per_conversion")


def last_complete_period(period: str, today: date) -> Period:
    """The latest whole period that ended before ``today`` (a day of the brand's zone)."""
    if period == ReportPeriod.DAILY:
        day = today - timedelta(days=1)
        return Period(day, day)
    if period == ReportPeriod.WEEKLY:
        end = today - timedelta(days=today.weekday() + 1)
        return Period(end - timedelta(days=6), end)
    end = today.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end)


def due_period(schedule: KpiReportSchedule, now: datetime) -> Period | None:
    """The period to report now, or None when it is not yet the schedule's time or already reported."""
    local = now.astimezone(ZoneInfo(schedule.brand.reporting_timezone))
    if local.time() < schedule.send_at:
        return None
    period = last_complete_period(schedule.period, local.date())
    done = KpiReport.objects.filter(schedule=schedule, period_start=period.date_from,
                                    period_end=period.date_to).exists()
    return None if done else period


def _campaign_ids(schedule: KpiReportSchedule) -> list[int] | None:
    ids = list(schedule.campaigns.values_list("pk", flat=True))
    return ids or None


def _plain(value):
    return None if value is None else str(value)


def generate_report(*, schedule_id: int, period: Period) -> KpiReport:
    """Create (or return the existing) report of one schedule and period, with its CSV and chart."""
    schedule = KpiReportSchedule.objects.select_related("brand").get(pk=schedule_id)
    existing = KpiReport.objects.filter(schedule=schedule, period_start=period.date_from,
                                        period_end=period.date_to).first()
    if existing is not None:
        return existing
    campaign_ids = _campaign_ids(schedule)
    # One scope: the KPIs and the CSV's daily series come from the same read of the campaign days.
    scope = selectors.KpiScope(brand=schedule.brand, campaign_ids=campaign_ids, period=period)
    comparison, series = scope.comparison(), scope.series()
    platforms = platform_metrics.platform_kpis(brand_id=schedule.brand_id, campaign_ids=campaign_ids,
                                               date_from=period.date_from, date_to=period.date_to)
    report = KpiReport(
        schedule=schedule, brand=schedule.brand, period_start=period.date_from, period_end=period.date_to,
        kpis={name: {key: _plain(value) for key, value in row.items()} for name, row in comparison.items()},
        platform_kpis=[{"ad_platform": p.ad_platform, "kpis": {name: _plain(value) for name, value in p.kpis.items()}}
                       for p in platforms],
    )
    stem = f"brand-{schedule.brand_id}/schedule-{schedule.pk}-{period.date_from}-{period.date_to}"
    report.csv_file.save(f"{stem}.csv", ContentFile(series_csv(series).encode()), save=False)
    with translation.override(schedule.language):
        chart = series_chart(series, title=schedule.name)
    report.chart_file.save(f"{stem}.png", ContentFile(chart), save=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # a concurrent task made it first
        return KpiReport.objects.get(schedule=schedule, period_start=period.date_from, period_end=period.date_to)
    return report


def series_csv(series: list[selectors.KpiRow]) -> str:
    """One row per day: the date then every KPI of the dictionary (empty when undefined)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", *[k.name for k in KPIS]])
    for row in series:
        writer.writerow([row.key, *["" if row.kpis[k.name] is None else row.kpis[k.name] for k in KPIS]])
    return out.getvalue()


def series_chart(series: list[selectors.KpiRow], *, title: str) -> bytes:
    """A PNG (1000 x 600 px) with four panels: daily views, engagement rate, conversions and spend.

    Titles are in the active language (``translation.override``)."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(chart_font()):
        series_figure(series, title=title).savefig(buffer, format="png")
    return buffer.getvalue()


@cache
def _register_cjk_font() -> None:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(CJK_FONT))


def chart_font() -> dict:
    """matplotlib settings for chart text: DejaVu Sans (matplotlib's own) for Latin, falling back glyph by
    glyph to the committed CJK subset, so the same chart renders alike on every machine."""
    _register_cjk_font()
    return {"font.family": ["DejaVu Sans", CJK_FONT_FAMILY], "axes.unicode_minus": False}


def series_figure(series: list[selectors.KpiRow], *, title: str):
    """The chart's matplotlib Figure: one panel per ``CHART_KPIS`` entry, a point per day (undefined: gap)."""
    # The object-oriented Figure API needs no pyplot state and no GUI backend, so it is safe in workers.
    import matplotlib
    from matplotlib.figure import Figure

    # Fonts are resolved when the texts are made: the whole figure is built under the chart font settings.
    with matplotlib.rc_context(chart_font()):
        days = [date.fromisoformat(row.key) for row in series]
        figure = Figure(figsize=(10, 6), dpi=100)
        for index, name in enumerate(CHART_KPIS):
            axes = figure.add_subplot(2, 2, index + 1)
            values = [float(row.kpis[name]) if row.kpis[name] is not None else float("nan") for row in series]
            axes.plot(days, values, marker="o", linewidth=1.5)
            axes.set_title(str(BY_NAME[name].label))
            axes.tick_params(axis="x", labelrotation=45, labelsize=7)
            axes.grid(alpha=0.3)
        figure.suptitle(title)
        figure.tight_layout()
    return figure


def report_json(report: KpiReport) -> dict:
    return {
        "schedule": report.schedule.name, "brand": report.brand.slug,
        "period": {"from": str(report.period_start), "to": str(report.period_end)},
        "kpis": report.kpis,
        "platform_kpis": report.platform_kpis,
        "daily_series_csv": report.csv_file.read().decode() if report.csv_file else "",
    }


def _html(report: KpiReport) -> str:
    rows = "".join(
        f"<tr><td>{escape(str(BY_NAME[name].label))}</td><td>{escape(report.kpis[name]['current'] or '–')}</td>"
        f"<td>{escape(report.kpis[name]['previous'] or '–')}</td>"
        f"<td>{escape(report.kpis[name]['relative_change'] or '–')}</td></tr>"
        for name in HEADLINE_KPIS
    )
    head = "".join(f"<th>{escape(text)}</th>" for text in (
        gettext("KPI"), gettext("This period"), gettext("Previous"), gettext("Change")))
    alt, attached = gettext("Daily KPIs"), gettext("The daily series is attached as CSV.")
    return (f"<h2>{escape(report.schedule.name)}: {report.period_start} – {report.period_end}</h2>"
            f"<table><tr>{head}</tr>"
            f"{rows}</table>{_platform_html(report)}<p><img src=\"cid:kpi-chart\" alt=\"{escape(alt)}\"></p>"
            f"<p>{escape(attached)}</p>")


def _platform_html(report: KpiReport) -> str:
    """The ad platforms' own KPIs: one column per ad platform, – where a platform does not report a KPI."""
    if not report.platform_kpis:
        return ""
    labels = dict(AdPlatform.choices)
    head = "".join(f"<th>{escape(str(text))}</th>" for text in (
        gettext("Ad platform KPI"), *(labels.get(p["ad_platform"], p["ad_platform"]) for p in report.platform_kpis)))
    rows = "".join(
        f"<tr><td>{escape(str(PLATFORM_BY_NAME[name].label))}</td>"
        + "".join(f"<td>{escape(p['kpis'].get(name) or '–')}</td>" for p in report.platform_kpis) + "</tr>"
        for name in PLATFORM_REPORT_KPIS)
    note = gettext("As each ad platform reports them, by its own definitions; never added across platforms.")
    return f"<h3>{escape(gettext('Ad platform metrics'))}</h3><p>{escape(note)}</p><table><tr>{head}</tr>{rows}</table>"


def _send_email(report: KpiReport) -> None:
    recipients = report.schedule.recipient_list
    if not recipients:
        return
    with translation.override(report.schedule.language):
        message = EmailMultiAlternatives(
            subject=f"[Reelboard] {report.schedule.name}: {report.period_start} – {report.period_end}",
            body=gettext("Your KPI report is attached (HTML version with chart included)."),
            from_email=settings.DEFAULT_FROM_EMAIL, to=recipients,
        )
        message.attach_alternative(_html(report), "text/html")
    message.mixed_subtype = "related"
    with report.chart_file.open("rb") as chart:
        image = MIMEImage(chart.read(), _subtype="png")
    image.add_header("Content-ID", "<kpi-chart>")
    image.add_header("Content-Disposition", "inline", filename="kpis.png")
    message.attach(image)
    with report.csv_file.open("rb") as handle:
        message.attach(f"kpis-{report.period_start}-{report.period_end}.csv", handle.read(), "text/csv")
    message.send()


def _post_webhook(report: KpiReport) -> None:
    body = json.dumps(report_json(report)).encode()
    headers = webhook_signing.signature_headers(secret=webhook_signing.secret_for(report.schedule), body=body,
                                                delivery=str(report.pk))
    webhooks.post_json(report.schedule.webhook_url, body, headers=headers)


def _deliver_channel(report_id: int, sent_field: str, send) -> None:
    """Send one channel under a row lock, recording it in the same transaction: exactly once."""
    with transaction.atomic():
        report = KpiReport.objects.select_for_update().select_related("schedule", "brand").get(pk=report_id)
        if getattr(report, sent_field) is not None:
            return
        send(report)
        setattr(report, sent_field, timezone.now())
        report.save(update_fields=[sent_field])


def deliver(*, report_id: int) -> KpiReport:
    """Send every channel not yet delivered; raises on failure (the task retries with backoff).

    A webhook URL the guard refuses (analytics.webhooks) is not transient: the report is marked
    failed with the reason and returned, not raised, so the task does not retry it.
    """
    KpiReport.objects.filter(pk=report_id).update(attempts=F("attempts") + 1)
    report = KpiReport.objects.select_related("schedule").get(pk=report_id)
    try:
        if report.schedule.recipient_list:
            _deliver_channel(report_id, "email_sent_at", _send_email)
        if report.schedule.webhook_url:
            _deliver_channel(report_id, "webhook_sent_at", _post_webhook)
    except webhooks.WebhookBlocked as exc:
        error = f"Webhook blocked, not retried: {exc}. Fix the schedule's webhook URL, then re-send."
        KpiReport.objects.filter(pk=report_id).update(status=ReportStatus.FAILED, error=error[:2000],
                                                      failure_message=failure_of(exc).message[:300])
        logger.warning("report %s webhook blocked: %s", report_id, exc)
        return KpiReport.objects.get(pk=report_id)
    except Exception as exc:
        KpiReport.objects.filter(pk=report_id).update(status=ReportStatus.FAILED, error=str(exc)[:2000],
                                                      failure_message=failure_of(exc).message[:300])
        logger.warning("report %s delivery failed: %s", report_id, exc)
        raise
    KpiReport.objects.filter(pk=report_id).update(status=ReportStatus.SENT, error="", failure_message="")
    return KpiReport.objects.get(pk=report_id)


def resend(*, report_id: int) -> None:
    """Deliver a stored report again on every channel (an explicit user action)."""
    KpiReport.objects.filter(pk=report_id).update(email_sent_at=None, webhook_sent_at=None,
                                                  status=ReportStatus.PENDING)
    # By its registered name: analytics.tasks builds on this module.
    transaction.on_commit(lambda: current_app.signature("analytics.send_report").delay(report_id))

"""Scheduled KPI reports: due periods, files, exactly-once delivery by e-mail and webhook."""

import csv
import email
import io
import json
import threading
from datetime import date, datetime, time
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from analytics import reports, selectors, webhooks
from analytics.kpis import KPIS
from analytics.models import KpiReport, KpiReportSchedule, ReportStatus
from analytics.selectors import Period
from analytics.tasks import run_due_reports, send_report
from tests.analytics.test_kpis import PERIOD, build
from tests.factories import BrandFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Hook(BaseHTTPRequestHandler):
    received: list = []
    raw: list = []  # (headers, body bytes) of every POST
    fail = False

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.raw.append((dict(self.headers), body))
        if Hook.fail:
            self.send_response(500)
        else:
            Hook.received.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook(settings):
    Hook.received, Hook.raw, Hook.fail = [], [], False
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # a loopback receiver is refused otherwise
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "mail"


@pytest.fixture
def schedule(db, webhook):
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    campaigns = build(brand)
    schedule = KpiReportSchedule.objects.create(
        brand=brand, name="Weekly KPIs", period="weekly", send_at=time(8, 0),
        recipients="cmo@example.com, team@example.com", webhook_url=webhook)
    schedule.campaigns.set([campaigns[0]])
    return schedule


def sent_messages(mail_dir):
    if not mail_dir.exists():
        return []
    messages = []
    for path in sorted(mail_dir.iterdir()):
        raw = path.read_text()
        messages.extend(email.message_from_string(part) for part in raw.split("-" * 79 + "\n") if part.strip())
    return messages


def test_last_complete_periods():
    wednesday = date(2026, 10, 14)
    assert reports.last_complete_period("daily", wednesday) == Period(date(2026, 10, 13), date(2026, 10, 13))
    assert reports.last_complete_period("weekly", wednesday) == Period(date(2026, 10, 5), date(2026, 10, 11))
    assert reports.last_complete_period("monthly", wednesday) == Period(date(2026, 9, 1), date(2026, 9, 30))


def test_due_only_after_the_brands_send_time_and_once(schedule, mail_dir):
    before = datetime(2026, 10, 14, 7, 59, tzinfo=SHANGHAI)
    after = datetime(2026, 10, 14, 8, 0, tzinfo=SHANGHAI)
    assert reports.due_period(schedule, before) is None
    assert reports.due_period(schedule, after) == Period(date(2026, 10, 5), date(2026, 10, 11))
    reports.generate_report(schedule_id=schedule.pk, period=Period(date(2026, 10, 5), date(2026, 10, 11)))
    assert reports.due_period(schedule, after) is None


def test_report_arrives_with_chart_csv_and_webhook(schedule, mail_dir):
    report = reports.generate_report(schedule_id=schedule.pk, period=PERIOD)
    send_report.delay(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT and report.attempts == 1

    (message,) = sent_messages(mail_dir)
    assert message["To"] == "cmo@example.com, team@example.com"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "text/html" in parts and "<img src=\"cid:kpi-chart\"" in parts["text/html"].get_payload(decode=True).decode()
    png = parts["image/png"].get_payload(decode=True)
    assert png.startswith(b"\x89PNG") and parts["image/png"]["Content-ID"] == "<kpi-chart>"
    attached_csv = parts["text/csv"].get_payload(decode=True).decode()

    # The CSV equals the API's daily series for the same campaigns and period.
    series = selectors.kpi_series(brand=schedule.brand, campaign_ids=[schedule.campaigns.get().pk], period=PERIOD)
    rows = list(csv.reader(io.StringIO(attached_csv)))
    assert rows[0] == ["date", *[k.name for k in KPIS]]
    assert len(rows) == 1 + PERIOD.days
    for row, expected in zip(rows[1:], series, strict=True):
        assert row[0] == expected.key
        assert row[1:] == ["" if expected.kpis[k.name] is None else str(expected.kpis[k.name]) for k in KPIS]

    (posted,) = Hook.received
    assert posted["period"] == {"from": str(PERIOD.date_from), "to": str(PERIOD.date_to)}
    assert posted["kpis"]["views"]["current"] == str(selectors.kpi_totals(
        brand=schedule.brand, campaign_ids=[schedule.campaigns.get().pk], period=PERIOD)["views"])
    assert posted["daily_series_csv"] == attached_csv


def test_a_duplicate_task_never_sends_twice(schedule, mail_dir):
    report = reports.generate_report(schedule_id=schedule.pk, period=PERIOD)
    send_report.delay(report.pk)
    send_report.delay(report.pk)
    assert len(sent_messages(mail_dir)) == 1 and len(Hook.received) == 1
    assert reports.generate_report(schedule_id=schedule.pk, period=PERIOD).pk == report.pk
    assert KpiReport.objects.count() == 1


def test_a_failed_webhook_is_retried_without_resending_the_email(schedule, mail_dir):
    report = reports.generate_report(schedule_id=schedule.pk, period=PERIOD)
    Hook.fail = True
    with pytest.raises(webhooks.WebhookFailed):
        reports.deliver(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.error == "webhook answered 500"
    assert report.email_sent_at is not None and report.webhook_sent_at is None
    Hook.fail = False
    reports.deliver(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT and report.attempts == 2
    assert len(sent_messages(mail_dir)) == 1 and len(Hook.received) == 1


def test_beat_task_runs_due_schedules(schedule, mail_dir, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 10, 14, 9, 0, tzinfo=SHANGHAI))
    (report_id,) = run_due_reports.delay().get()
    report = KpiReport.objects.get(pk=report_id)
    assert (report.period_start, report.period_end, report.status) == (date(2026, 10, 5), date(2026, 10, 11), "sent")
    assert run_due_reports.delay().get() == []


def test_send_report_command(schedule, mail_dir, capsys):
    call_command("send_report", str(schedule.pk), "--period", "2026-10-01..2026-10-14")
    assert "2026-10-01..2026-10-14: sent" in capsys.readouterr().out
    call_command("send_report", str(schedule.pk), "--period", "2026-10-01..2026-10-14", "--resend")
    assert len(sent_messages(mail_dir)) == 2


def test_reports_listed_in_graphql_with_scoped_downloads(schedule, mail_dir):
    from marketing.models import Role
    from tests.factories import make_token
    from tests.marketing.graphql_helpers import gid, gql, ok

    report = reports.generate_report(schedule_id=schedule.pk, period=PERIOD)
    _, token = make_token(brand=schedule.brand, role=Role.VIEWER)
    _, stranger = make_token(brand=BrandFactory(), role=Role.ADMIN)
    data = ok(gql("query($b: ID!) { reports(brand: $b) { edges { node { periodStart status csvUrl chartUrl } } } }",
                  {"b": gid(schedule.brand)}, token=token))["reports"]["edges"]
    assert [edge["node"] for edge in data] == [{"periodStart": str(PERIOD.date_from), "status": "PENDING",
                     "csvUrl": f"http://testserver/reports/{report.pk}/csv",
                     "chartUrl": f"http://testserver/reports/{report.pk}/chart"}]
    from django.test import Client

    response = Client().get(f"/reports/{report.pk}/csv", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == report.csv_file.open("rb").read().decode()
    assert Client().get(f"/reports/{report.pk}/csv", HTTP_AUTHORIZATION=f"Bearer {stranger}").status_code == 404
    assert Client().get(f"/reports/{report.pk}/chart").status_code == 404
    assert ok(gql("{ reports { edges { node { id } } } }", token=stranger)) == {"reports": {"edges": []}}
    # Viewers read reports but only editors may re-send them.
    denied = ok(gql("mutation($id: ID!) { resendReport(id: $id) { errors { code } } }",
                    {"id": str(__import__("strawberry").relay.GlobalID("KpiReport", str(report.pk)))},
                    token=token))["resendReport"]
    assert denied == {"errors": [{"code": "PERMISSION_DENIED"}]}


def test_report_csv_and_chart_equal_raw_interactions(schedule, mail_dir):
    from datetime import timedelta
    from math import isnan

    from matplotlib.image import imread

    from analytics.kpis import compute_all
    from tests.analytics.kpi_world import expected_sums

    report = reports.generate_report(schedule_id=schedule.pk, period=PERIOD)
    ids = [schedule.campaigns.get().pk]
    days = [PERIOD.date_from + timedelta(days=d) for d in range(PERIOD.days)]
    expected = [compute_all(expected_sums(schedule.brand, campaign_ids=ids, first=day, last=day)) for day in days]

    rows = list(csv.reader(io.StringIO(report.csv_file.open("rb").read().decode())))
    assert rows[0] == ["date", *[k.name for k in KPIS]]
    assert rows[1:] == [[str(day), *["" if kpis[k.name] is None else str(kpis[k.name]) for k in KPIS]]
                        for day, kpis in zip(days, expected, strict=True)]

    image = imread(io.BytesIO(report.chart_file.open("rb").read()), format="png")
    assert image.shape[:2] == (600, 1000)
    series = selectors.kpi_series(brand=schedule.brand, campaign_ids=ids, period=PERIOD)
    figure = reports.series_figure(series, title=schedule.name)
    panels = [axes for axes in figure.axes if axes.get_title()]
    assert [axes.get_title() for axes in panels] == ["Views", "Engagement rate", "Conversions", "Spend"]
    for axes, name in zip(panels, reports.CHART_KPIS, strict=True):
        (line,) = axes.get_lines()
        plotted = list(line.get_ydata())
        want = [float("nan") if kpis[name] is None else float(kpis[name]) for kpis in expected]
        assert [None if isnan(v) else v for v in plotted] == [None if isnan(v) else v for v in want]
        assert [str(x) for x in line.get_xdata()] == [str(day) for day in days]


def test_report_of_an_unknown_schedule_command_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No report schedule 999999"):
        call_command("send_report", "999999")


def test_one_failing_schedule_does_not_hold_up_the_others(schedule, mail_dir, monkeypatch):
    from django.utils import timezone

    broken = KpiReportSchedule.objects.create(brand=schedule.brand, name="Broken", period="weekly",
                                              send_at=time(8, 0), recipients="x@example.com")
    real = reports.generate_report

    def generate(*, schedule_id, period):
        if schedule_id == broken.pk:
            raise RuntimeError("chart backend down")
        return real(schedule_id=schedule_id, period=period)

    monkeypatch.setattr(reports, "generate_report", generate)
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 10, 14, 9, 0, tzinfo=SHANGHAI))
    (report_id,) = run_due_reports.delay().get()
    assert KpiReport.objects.get(pk=report_id).schedule == schedule
    assert not KpiReport.objects.filter(schedule=broken).exists()


def text_of(part) -> str:
    """A text part's content (8bit parts are kept as text by the parser; others are decoded)."""
    if part["Content-Transfer-Encoding"] in ("base64", "quoted-printable"):
        return part.get_payload(decode=True).decode(part.get_content_charset())
    return part.get_payload()


def test_a_chinese_schedule_sends_its_email_and_chart_in_chinese(schedule, mail_dir):
    schedule.language = "zh-hans"
    schedule.save(update_fields=["language"])
    report = reports.generate_report(schedule_id=schedule.pk, period=PERIOD)
    send_report.delay(report.pk)
    (message,) = sent_messages(mail_dir)
    parts = {part.get_content_type(): part for part in message.walk()}
    assert text_of(parts["text/plain"]) == "附件是您的 KPI 报告（HTML 版本含图表）。"
    html = text_of(parts["text/html"])
    assert "<tr><th>KPI</th><th>本期</th><th>上期</th><th>变化</th></tr>" in html
    assert "<tr><td>播放量</td>" in html and "<tr><td>投入产出比</td>" in html and "Views" not in html
    assert "<p>每日数据见附件 CSV。</p>" in html


# --- webhook signatures ------------------------------------------------------------------------


def test_webhooks_are_signed_over_the_timestamp_and_the_body(schedule, mail_dir):
    import hashlib
    import hmac
    import time as clock

    from analytics import webhook_signing

    secret = webhook_signing.rotate_secret(schedule)
    report = reports.generate_report(schedule_id=schedule.pk, period=PERIOD)
    send_report.delay(report.pk)
    ((headers, body),) = Hook.raw
    timestamp = headers["X-Reelboard-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert (headers["X-Reelboard-Signature"], headers["X-Reelboard-Delivery"]) == (f"v1={expected}", str(report.pk))
    assert abs(int(timestamp) - clock.time()) < 60


def test_the_reference_verifier_rejects_replays_tampering_and_other_secrets():
    from analytics.webhook_signing import signature_headers, verify

    headers = signature_headers(secret="whsec_a", body=b'{"a": 1}', delivery="7", timestamp=1_000_000)
    stamp, signature = headers["X-Reelboard-Timestamp"], headers["X-Reelboard-Signature"]
    assert [verify(secret="whsec_a", body=b'{"a": 1}', timestamp=stamp, signature=signature, now=1_000_299),
            verify(secret="whsec_a", body=b'{"a": 1}', timestamp=stamp, signature=signature, now=1_000_301),
            verify(secret="whsec_a", body=b'{"a": 2}', timestamp=stamp, signature=signature, now=1_000_000),
            verify(secret="whsec_b", body=b'{"a": 1}', timestamp=stamp, signature=signature, now=1_000_000)] == [
        True, False, False, False]


def test_a_schedules_secret_is_not_stored_and_rotating_replaces_it(schedule, settings):
    from analytics import webhook_signing

    first = webhook_signing.rotate_secret(schedule)
    schedule.refresh_from_db()
    assert (webhook_signing.secret_for(schedule), first in str(KpiReportSchedule.objects.filter(
        pk=schedule.pk).values().get())) == (first, False)
    second = webhook_signing.rotate_secret(schedule)
    settings.REPORT_WEBHOOK_SIGNING_KEY = "another-key"
    assert (second != first, webhook_signing.secret_for(schedule) not in (first, second)) == (True, True)


def test_the_admin_shows_a_new_schedules_secret_once(client, db, settings):
    from django.contrib.messages import get_messages
    from django.urls import reverse

    from analytics import webhook_signing
    from marketing.models import Role
    from tests.factories import MembershipFactory, UserFactory

    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com"]
    brand = BrandFactory()
    user = UserFactory(is_staff=True, is_superuser=True)
    MembershipFactory(user=user, brand=brand, role=Role.ADMIN)
    client.force_login(user)
    response = client.post(reverse("admin:analytics_kpireportschedule_add"), {
        "brand": brand.pk, "name": "Weekly", "period": "weekly", "send_at": "08:00:00",
        "webhook_url": "https://hooks.example.com/reelboard", "language": "en", "is_active": "on"}, follow=True)
    schedule = KpiReportSchedule.objects.get()
    shown = [str(m) for m in get_messages(response.wsgi_request) if "shown only once" in str(m)]
    assert shown == [f"Webhook signing secret of {schedule}: {webhook_signing.secret_for(schedule)}  Copy it to the "
                     "receiver now: it is shown only once."]

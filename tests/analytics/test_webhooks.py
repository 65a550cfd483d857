"""Report webhooks cannot be aimed at internal addresses (server-side request forgery).

No test reaches the network: host names resolve through a monkeypatched ``socket.getaddrinfo``,
and deliveries go to receivers on 127.0.0.1 that a test allow-lists explicitly.
"""

import socket
import ssl
import threading
import time
from datetime import time as clock
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse

from analytics import reports, webhooks
from analytics.models import KpiReport, KpiReportSchedule, ReportStatus
from analytics.tasks import send_report
from analytics.webhooks import WebhookBlocked, WebhookFailed, WebhookTarget
from marketing.models import Role
from tests.analytics.test_kpis import PERIOD, build
from tests.factories import BrandFactory, MembershipFactory, UserFactory

TLS = Path(__file__).parent / "tls"  # a self-signed certificate for hooks.example.test, tests only
INTERNAL = "; internal addresses are not allowed"


def resolve(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """Make ``socket.getaddrinfo`` answer ``answers`` for names (a list per call, the last one
    repeating); literal addresses pass through. Returns the names looked up, in order."""
    real, looked_up = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            try:
                socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
            except OSError:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            return real(host, port, *args, **kwargs)
        looked_up.append(host)
        answer = answers[host][min(looked_up.count(host), len(answers[host])) - 1]
        return [(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))
                if ":" in address else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
                for address in answer.split(",")]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


class Receiver(BaseHTTPRequestHandler):
    """Records each request's Host header and body; answers with ``reply`` (status, headers, body)."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.headers["Host"], body))
        status, headers, payload = self.server.reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def receivers():
    """Start HTTP receivers on 127.0.0.1: ``receivers(status, headers, body, tls=None)``."""
    started = []

    def start(status=204, headers=None, body=b"", tls=None):
        server = HTTPServer(("127.0.0.1", 0), Receiver)
        server.received, server.reply = [], (status, headers or {}, body)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        started.append(serve(server))
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


# --- the guard: literal addresses and schemes, no DNS ---------------------------------------------


@pytest.mark.parametrize(("url", "why"), [
    ("http://127.0.0.1:6379/", "the host 127.0.0.1 is a loopback address"),
    ("http://10.0.0.1/admin", "the host 10.0.0.1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "the host 169.254.169.254 is a link-local address"),
    ("http://[::1]:8000/", "the host ::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]/", "the host ::ffff:127.0.0.1 is a loopback address"),
    ("http://0.0.0.0:8000/", "the host 0.0.0.0 is an unspecified address"),
    ("https://192.168.1.20/", "the host 192.168.1.20 is a private address"),
    ("http://100.64.0.1/", "the host 100.64.0.1 is an address that is not globally routable"),
    ("http://224.0.0.1/", "the host 224.0.0.1 is a multicast address"),
    ("http://[fe80::1]/", "the host fe80::1 is a link-local address"),
    ("http://[fc00::1]/", "the host fc00::1 is a private address"),
    ("http://[fec0::1]/", "the host fec0::1 is a site-local address"),
    ("http://[2002:7f00:1::]/", "the host 2002:7f00:1:: is a loopback address (embedded in 2002:7f00:1::)"),
    ("http://[64:ff9b::a9fe:a9fe]/",
     "the host 64:ff9b::a9fe:a9fe is a link-local address (embedded in 64:ff9b::a9fe:a9fe)"),
    ("http://2130706433/", "the host 2130706433 is a loopback address"),  # 127.0.0.1 as one number
    ("http://127.1/", "the host 127.1 is a loopback address"),
    ("http://localhost:6379/", "the host localhost is a loopback name"),
    ("http://admin.localhost./", "the host admin.localhost is a loopback name"),
])
def test_internal_hosts_written_literally_are_blocked_without_dns(monkeypatch, url, why):
    looked_up = resolve(monkeypatch, {})
    with pytest.raises(WebhookBlocked) as checked:
        webhooks.check_url(url)
    with pytest.raises(WebhookBlocked) as vetted:
        webhooks.vet_url(url)
    assert (str(checked.value), str(vetted.value), looked_up) == (why + INTERNAL, why + INTERNAL, [])


@pytest.mark.parametrize(("url", "why"), [
    ("ftp://hooks.example.com/", "the scheme must be http or https, not 'ftp'"),
    ("file:///etc/passwd", "the scheme must be http or https, not 'file'"),
    ("gopher://127.0.0.1:6379/_INFO", "the scheme must be http or https, not 'gopher'"),
    ("hooks.example.com/x", "the scheme must be http or https, not 'missing'"),
    ("http:///x", "the URL has no host"),
    ("http://[::1/", "the URL is not valid (Invalid IPv6 URL)"),
])
def test_only_http_urls_with_a_host_are_allowed(url, why):
    with pytest.raises(WebhookBlocked) as blocked:
        webhooks.check_url(url)
    assert str(blocked.value) == why


def test_production_requires_https(settings):
    assert settings.REPORT_WEBHOOK_REQUIRE_HTTPS is False  # the development default
    settings.REPORT_WEBHOOK_REQUIRE_HTTPS = True
    with pytest.raises(WebhookBlocked) as blocked:
        webhooks.check_url("http://hooks.example.com/")
    assert str(blocked.value) == "the scheme must be https, not 'http'"
    assert webhooks.check_url("https://hooks.example.com/") is None


# --- the guard: resolved addresses ---------------------------------------------------------------


def test_a_public_address_passes_and_is_pinned(monkeypatch):
    looked_up = resolve(monkeypatch, {"hooks.example.com": ["93.184.216.34,2606:2800:220:1::1"]})
    assert webhooks.vet_url("https://Hooks.Example.com./reports?brand=7") == WebhookTarget(
        scheme="https", host="hooks.example.com", port=443, path="/reports?brand=7", address="93.184.216.34")
    assert looked_up == ["hooks.example.com"]


def test_a_public_ipv6_address_passes(monkeypatch):
    resolve(monkeypatch, {"hooks.example.com": ["2606:2800:220:1::1"]})
    assert webhooks.vet_url("http://hooks.example.com:8080/") == WebhookTarget(
        scheme="http", host="hooks.example.com", port=8080, path="/", address="2606:2800:220:1::1")


@pytest.mark.parametrize(("answer", "why"), [
    ("10.1.2.3", "resolves to 10.1.2.3, a private address"),
    ("93.184.216.34,10.1.2.3", "resolves to 10.1.2.3, a private address"),  # any address, not the first
    ("127.0.0.1", "resolves to 127.0.0.1, a loopback address"),
    ("169.254.169.254", "resolves to 169.254.169.254, a link-local address"),
    ("::ffff:169.254.169.254", "resolves to 169.254.169.254, a link-local address"),
    ("fd00::5", "resolves to fd00::5, a private address"),
])
def test_a_name_resolving_to_an_internal_address_is_blocked(monkeypatch, answer, why):
    resolve(monkeypatch, {"hooks.example.com": [answer]})
    with pytest.raises(WebhookBlocked) as blocked:
        webhooks.vet_url("https://hooks.example.com/reports")
    assert str(blocked.value) == f"the host hooks.example.com {why}{INTERNAL}"


def test_a_name_that_does_not_resolve_is_a_transient_failure(monkeypatch):
    resolve(monkeypatch, {})
    with pytest.raises(WebhookFailed) as failed:
        webhooks.vet_url("https://gone.example.com/")
    assert str(failed.value) == "could not resolve gone.example.com: [Errno -2] Name or service not known"


# --- the allow-list --------------------------------------------------------------------------------


def test_an_allow_listed_address_passes_and_its_neighbours_do_not(settings, monkeypatch):
    resolve(monkeypatch, {})
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    assert webhooks.vet_url("http://127.0.0.1:9000/hook").address == "127.0.0.1"
    with pytest.raises(WebhookBlocked):
        webhooks.vet_url("http://127.0.0.2:9000/hook")


def test_an_allow_listed_name_may_resolve_to_an_internal_address(settings, monkeypatch):
    resolve(monkeypatch, {"reports.corp.internal": ["10.0.0.7"], "other.corp.internal": ["10.0.0.7"]})
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["Reports.Corp.Internal"]
    assert webhooks.vet_url("http://reports.corp.internal/hook").address == "10.0.0.7"
    with pytest.raises(WebhookBlocked):
        webhooks.vet_url("http://other.corp.internal/hook")


def test_an_allow_listed_network_admits_names_resolving_into_it(settings, monkeypatch):
    resolve(monkeypatch, {"a.corp.internal": ["10.20.3.4"], "b.corp.internal": ["10.21.0.1"]})
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["10.20.0.0/16"]
    assert webhooks.vet_url("http://a.corp.internal/").address == "10.20.3.4"
    with pytest.raises(WebhookBlocked) as blocked:
        webhooks.vet_url("http://b.corp.internal/")
    assert str(blocked.value) == f"the host b.corp.internal resolves to 10.21.0.1, a private address{INTERNAL}"


def test_a_malformed_allow_listed_network_is_a_configuration_error(settings):
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="'10.0.0.0/33' is not a valid network"):
        webhooks.check_url("https://hooks.example.com/")


# --- delivery ----------------------------------------------------------------------------------------


def test_delivery_connects_to_the_vetted_address_once_resolved(settings, monkeypatch, receivers):
    # A rebinding name answers the allow-listed receiver first, then another address: the second
    # answer must never be asked for, let alone used.
    receiver = receivers(204)
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    looked_up = resolve(monkeypatch, {"hooks.example.test": ["127.0.0.1", "10.66.0.1"]})
    answer = webhooks.post_json(f"http://hooks.example.test:{receiver.server_port}/hook", b'{"a": 1}')
    assert (answer.status, looked_up) == (204, ["hooks.example.test"])
    assert receiver.received == [(f"hooks.example.test:{receiver.server_port}", b'{"a": 1}')]


def test_redirects_are_not_followed(settings, monkeypatch, receivers):
    elsewhere = receivers(204)
    redirecting = receivers(302, {"Location": f"http://127.0.0.1:{elsewhere.server_port}/stolen"})
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with pytest.raises(WebhookFailed) as failed:
        webhooks.post_json(f"http://127.0.0.1:{redirecting.server_port}/hook", b"{}")
    assert str(failed.value) == "webhook answered 302, a redirect, which is not followed"
    assert (len(redirecting.received), elsewhere.received) == (1, [])


def test_the_answer_is_read_up_to_the_cap(settings, receivers):
    receiver = receivers(200, {"Content-Type": "text/plain"}, b"x" * 1_000_000)
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.REPORT_WEBHOOK_MAX_RESPONSE_BYTES = 1024
    answer = webhooks.post_json(f"http://127.0.0.1:{receiver.server_port}/", b"{}")
    assert (answer.status, answer.body) == (200, b"x" * 1024)


def test_a_receiver_that_drips_its_answer_is_cut_off_at_the_timeout(settings):
    # Each byte comes well within the socket timeout; only a deadline on the whole exchange stops it.
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.is_set():
                try:
                    conn.sendall(b"X-Slow: a\r\n")
                except OSError:
                    return
                time.sleep(0.05)

    threading.Thread(target=drip, daemon=True).start()
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.REPORT_WEBHOOK_TIMEOUT = 1
    started = time.monotonic()
    try:
        with pytest.raises(WebhookFailed) as failed:
            webhooks.post_json(f"http://127.0.0.1:{listener.getsockname()[1]}/", b"{}")
    finally:
        stop.set()
        listener.close()
    assert str(failed.value) == "webhook 127.0.0.1 did not answer within 1 s"
    assert time.monotonic() - started < 3


@pytest.fixture
def tls_server_context(monkeypatch):
    """A TLS receiver context for hooks.example.test, trusted by the client through SSL_CERT_FILE
    (which ``ssl.create_default_context`` reads); records the SNI names it is asked for."""
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "hooks.example.test.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS / "hooks.example.test.pem", TLS / "hooks.example.test.key")
    context.sni_names = []
    context.sni_callback = lambda sock, name, ctx: context.sni_names.append(name)
    return context


def test_https_sends_the_host_name_as_sni_and_verifies_the_certificate_for_it(
        settings, monkeypatch, receivers, tls_server_context):
    receiver = receivers(204, tls=tls_server_context)
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.REPORT_WEBHOOK_REQUIRE_HTTPS = True
    resolve(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
    answer = webhooks.post_json(f"https://hooks.example.test:{receiver.server_port}/hook", b"{}")
    assert (answer.status, tls_server_context.sni_names) == (204, ["hooks.example.test"])
    assert receiver.received == [(f"hooks.example.test:{receiver.server_port}", b"{}")]


def test_https_refuses_a_certificate_for_another_name(settings, monkeypatch, receivers, tls_server_context):
    receiver = receivers(204, tls=tls_server_context)
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    resolve(monkeypatch, {"other.example.test": ["127.0.0.1"]})
    with pytest.raises(WebhookFailed, match="certificate verify failed: Hostname mismatch"):
        webhooks.post_json(f"https://other.example.test:{receiver.server_port}/hook", b"{}")
    assert (tls_server_context.sni_names, receiver.received) == (["other.example.test"], [])


# --- reports: a blocked webhook is a visible failure, not retried --------------------------------------


@pytest.fixture
def blocked_schedule(db, settings, tmp_path):
    """A schedule saved before the guard existed: its webhook points at the metadata service."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    build(brand)
    return KpiReportSchedule.objects.create(
        brand=brand, name="Weekly KPIs", period="weekly", send_at=clock(8, 0), recipients="cmo@example.com",
        webhook_url="http://169.254.169.254/latest/meta-data/")


def test_a_blocked_webhook_fails_the_report_with_the_reason_and_is_not_retried(blocked_schedule):
    from django.core import mail

    report = reports.generate_report(schedule_id=blocked_schedule.pk, period=PERIOD)
    assert send_report.delay(report.pk).get() == ReportStatus.FAILED
    report.refresh_from_db()
    assert (report.status, report.attempts, report.webhook_sent_at is None, report.email_sent_at is not None) == (
        ReportStatus.FAILED, 1, True, True)
    assert report.error == ("Webhook blocked, not retried: the host 169.254.169.254 is a link-local address"
                            f"{INTERNAL}. Fix the schedule's webhook URL, then re-send.")
    assert len(mail.outbox) == 1


def test_delivery_checks_dns_again_when_the_report_is_sent(blocked_schedule, monkeypatch):
    # The name was public when the URL was saved; by delivery time it points inside.
    KpiReportSchedule.objects.filter(pk=blocked_schedule.pk).update(webhook_url="https://hooks.example.com/r")
    resolve(monkeypatch, {"hooks.example.com": ["10.1.2.3"]})
    report = reports.generate_report(schedule_id=blocked_schedule.pk, period=PERIOD)
    delivered = reports.deliver(report_id=report.pk)
    assert (delivered.status, delivered.error) == (
        ReportStatus.FAILED, "Webhook blocked, not retried: the host hooks.example.com resolves to 10.1.2.3, "
                             f"a private address{INTERNAL}. Fix the schedule's webhook URL, then re-send.")
    assert KpiReport.objects.get(pk=report.pk).webhook_sent_at is None


# --- validation when the URL is saved -------------------------------------------------------------------


@pytest.fixture
def brand_staff_client(client, db):
    """A brand editor with the admin's permission to add report schedules."""
    from django.contrib.auth.models import Permission

    brand = BrandFactory()
    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, brand=brand, role=Role.EDITOR)
    user.user_permissions.add(Permission.objects.get(codename="add_kpireportschedule"))
    client.force_login(user)
    client.brand = brand
    return client


def test_the_admin_form_refuses_an_internal_webhook_url_naming_the_field(brand_staff_client):
    client, brand = brand_staff_client, brand_staff_client.brand
    response = client.post(reverse("admin:analytics_kpireportschedule_add"), {
        "brand": brand.pk, "name": "Weekly KPIs", "period": "weekly", "send_at": "08:00:00", "language": "en",
        "recipients": "cmo@example.com", "webhook_url": "http://10.0.0.1/hook", "is_active": "on"})
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors == {
        "webhook_url": [f"Webhook URL: the host 10.0.0.1 is a private address{INTERNAL}."]}
    assert KpiReportSchedule.objects.count() == 0


def test_the_admin_form_saves_a_public_webhook_url(brand_staff_client):
    client, brand = brand_staff_client, brand_staff_client.brand
    response = client.post(reverse("admin:analytics_kpireportschedule_add"), {
        "brand": brand.pk, "name": "Weekly KPIs", "period": "weekly", "send_at": "08:00:00", "language": "en",
        "recipients": "cmo@example.com", "webhook_url": "https://hooks.example.com/reelboard", "is_active": "on"})
    assert response.status_code == 302
    assert KpiReportSchedule.objects.get().webhook_url == "https://hooks.example.com/reelboard"


def test_model_validation_refuses_a_non_http_scheme(db):
    schedule = KpiReportSchedule(brand=BrandFactory(), name="Weekly KPIs", period="weekly", send_at=clock(8, 0),
                                 webhook_url="ftp://hooks.example.com/reports")
    with pytest.raises(ValidationError) as invalid:
        schedule.full_clean()
    assert invalid.value.message_dict == {
        "webhook_url": ["Webhook URL: the scheme must be http or https, not 'ftp'."]}

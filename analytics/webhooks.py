"""Report webhooks: the server-side request forgery guard, and a delivery that trusts only it.

Brand staff choose a schedule's webhook URL, and a worker inside our network POSTs to it. Without
a guard that URL could reach Redis on 127.0.0.1:6379, the cloud metadata service on
169.254.169.254 or an internal admin service on 10.x. So:

- ``check_url`` is the part that needs no DNS (scheme, a host, IP-literal and ``localhost``
  hosts): forms run it when the URL is saved.
- ``vet_url`` adds DNS: the host's every address must be globally routable, and the address to
  connect to is returned, pinned.
- ``post_json`` vets the URL again (DNS can change after saving), connects to exactly the pinned
  address — a second lookup could answer differently (DNS rebinding) — while sending the URL's
  host name as ``Host`` and as TLS SNI (and verifying the certificate against it), follows no
  redirect, bounds the whole exchange by ``REPORT_WEBHOOK_TIMEOUT`` and reads at most
  ``REPORT_WEBHOOK_MAX_RESPONSE_BYTES`` of the answer.

``REPORT_WEBHOOK_ALLOWED_HOSTS`` lists the exceptions for a deployment that really has an internal
receiver: host names (matched exactly), IP addresses or CIDR networks.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from marketing.jobs.failures import FailureCode

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052 and RFC 8215):
# a gateway would turn 64:ff9b::7f00:1 into 127.0.0.1.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


class WebhookBlocked(ValueError):
    """The URL may not be called. A configuration problem, not a transient failure: never retried."""

    failure_code = FailureCode.DELIVERY_BLOCKED


class WebhookFailed(RuntimeError):
    """The call was allowed but did not succeed (network, DNS, timeout, non-2xx): worth retrying."""

    failure_code = FailureCode.DELIVERY_FAILED


@dataclass(frozen=True)
class WebhookTarget:
    """Where a vetted URL goes: the URL's host (for ``Host`` and TLS) and the address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: bytes  # at most REPORT_WEBHOOK_MAX_RESPONSE_BYTES


def blocked_reason(address: IPAddress) -> str | None:
    """Why a webhook may not connect to ``address`` ("a loopback address", ...), or None if it may.

    ``is_global`` alone is not enough on Python 3.11: it calls site-local fec0::/10, 6to4
    2002::/16 and NAT64 addresses global although they can lead to internal IPv4 addresses.
    """
    if isinstance(address, ipaddress.IPv6Address):
        for embedded in _embedded_ipv4(address):
            reason = blocked_reason(embedded)
            if reason is not None:
                return f"{reason} (embedded in {address})"
        if address.is_site_local:
            return "a site-local address"
    checks = (("an unspecified", address.is_unspecified), ("a loopback", address.is_loopback),
              ("a link-local", address.is_link_local), ("a multicast", address.is_multicast),
              ("a private", address.is_private), ("a reserved", address.is_reserved))
    for reason, hit in checks:
        if hit:
            return f"{reason} address"
    if not address.is_global:
        return "an address that is not globally routable"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded = [address.ipv4_mapped, address.sixtofour]
    if any(address in network for network in _NAT64):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [a for a in embedded if a is not None]


def _ip(text: str) -> IPAddress:
    """An address as the guard sees it: IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address."""
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _literal(host: str) -> IPAddress | None:
    """The address when ``host`` is an IP literal, including the legacy IPv4 forms (127.1, 0x7f000001,
    2130706433) that the resolver would otherwise turn into 127.0.0.1 without any DNS."""
    try:
        return _ip(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _allowed() -> tuple[set[str], list[IPNetwork]]:
    """REPORT_WEBHOOK_ALLOWED_HOSTS as host names and networks (an address is a /32 or /128)."""
    names, networks = set(), []
    for entry in settings.REPORT_WEBHOOK_ALLOWED_HOSTS:
        entry = entry.strip().strip("[]").rstrip(".").lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError:
            if "/" in entry:
                raise ImproperlyConfigured(f"REPORT_WEBHOOK_ALLOWED_HOSTS: {entry!r} is not a valid network") from None
            names.add(entry)
    return names, networks


def _parse(url: str) -> tuple[str, str, int, str]:
    """Scheme, host (lower-case, IDNA), port and request path of a URL, or WebhookBlocked."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError as exc:
        raise WebhookBlocked(f"the URL is not valid ({exc})") from None
    allowed_schemes = ("https",) if settings.REPORT_WEBHOOK_REQUIRE_HTTPS else ("http", "https")
    if scheme not in allowed_schemes:
        raise WebhookBlocked(f"the scheme must be {' or '.join(allowed_schemes)}, not {scheme or 'missing'!r}")
    if not host:
        raise WebhookBlocked("the URL has no host")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise WebhookBlocked(f"the host is not valid ({exc})") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _check_host(host: str, names: set[str], networks: list[IPNetwork]) -> None:
    if host in names:
        return
    if host == "localhost" or host.endswith(".localhost"):
        raise WebhookBlocked(f"the host {host} is a loopback name; internal addresses are not allowed")
    address = _literal(host)
    if address is None or any(address in network for network in networks):
        return
    reason = blocked_reason(address)
    if reason is not None:
        raise WebhookBlocked(f"the host {host} is {reason}; internal addresses are not allowed")


def check_url(url: str) -> None:
    """The checks needing no DNS, for forms: an allowed scheme, a host, and no internal host written
    literally (an IP address in a blocked range, ``localhost``). Raises WebhookBlocked saying why."""
    _, host, _, _ = _parse(url)
    _check_host(host, *_allowed())


def vet_url(url: str) -> WebhookTarget:
    """Check ``url`` and resolve its host; every address must be allowed. Returns the target pinned to
    the first address. Raises WebhookBlocked (never retry) or WebhookFailed (DNS failed: retry)."""
    scheme, host, port, path = _parse(url)
    names, networks = _allowed()
    _check_host(host, names, networks)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise WebhookFailed(f"could not resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(_ip(info[4][0].split("%", 1)[0]) for info in infos))
    if not addresses:
        raise WebhookFailed(f"{host} has no address")
    if host not in names:
        for address in addresses:
            reason = None if any(address in n for n in networks) else blocked_reason(address)
            if reason is not None:
                raise WebhookBlocked(f"the host {host} resolves to {address}, {reason}; "
                                     "internal addresses are not allowed")
    return WebhookTarget(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


class _Deadline:
    """Bounds a whole exchange, not only each read: a receiver dripping a byte per read could
    otherwise hold a worker for hours. When time is up the socket is shut down, which makes the
    pending read return at once."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = threading.Event()
        self._timer: threading.Timer | None = None

    def watch(self, sock: socket.socket) -> None:
        self._timer = threading.Timer(self.seconds, self._cut, args=(sock,))
        self._timer.daemon = True
        self._timer.start()

    def _cut(self, sock: socket.socket) -> None:
        self.expired.set()
        try:
            # socket.socket's own shutdown, also on a TLS socket: the raw shutdown(2) of its descriptor
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _connect(target: WebhookTarget, timeout: float) -> socket.socket:
    family = socket.AF_INET6 if ipaddress.ip_address(target.address).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((target.address, target.port))  # a literal address: no name lookup here
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the vetted address; ``Host`` is still the URL's host."""

    def __init__(self, target: WebhookTarget, deadline: _Deadline, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target, self.deadline = target, deadline

    def connect(self):
        self.sock = _connect(self.target, self.timeout)
        self.deadline.watch(self.sock)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the vetted address, with SNI and certificate verification for the URL's host."""

    def __init__(self, target: WebhookTarget, deadline: _Deadline, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.target, self.deadline = target, deadline

    def connect(self):
        sock = self.tls.wrap_socket(_connect(self.target, self.timeout), server_hostname=self.target.host,
                                    do_handshake_on_connect=False)
        self.sock = sock
        self.deadline.watch(sock)  # the handshake too
        sock.do_handshake()


def post_json(url: str, body: bytes, headers: dict[str, str] | None = None) -> WebhookResponse:
    """POST ``body`` (JSON bytes) to ``url`` through the guard; returns the 2xx answer.

    Raises WebhookBlocked when the URL may not be called, WebhookFailed when the call fails, does
    not finish within ``REPORT_WEBHOOK_TIMEOUT`` seconds (once connected; connecting has as long
    again) or answers anything but 2xx — a redirect included: it is never followed. ``headers`` are
    sent too (the signature headers of analytics.webhook_signing).
    """
    target = vet_url(url)
    timeout = settings.REPORT_WEBHOOK_TIMEOUT
    deadline = _Deadline(timeout)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, deadline, timeout)
    try:
        connection.request("POST", target.path, body=body,
                           headers={**(headers or {}), "Content-Type": "application/json", "User-Agent": "Reelboard"})
        response = connection.getresponse()
        if deadline.expired.is_set():  # cut off mid-headers, which http.client reads as their end
            raise TimeoutError
    except (OSError, http.client.HTTPException) as exc:
        deadline.cancel()
        connection.close()
        if deadline.expired.is_set() or isinstance(exc, TimeoutError):
            raise WebhookFailed(f"webhook {target.host} did not answer within {timeout} s") from exc
        raise WebhookFailed(f"webhook {target.host} failed: {exc}") from exc
    try:
        body = response.read(settings.REPORT_WEBHOOK_MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException):
        body = b""  # the status line already said whether the receiver took the report
    finally:
        deadline.cancel()
        connection.close()
    answer = WebhookResponse(status=response.status, body=body)
    if 300 <= answer.status < 400:
        raise WebhookFailed(f"webhook answered {answer.status}, a redirect, which is not followed")
    if not 200 <= answer.status < 300:
        raise WebhookFailed(f"webhook answered {answer.status}")
    return answer

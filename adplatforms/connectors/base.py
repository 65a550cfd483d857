"""One small interface for every ad platform's report API: fetch one level for a day range, page by page.

A connector turns the platform's rows into ``ReportRow`` (the mapped metrics plus the raw row as received).
Retries live here, once for all platforms: a rate-limited request waits and retries with exponential
backoff (``AD_API_MAX_RETRIES``, ``AD_API_BACKOFF_SECONDS``), an expired token is refreshed once through the
platform's refresh endpoint and the request retried. Credentials never reach a log line or an exception text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings

logger = logging.getLogger(__name__)


class ConnectorError(Exception):
    """The platform answered with an error (code and message as the platform gave them)."""

    def __init__(self, message: str, *, code: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code


class RateLimited(ConnectorError):
    pass


class TokenExpired(ConnectorError):
    pass


@dataclass
class ReportRow:
    level: str
    external_id: str
    stat_date: date
    metrics: dict
    raw: dict
    name: str = ""
    parent_external_id: str = ""
    external_video_id: str = ""


@dataclass
class CallStats:
    requests: int = 0
    rate_limit_retries: int = 0
    token_refreshes: int = 0
    sent: list = field(default_factory=list)  # (path, params) of each request, for contract tests and logs


def to_int(value) -> int | None:
    """A count as the platforms send it (number or string, "-" or "" for none); None when absent."""
    if value is None or value in ("", "-", "--"):
        return None
    try:
        return int(Decimal(str(value).replace(",", "")))
    except (InvalidOperation, ValueError):
        return None


def to_decimal(value) -> Decimal | None:
    if value is None or value in ("", "-", "--"):
        return None
    try:
        return Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def to_float(value) -> float | None:
    if value is None or value in ("", "-", "--"):
        return None
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def parse_day(value: str) -> date:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS`` (TikTok's stat_time_day, Ocean Engine's stat_datetime)."""
    return date.fromisoformat(str(value).strip()[:10])


class Connector:
    """Base class: subclasses define ``ad_platform``, ``base_url_setting``, ``fetch_page`` and ``refresh_request``."""

    ad_platform: str = ""
    base_url_setting: str = ""
    rate_limit_codes: frozenset = frozenset()
    token_expired_codes: frozenset = frozenset()

    def __init__(self, *, credentials: dict, advertiser_id: str, on_token_refresh: Callable[[dict], None] | None = None,
                 session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.credentials = dict(credentials)
        self.advertiser_id = advertiser_id
        self.on_token_refresh = on_token_refresh
        self.session = session or requests.Session()
        self.sleep = sleep
        self.stats = CallStats()

    @property
    def base_url(self) -> str:
        url = getattr(settings, self.base_url_setting)
        return url if url.endswith("/") else url + "/"

    # --- the interface ------------------------------------------------------------------------

    def fetch(self, *, level: str, date_from: date, date_to: date) -> Iterator[ReportRow]:
        """Every row of ``level`` between the two days (inclusive, the account's zone), all pages."""
        page = 1
        while True:
            rows, has_more = self._with_retries(lambda page=page: self.fetch_page(level=level, date_from=date_from,
                                                                        date_to=date_to, page=page))
            yield from rows
            if not has_more:
                return
            page += 1

    # --- per platform -------------------------------------------------------------------------

    def fetch_page(self, *, level: str, date_from: date, date_to: date, page: int) -> tuple[list[ReportRow], bool]:
        raise NotImplementedError

    def refresh_request(self) -> tuple[str, dict]:
        """(path, JSON body) of the platform's token refresh call."""
        raise NotImplementedError

    # --- shared plumbing ----------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: dict | None = None, json_body: dict | None = None,
                 auth: bool = True) -> dict:
        headers = {"Access-Token": self.credentials.get("access_token", "")} if auth else {}
        self.stats.requests += 1
        self.stats.sent.append((method, path, params if params is not None else json_body))
        response = self.session.request(method, self.base_url + path, params=params, json=json_body, headers=headers,
                                        timeout=settings.AD_API_TIMEOUT_SECONDS)
        if response.status_code == 429:
            raise RateLimited("HTTP 429", code=429)
        if response.status_code >= 500:
            raise ConnectorError(f"HTTP {response.status_code}", code=response.status_code)
        try:
            body = response.json()
        except ValueError as exc:
            raise ConnectorError(f"HTTP {response.status_code}: not JSON") from exc
        code = body.get("code", 0)
        if code in self.rate_limit_codes:
            raise RateLimited(str(body.get("message", ""))[:200], code=code)
        if code in self.token_expired_codes:
            raise TokenExpired(str(body.get("message", ""))[:200], code=code)
        if code not in (0, "0"):
            raise ConnectorError(str(body.get("message", ""))[:200], code=code)
        return body.get("data") or {}

    def _with_retries(self, call):
        refreshed = False
        attempt = 0
        while True:
            try:
                return call()
            except RateLimited as exc:
                if attempt >= settings.AD_API_MAX_RETRIES:
                    raise
                wait = min(settings.AD_API_BACKOFF_SECONDS * (2 ** attempt), 60.0)
                logger.info("ad platform rate limit", extra={"ad_platform": self.ad_platform, "code": exc.code,
                                                             "wait_s": wait})
                attempt += 1
                self.stats.rate_limit_retries += 1
                self.sleep(wait)
            except TokenExpired:
                if refreshed:
                    raise
                refreshed = True
                self.refresh_token()

    def refresh_token(self) -> None:
        """Trade the refresh token for a new access token, once; the caller stores the new credentials."""
        if not self.credentials.get("refresh_token"):
            raise TokenExpired("The access token expired and there is no refresh token.")
        path, body = self.refresh_request()
        try:
            data = self._request("POST", path, json_body=body, auth=False)
        except TokenExpired:
            raise
        except ConnectorError as exc:
            raise TokenExpired(f"The token refresh was refused ({exc.code}).", code=exc.code) from exc
        if not data.get("access_token"):
            raise TokenExpired("The token refresh returned no access token.")
        self.credentials["access_token"] = data["access_token"]
        if data.get("refresh_token"):
            self.credentials["refresh_token"] = data["refresh_token"]
        self.stats.token_refreshes += 1
        if self.on_token_refresh is not None:
            self.on_token_refresh(dict(self.credentials))

"""Ad accounts (create / update / delete, audit-logged, credentials write-only) and the report sync.

The sync is idempotent per day: a day's rows of an account are replaced in one transaction (platforms
restate the last days), so a re-sync never duplicates and a failed day never leaves half a day written.
The importer (``adplatforms.importer``) and the demo seed write through the same ``write_day``.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from adplatforms.connectors import CONNECTORS, Connector, ConnectorError, ReportRow
from adplatforms.models import (
    METRIC_FIELDS,
    AdAccount,
    AdAccountStatus,
    AdPlatform,
    ExternalObject,
    PlatformDailyStat,
    ReportLevel,
)
from marketing.auth import Principal
from marketing.models import AuditSource, Brand, Campaign, CampaignSpend, Role, SpendSource, Video
from marketing.services.access import get_for_role
from marketing.services.audit import audit_record
from marketing.services.errors import Collector, ErrorCode, ServiceValidationError, full_clean_or_raise

logger = logging.getLogger(__name__)

_UNSET = object()
CREDENTIAL_KEYS = ("access_token", "refresh_token", "app_id", "secret")
# The Reelboard video platform whose video ids an ad platform's ads carry (Video.platform.code).
VIDEO_PLATFORM_CODE = {AdPlatform.TIKTOK: "tiktok", AdPlatform.OCEANENGINE: "douyin", AdPlatform.KUAISHOU_ADS: "kuaishou"}


# --- Accounts -----------------------------------------------------------------------------


def _clean_credentials(errors: Collector, credentials) -> dict | None:
    if credentials is None:
        return None
    if not isinstance(credentials, dict):
        errors.add("credentials", ErrorCode.INVALID, _("Credentials must be an object."))
        return None
    unknown = sorted(set(credentials) - set(CREDENTIAL_KEYS))
    if unknown:
        errors.add("credentials", ErrorCode.INVALID,
                   _("Unknown credential fields: %(fields)s.") % {"fields": ", ".join(unknown)})
        return None
    return {k: str(v) for k, v in credentials.items() if v not in (None, "")}


def _check_account_fields(errors: Collector, *, brand: Brand, ad_platform, time_zone, currency) -> None:
    if ad_platform is not _UNSET and ad_platform not in AdPlatform.values:
        errors.add("ad_platform", ErrorCode.INVALID_CHOICE, _("Unknown ad platform %(value)r.") % {"value": ad_platform})
    if time_zone is not _UNSET and time_zone not in zoneinfo.available_timezones():
        errors.add("time_zone", ErrorCode.INVALID_CHOICE, _("Unknown time zone %(value)r.") % {"value": time_zone})
    if currency is not _UNSET:
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
            errors.add("currency", ErrorCode.INVALID, _("Currency must be a 3-letter ISO 4217 code."))
        elif currency.upper() != brand.currency.upper():
            errors.add("currency", ErrorCode.CURRENCY_MISMATCH,
                       _("The account's currency (%(account)s) differs from the brand's (%(brand)s): "
                         "accounts in another currency are not supported yet.")
                       % {"account": currency.upper(), "brand": brand.currency})


def ad_account_create(*, principal: Principal, brand_id, ad_platform: str, advertiser_id: str, name: str,
                      time_zone: str = "Asia/Shanghai", currency: str | None = None, credentials: dict | None = None,
                      audit_source: str = AuditSource.API) -> AdAccount:
    """Add an ad account to a brand (brand admins). Credentials are encrypted; the audit entry names the
    credential fields set, never their values."""
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand_id", min_role=Role.ADMIN)
    currency = (currency or brand.currency).upper() if isinstance(currency, str) or currency is None else currency
    errors = Collector()
    _check_account_fields(errors, brand=brand, ad_platform=ad_platform, time_zone=time_zone, currency=currency)
    if not (advertiser_id or "").strip():
        errors.add("advertiser_id", ErrorCode.REQUIRED, _("An advertiser id is required."))
    elif AdAccount.objects.filter(ad_platform=ad_platform, advertiser_id=advertiser_id.strip()).exists():
        errors.add("advertiser_id", ErrorCode.DUPLICATE, _("This advertiser account is already connected."))
    clean = _clean_credentials(errors, credentials)
    errors.raise_if_any()
    account = AdAccount(brand=brand, ad_platform=ad_platform, advertiser_id=advertiser_id.strip(), name=(name or "").strip(),
                        time_zone=time_zone, currency=currency)
    account.credentials = clean or {}
    full_clean_or_raise(account)
    with transaction.atomic():
        account.save()
        audit_record(principal=principal, source=audit_source, action="createAdAccount", brand_id=brand.pk,
                     object_type="adaccount", object_id=account.pk,
                     details={"ad_platform": ad_platform, "credential_fields": sorted(clean or {})})
    return account


def ad_account_update(*, principal: Principal, account_id, name=_UNSET, time_zone=_UNSET, currency=_UNSET,
                      status=_UNSET, credentials=_UNSET, audit_source: str = AuditSource.API) -> AdAccount:
    """Change an account (brand admins). ``credentials`` replaces the given fields only; an empty string
    removes one. The audit entry lists the changed fields, never credential values."""
    account = get_for_role(AdAccount.objects.select_related("brand"), principal=principal, pk=account_id, field="id",
                           min_role=Role.ADMIN)
    errors = Collector()
    if isinstance(currency, str):
        currency = currency.upper()
    _check_account_fields(errors, brand=account.brand, ad_platform=_UNSET, time_zone=time_zone, currency=currency)
    if status is not _UNSET and status not in AdAccountStatus.values:
        errors.add("status", ErrorCode.INVALID_CHOICE, _("Unknown status %(value)r.") % {"value": status})
    changes = {}
    if credentials is not _UNSET and credentials is not None:
        if not isinstance(credentials, dict) or set(credentials) - set(CREDENTIAL_KEYS):
            _clean_credentials(errors, credentials)
        else:
            merged = account.credentials
            for key, value in credentials.items():
                if value in (None, ""):
                    merged.pop(key, None)
                else:
                    merged[key] = str(value)
            changes["credentials"] = merged
    errors.raise_if_any()
    changed = []
    for name_, value in (("name", name), ("time_zone", time_zone), ("currency", currency), ("status", status)):
        if value is not _UNSET and value is not None and getattr(account, name_) != value:
            setattr(account, name_, value.strip() if name_ == "name" else value)
            changed.append(name_)
    if "credentials" in changes:
        account.credentials = changes["credentials"]
        changed.append("credentials")
        if account.status == AdAccountStatus.AUTH_FAILED:
            account.status = AdAccountStatus.ACTIVE
    full_clean_or_raise(account)
    with transaction.atomic():
        account.save()
        audit_record(principal=principal, source=audit_source, action="updateAdAccount", brand_id=account.brand_id,
                     object_type="adaccount", object_id=account.pk,
                     details={"fields": changed, "credential_fields": sorted(credentials) if isinstance(credentials, dict) else []})
    return account


def ad_account_delete(*, principal: Principal, account_id, audit_source: str = AuditSource.API) -> int:
    """Remove an account with its stats and the spend it synced (brand admins). Returns the account's id."""
    account = get_for_role(AdAccount.objects, principal=principal, pk=account_id, field="id", min_role=Role.ADMIN)
    pk, brand_id = account.pk, account.brand_id
    with transaction.atomic():
        account.delete()
        audit_record(principal=principal, source=audit_source, action="deleteAdAccount", brand_id=brand_id,
                     object_type="adaccount", object_id=pk, details={"ad_platform": account.ad_platform})
    return pk


# --- Days and zones -----------------------------------------------------------------------


def report_date_for(*, stat_date: date, account_zone: str, brand_zone: str) -> date:
    """The brand's reporting day of an account day: the brand-zone date of the account day's noon.

    A daily total cannot be split across two brand days; noon keeps the mapping one-to-one, so a day
    re-synced lands on the same brand day and its spend replaces itself."""
    if account_zone == brand_zone:
        return stat_date
    noon = datetime.combine(stat_date, time(12), tzinfo=zoneinfo.ZoneInfo(account_zone))
    return noon.astimezone(zoneinfo.ZoneInfo(brand_zone)).date()


def account_today(account: AdAccount, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(account.time_zone)).date()


def days_between(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


# --- Writing one day ----------------------------------------------------------------------


@dataclass
class DayWrite:
    stats: int = 0
    objects: int = 0
    spend_rows: int = 0


def _campaign_map(brand_id: int) -> dict[str, int]:
    """External campaign id -> Reelboard campaign id, from ``Campaign.external_ids`` of the brand."""
    out = {}
    for pk, ids in Campaign.objects.filter(brand_id=brand_id).exclude(external_ids=[]).values_list("pk", "external_ids"):
        for external_id in ids or []:
            out[str(external_id)] = pk
    return out


def _upsert_objects(account: AdAccount, rows: list[ReportRow]) -> dict[tuple[str, str], ExternalObject]:
    """Create or refresh the external objects of ``rows`` and map them: by hand (kept), else a campaign by
    ``Campaign.external_ids``, an ad group / ad through its parent; a video by the platform's video id."""
    by_campaign_id = _campaign_map(account.brand_id)
    seen: dict[tuple[str, str], ReportRow] = {}
    for row in rows:
        seen[(row.level, row.external_id)] = row
    existing = {(o.level, o.external_id): o for o in ExternalObject.objects.filter(ad_account=account)}
    video_ids = {r.external_video_id for r in seen.values() if r.external_video_id}
    videos = {}
    if video_ids:
        videos = dict(Video.objects.filter(brand_id=account.brand_id, external_id__in=video_ids,
                                           platform__code=VIDEO_PLATFORM_CODE[account.ad_platform])
                      .values_list("external_id", "pk"))
    to_create, to_update = [], []
    for key, row in seen.items():
        obj = existing.get(key)
        if obj is None:
            obj = ExternalObject(ad_account=account, level=row.level, external_id=row.external_id)
            existing[key] = obj
            to_create.append(obj)
        else:
            to_update.append(obj)
        obj.name = (row.name or obj.name)[:300]
        obj.parent_external_id = row.parent_external_id or obj.parent_external_id
        if row.external_video_id:
            obj.external_video_id = row.external_video_id
            obj.video_id = videos.get(row.external_video_id, obj.video_id)
    # Campaign mapping, top-down so an ad group inherits its campaign's and an ad its ad group's.
    for level in (ReportLevel.CAMPAIGN, ReportLevel.ADGROUP, ReportLevel.AD):
        for (obj_level, external_id), obj in existing.items():
            if obj_level != level or obj.mapped_by_hand:
                continue
            if level == ReportLevel.CAMPAIGN:
                obj.campaign_id = by_campaign_id.get(external_id, obj.campaign_id)
            else:
                parent_level = ReportLevel.CAMPAIGN if level == ReportLevel.ADGROUP else ReportLevel.ADGROUP
                parent = existing.get((parent_level, obj.parent_external_id))
                campaign_id = parent.campaign_id if parent is not None else None
                if campaign_id is None and level == ReportLevel.ADGROUP:  # an export without campaign rows
                    campaign_id = by_campaign_id.get(obj.parent_external_id)
                if campaign_id:
                    obj.campaign_id = campaign_id
                    if obj not in to_create and obj not in to_update:
                        to_update.append(obj)
    ExternalObject.objects.bulk_create(to_create)
    if to_update:
        ExternalObject.objects.bulk_update(to_update, ["name", "parent_external_id", "external_video_id", "video", "campaign"])
    return existing


def write_day(*, account: AdAccount, stat_date: date, rows: Iterable[ReportRow], fetched_at: datetime | None = None,
              levels: Iterable[str] = tuple(ReportLevel.values)) -> DayWrite:
    """Replace one account day (the given levels) with ``rows`` and the platform spend it implies, atomically.

    Every row must be of ``stat_date``. Campaign-level spend of mapped campaigns becomes ``CampaignSpend``
    (source platform, this account) on the brand's reporting day.
    """
    rows = list(rows)
    levels = list(levels)
    if any(r.stat_date != stat_date for r in rows):
        raise ValueError("write_day got a row of another day")
    brand = account.brand
    report_date = report_date_for(stat_date=stat_date, account_zone=account.time_zone, brand_zone=brand.reporting_timezone)
    fetched_at = fetched_at or timezone.now()
    out = DayWrite()
    with transaction.atomic():
        objects = _upsert_objects(account, rows)
        PlatformDailyStat.objects.filter(ad_account=account, stat_date=stat_date, level__in=levels).delete()
        stats = []
        for row in rows:
            obj = objects[(row.level, row.external_id)]
            metrics = {k: row.metrics.get(k) for k in (*METRIC_FIELDS, "spend", "avg_play_time_s")}
            stats.append(PlatformDailyStat(ad_account=account, level=row.level, external_id=row.external_id,
                                           stat_date=stat_date, report_date=report_date, campaign_id=obj.campaign_id,
                                           raw=row.raw, fetched_at=fetched_at, **metrics))
        PlatformDailyStat.objects.bulk_create(stats)
        out.stats, out.objects = len(stats), len(rows)
        if ReportLevel.CAMPAIGN in levels:
            out.spend_rows = _write_platform_spend(account, [report_date])
    return out


def _write_platform_spend(account: AdAccount, report_dates: Iterable[date]) -> int:
    """Replace the account's platform ``CampaignSpend`` of ``report_dates`` with the sums of its stored
    campaign-level rows mapped to a campaign. Returns the number of spend rows written."""
    report_dates = sorted(set(report_dates))
    sums = (PlatformDailyStat.objects
            .filter(ad_account=account, level=ReportLevel.CAMPAIGN, report_date__in=report_dates,
                    campaign__isnull=False, spend__isnull=False)
            .values("campaign_id", "report_date").annotate(amount=Sum("spend")).order_by("report_date", "campaign_id"))
    CampaignSpend.objects.filter(source=SpendSource.PLATFORM, ad_account=account, date__in=report_dates).delete()
    rows = CampaignSpend.objects.bulk_create([
        CampaignSpend(campaign_id=s["campaign_id"], date=s["report_date"], amount=s["amount"],
                      currency=account.currency, source=SpendSource.PLATFORM, ad_account=account)
        for s in sums
    ])
    return len(rows)


def apply_mapping(*, external_object: ExternalObject) -> int:
    """After a hand mapping: the object's stored rows, and those of the ad groups / ads below it that inherit
    its campaign, move to the new campaign, and the platform spend of their days follows. Returns the number
    of stat rows moved. Runs in the caller's transaction (or its own)."""
    account = external_object.ad_account
    with transaction.atomic():
        moved = [external_object]
        below = {ReportLevel.CAMPAIGN: ReportLevel.ADGROUP, ReportLevel.ADGROUP: ReportLevel.AD}
        parents, level = [external_object], external_object.level
        while level in below:
            children = list(ExternalObject.objects.filter(
                ad_account=account, level=below[level], mapped_by_hand=False,
                parent_external_id__in=[p.external_id for p in parents]))
            for child in children:
                child.campaign_id = external_object.campaign_id
            ExternalObject.objects.bulk_update(children, ["campaign"])
            moved += children
            parents, level = children, below[level]
        count = 0
        for obj in moved:
            count += PlatformDailyStat.objects.filter(ad_account=account, level=obj.level, external_id=obj.external_id
                                                      ).update(campaign_id=obj.campaign_id)
        report_dates = PlatformDailyStat.objects.filter(
            ad_account=account, level=ReportLevel.CAMPAIGN,
            external_id__in=[o.external_id for o in moved if o.level == ReportLevel.CAMPAIGN],
        ).values_list("report_date", flat=True).distinct()
        _write_platform_spend(account, list(report_dates))
    return count


# --- Sync ---------------------------------------------------------------------------------


class SyncRefused(Exception):
    """The account cannot be synced as it is (currency, missing credentials, paused)."""


@dataclass
class SyncResult:
    days_synced: list[str] = field(default_factory=list)
    failed_days: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows_written: int = 0
    spend_rows: int = 0
    requests: int = 0
    rate_limit_retries: int = 0
    token_refreshes: int = 0

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def connector_for(account: AdAccount, **kwargs) -> Connector:
    def store(credentials: dict) -> None:
        account.credentials = credentials
        AdAccount.objects.filter(pk=account.pk).update(credentials_encrypted=account.credentials_encrypted,
                                                       updated_at=timezone.now())

    return CONNECTORS[account.ad_platform](credentials=account.credentials, advertiser_id=account.advertiser_id,
                                           on_token_refresh=store, **kwargs)


def sync_account(*, account_id: int, date_from: date, date_to: date, days: list[date] | None = None,
                 connector: Connector | None = None, progress: Callable[[int, int, date], None] | None = None
                 ) -> SyncResult:
    """Fetch every level of every day from ``date_from`` to ``date_to`` (account zone; or only ``days``)
    and write each day.

    Days are independent: a day whose fetch fails is reported in ``failed_days`` (and retried later by the
    task) while the others are written. Raises ``SyncRefused`` before any request when the account cannot
    be synced. ``progress(done, total, day)`` is called after each day.
    """
    account = AdAccount.objects.select_related("brand").get(pk=account_id)
    if account.currency.upper() != account.brand.currency.upper():
        raise SyncRefused(_("The account's currency (%(account)s) differs from the brand's (%(brand)s); "
                            "accounts in another currency are not supported yet.")
                          % {"account": account.currency, "brand": account.brand.currency})
    if account.status == AdAccountStatus.PAUSED:
        raise SyncRefused(_("The account is paused."))
    if not account.credentials.get("access_token"):
        raise SyncRefused(_("The account has no access token: add its credentials first."))
    if date_to < date_from:
        raise SyncRefused(_("The end day is before the start day."))
    connector = connector or connector_for(account)
    result = SyncResult()
    days = sorted(days) if days else days_between(date_from, date_to)
    for index, day in enumerate(days, start=1):
        try:
            rows = []
            for level in ReportLevel.values:
                rows.extend(r for r in connector.fetch(level=level, date_from=day, date_to=day) if r.stat_date == day)
            written = write_day(account=account, stat_date=day, rows=rows)
        except ConnectorError as exc:
            # The message is the platform's (never a credential); the code tells rate limit from auth.
            result.failed_days.append(day.isoformat())
            result.errors.append(f"{day.isoformat()}: {type(exc).__name__} {exc.code}: {exc}"[:300])
            logger.warning("ad platform day failed", extra={"ad_account": account.pk, "day": day.isoformat(),
                                                            "code": exc.code, "error": type(exc).__name__})
        except Exception as exc:  # network errors (requests), bad rows: the day fails, the others go on
            result.failed_days.append(day.isoformat())
            result.errors.append(f"{day.isoformat()}: {type(exc).__name__}"[:300])
            logger.warning("ad platform day failed", extra={"ad_account": account.pk, "day": day.isoformat(),
                                                            "error": type(exc).__name__})
        else:
            result.days_synced.append(day.isoformat())
            result.rows_written += written.stats
            result.spend_rows += written.spend_rows
        if progress is not None:
            progress(index, len(days), day)
    result.requests = connector.stats.requests
    result.rate_limit_retries = connector.stats.rate_limit_retries
    result.token_refreshes = connector.stats.token_refreshes
    auth_failed = any("TokenExpired" in e for e in result.errors) and not result.days_synced
    AdAccount.objects.filter(pk=account.pk).update(
        last_synced_at=timezone.now() if result.days_synced else account.last_synced_at,
        last_sync_error="; ".join(result.errors)[:2000],
        status=AdAccountStatus.AUTH_FAILED if auth_failed else account.status,
    )
    return result


def sync_job_create(*, principal: Principal, account_id, date_from: date | None = None, date_to: date | None = None):
    """A queued sync ``Job`` for one account (brand editors), sent after commit. Defaults: yesterday and today."""
    from adplatforms import tasks

    account = get_for_role(AdAccount.objects, principal=principal, pk=account_id, field="id", min_role=Role.EDITOR)
    date_to = date_to or account_today(account)
    date_from = date_from or (date_to - timedelta(days=1))
    errors = Collector()
    if date_to < date_from:
        errors.add("date_to", ErrorCode.END_BEFORE_START, _("The end day is before the start day."))
    elif (date_to - date_from).days > 92:
        errors.add("date_from", ErrorCode.LIMIT_EXCEEDED, _("Sync at most 93 days at a time."))
    errors.raise_if_any()
    with transaction.atomic():
        return tasks.enqueue_sync(account=account, days=days_between(date_from, date_to), created_by=principal.user)


__all__ = ["ServiceValidationError", "SyncRefused", "SyncResult", "ad_account_create", "ad_account_delete",
           "ad_account_update", "full_clean_or_raise", "report_date_for", "sync_account", "sync_job_create", "write_day"]

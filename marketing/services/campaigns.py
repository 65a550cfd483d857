"""Campaigns: create, update, the status lifecycle and daily spend."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from marketing.auth import Principal
from marketing.models import (
    CAMPAIGN_TRANSITIONS,
    Brand,
    Campaign,
    CampaignObjective,
    CampaignSpend,
    CampaignStatus,
    ModerationStatus,
    Role,
    SpendSource,
    Video,
)
from marketing.review import content_review
from marketing.services.access import get_for_role
from marketing.services.errors import Collector, ErrorCode, ServiceValidationError, full_clean_or_raise

_UNSET = object()


def _money(errors: Collector, field: str, value) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors.add(field, ErrorCode.INVALID, "Not a number.")
        return None
    if not amount.is_finite():
        errors.add(field, ErrorCode.INVALID, "Not a finite number.")
        return None
    if amount < 0:
        errors.add(field, ErrorCode.NEGATIVE, "Must not be negative.")
    return amount


def _check_videos(errors: Collector, brand_id: int, video_ids) -> list[Video] | None:
    """Videos attached to a campaign must be the same brand's and approved for promotion."""
    if video_ids is _UNSET or video_ids is None:
        return None
    try:
        ids = sorted({int(v) for v in video_ids})
    except (TypeError, ValueError):
        errors.add("video_ids", ErrorCode.INVALID, "Video ids must be integers.")
        return None
    # Another brand's video is reported exactly like a missing one: no existence oracle.
    videos = list(Video.objects.filter(pk__in=ids, brand_id=brand_id))
    found = {v.pk for v in videos}
    missing = [i for i in ids if i not in found]
    if missing:
        errors.add(
            "video_ids", ErrorCode.NOT_FOUND,
            f"No video of this brand with id {', '.join(map(str, missing))}; only the brand's own videos can be attached.",
        )
    unapproved = [v.pk for v in videos if v.moderation_status != ModerationStatus.APPROVED]
    if unapproved:
        errors.add(
            "video_ids", ErrorCode.NOT_APPROVED,
            f"Only approved videos can be promoted; not approved: {', '.join(map(str, unapproved))}.",
        )
    return videos


def _check_common(errors: Collector, *, objective, starts_at, ends_at, currency) -> None:
    if objective is not _UNSET and objective not in CampaignObjective.values:
        errors.add("objective", ErrorCode.INVALID_CHOICE,
                   f"Objective must be one of {', '.join(CampaignObjective.values)}.")
    if starts_at is not _UNSET and starts_at is None:
        errors.add("starts_at", ErrorCode.REQUIRED, "A campaign needs a start.")
    if (starts_at not in (_UNSET, None)) and (ends_at not in (_UNSET, None)) and ends_at <= starts_at:
        errors.add("ends_at", ErrorCode.END_BEFORE_START, "The end must be after the start.")
    if currency is not _UNSET and not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        errors.add("currency", ErrorCode.INVALID, "Currency must be a 3-letter ISO 4217 code.")


def campaign_create(
    *, principal: Principal, brand_id, name: str, objective: str, starts_at: datetime, ends_at: datetime | None = None,
    budget_lifetime=None, budget_daily=None, currency: str | None = None, video_ids: list | None = None,
) -> Campaign:
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand", min_role=Role.EDITOR)
    errors = Collector()
    if not (name or "").strip():
        errors.add("name", ErrorCode.REQUIRED, "A campaign needs a name.")
    currency = currency or brand.currency
    _check_common(errors, objective=objective, starts_at=starts_at, ends_at=ends_at, currency=currency)
    lifetime = _money(errors, "budget_lifetime", budget_lifetime)
    daily = _money(errors, "budget_daily", budget_daily)
    videos = _check_videos(errors, brand.pk, video_ids)
    errors.raise_if_any()
    campaign = Campaign(
        brand=brand, name=name.strip(), objective=objective, starts_at=starts_at, ends_at=ends_at,
        budget_lifetime=lifetime, budget_daily=daily, currency=currency.upper(),
    )
    full_clean_or_raise(campaign)
    with transaction.atomic():
        campaign.save()
        if videos:
            campaign.videos.set(videos)
    return campaign


def campaign_update(
    *, principal: Principal, campaign_id, name=_UNSET, objective=_UNSET, starts_at=_UNSET, ends_at=_UNSET,
    budget_lifetime=_UNSET, budget_daily=_UNSET, currency=_UNSET, video_ids=_UNSET,
) -> Campaign:
    campaign = get_for_role(Campaign.objects, principal=principal, pk=campaign_id, field="id", min_role=Role.EDITOR)
    errors = Collector()
    if name is not _UNSET and not (name or "").strip():
        errors.add("name", ErrorCode.REQUIRED, "A campaign needs a name.")
    effective_start = campaign.starts_at if starts_at is _UNSET else starts_at
    effective_end = campaign.ends_at if ends_at is _UNSET else ends_at
    _check_common(errors, objective=objective, starts_at=effective_start, ends_at=effective_end, currency=currency)
    changes = {"name": name, "objective": objective, "starts_at": starts_at, "ends_at": ends_at}
    if budget_lifetime is not _UNSET:
        changes["budget_lifetime"] = _money(errors, "budget_lifetime", budget_lifetime)
    if budget_daily is not _UNSET:
        changes["budget_daily"] = _money(errors, "budget_daily", budget_daily)
    if currency is not _UNSET and not errors.has("currency"):
        changes["currency"] = currency.upper()
    videos = _check_videos(errors, campaign.brand_id, video_ids)
    errors.raise_if_any()
    for attr, value in changes.items():
        if value is not _UNSET:
            setattr(campaign, attr, value.strip() if attr == "name" else value)
    full_clean_or_raise(campaign)
    with transaction.atomic():
        campaign.save()
        if videos is not None:
            campaign.videos.set(videos)
    return campaign


def campaign_transition(*, principal: Principal, campaign_id, to: str) -> Campaign:
    """Move a campaign along its lifecycle; the allowed moves are ``CAMPAIGN_TRANSITIONS``."""
    campaign = get_for_role(Campaign.objects, principal=principal, pk=campaign_id, field="id", min_role=Role.EDITOR)
    if to not in CampaignStatus.values:
        raise ServiceValidationError.single(
            "status", ErrorCode.INVALID_CHOICE, f"Status must be one of {', '.join(CampaignStatus.values)}."
        )
    with transaction.atomic():
        # Lock the row so two concurrent transitions cannot both pass the check.
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if to not in CAMPAIGN_TRANSITIONS[CampaignStatus(campaign.status)]:
            allowed = ", ".join(sorted(CAMPAIGN_TRANSITIONS[CampaignStatus(campaign.status)])) or "none"
            raise ServiceValidationError.single(
                "status", ErrorCode.FORBIDDEN_TRANSITION,
                f"A {campaign.status} campaign cannot become {to} (allowed: {allowed}).",
            )
        if to == CampaignStatus.ACTIVE and not campaign.videos.exists():
            raise ServiceValidationError.single(
                "status", ErrorCode.FORBIDDEN_TRANSITION, "A campaign needs at least one video to go active."
            )
        if to == CampaignStatus.ACTIVE:
            content_review().check_campaign_activation(campaign)
        campaign.status = to
        campaign.status_changed_at = timezone.now()
        campaign.save(update_fields=["status", "status_changed_at", "updated_at"])
    return campaign


def campaign_record_spend(*, principal: Principal, campaign_id, date: date, amount, currency: str | None = None
                          ) -> CampaignSpend:
    """Set the spend of one campaign day (idempotent: recording the same day again replaces it)."""
    campaign = get_for_role(Campaign.objects, principal=principal, pk=campaign_id, field="campaign_id",
                            min_role=Role.EDITOR)
    errors = Collector()
    value = _money(errors, "amount", amount)
    if amount is None:
        errors.add("amount", ErrorCode.REQUIRED, "An amount is required.")
    currency = (currency or campaign.currency).upper()
    if currency != campaign.currency.upper():
        errors.add("currency", ErrorCode.INVALID, f"Spend must be in the campaign's currency ({campaign.currency}).")
    if date is None:
        errors.add("date", ErrorCode.REQUIRED, "A date is required.")
    errors.raise_if_any()
    with transaction.atomic():
        spend, _ = CampaignSpend.objects.update_or_create(
            campaign=campaign, date=date, source=SpendSource.MANUAL, defaults={"amount": value, "currency": currency}
        )
    return spend

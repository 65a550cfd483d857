"""Brands, memberships and API tokens."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from marketing.auth import Principal
from marketing.models import ApiToken, Brand, Membership, Role, hash_token
from marketing.services.access import get_for_role
from marketing.services.errors import Collector, ErrorCode, ServiceValidationError, full_clean_or_raise

_UNSET = object()


def _check_brand_fields(errors: Collector, *, name, slug, reporting_timezone, currency, exclude_pk=None) -> None:
    if name is not _UNSET and not (name or "").strip():
        errors.add("name", ErrorCode.REQUIRED, "A brand needs a name.")
    if reporting_timezone is not _UNSET and reporting_timezone not in zoneinfo.available_timezones():
        errors.add("reporting_timezone", ErrorCode.INVALID_CHOICE, f"Unknown time zone {reporting_timezone!r}.")
    if currency is not _UNSET and not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        errors.add("currency", ErrorCode.INVALID, "Currency must be a 3-letter ISO 4217 code.")
    if slug is not _UNSET and slug and Brand.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        errors.add("slug", ErrorCode.DUPLICATE, f"The slug {slug!r} is taken.")


def brand_create(
    *, principal: Principal, name: str, slug: str | None = None, reporting_timezone: str = "Asia/Shanghai",
    currency: str = "CNY",
) -> Brand:
    """Create a brand; the signed-in user who creates it becomes its admin. Tokens cannot."""
    if principal.user is None or principal.token is not None:
        raise ServiceValidationError.single(
            "brand", ErrorCode.PERMISSION_DENIED, "Only signed-in users can create brands."
        )
    slug = slug or slugify(name or "")[:80]
    errors = Collector()
    _check_brand_fields(errors, name=name, slug=slug, reporting_timezone=reporting_timezone, currency=currency)
    errors.raise_if_any()
    brand = Brand(name=name.strip(), slug=slug, reporting_timezone=reporting_timezone, currency=currency.upper())
    full_clean_or_raise(brand)
    try:
        with transaction.atomic():
            brand.save()
            Membership.objects.create(user=principal.user, brand=brand, role=Role.ADMIN)
    except IntegrityError:
        raise ServiceValidationError.single("slug", ErrorCode.DUPLICATE, f"The slug {slug!r} is taken.") from None
    return brand


def brand_update(
    *, principal: Principal, brand_id, name=_UNSET, slug=_UNSET, reporting_timezone=_UNSET, currency=_UNSET
) -> Brand:
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="id", min_role=Role.ADMIN)
    errors = Collector()
    _check_brand_fields(
        errors, name=name, slug=slug, reporting_timezone=reporting_timezone, currency=currency, exclude_pk=brand.pk
    )
    errors.raise_if_any()
    for attr, value in {"name": name, "slug": slug, "reporting_timezone": reporting_timezone}.items():
        if value is not _UNSET:
            setattr(brand, attr, value.strip() if attr == "name" else value)
    if currency is not _UNSET:
        brand.currency = currency.upper()
    full_clean_or_raise(brand)
    with transaction.atomic():
        brand.save()
    return brand


def api_token_create(
    *, principal: Principal, brand_id, name: str, role: str = Role.VIEWER, expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token for a brand. Returns the row and the raw token, which is shown only once.

    Only a signed-in person (a brand admin) issues tokens: a token cannot mint tokens, so a leaked one
    cannot outlive its revocation through children. ``expires_in_days``: 1..API_TOKEN_MAX_DAYS,
    default API_TOKEN_DEFAULT_DAYS.
    """
    if principal.token is not None or principal.actor is None:
        raise ServiceValidationError.single(
            "token", ErrorCode.PERMISSION_DENIED, _("Only a signed-in person can issue API tokens, not a token."))
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand", min_role=Role.ADMIN)
    errors = Collector()
    days = settings.API_TOKEN_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors.add("expires_in_days", ErrorCode.OUT_OF_RANGE,
                   _("A token lives 1 to %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS})
    if role not in Role.values:
        errors.add("role", ErrorCode.INVALID_CHOICE, f"Role must be one of {', '.join(Role.values)}.")
    if not (name or "").strip():
        errors.add("name", ErrorCode.REQUIRED, "A token needs a name.")
    errors.raise_if_any()
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(
        brand=brand, name=name.strip(), role=role, prefix=raw[:12], token_hash=hash_token(raw),
        created_by=principal.actor, expires_at=timezone.now() + timedelta(days=days),
    )
    return token, raw


def api_token_revoke(*, principal: Principal, token_id) -> ApiToken:
    token = get_for_role(ApiToken.objects, principal=principal, pk=token_id, field="token", min_role=Role.ADMIN)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token

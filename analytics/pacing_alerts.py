"""Pacing alerts: raised when a campaign leaves on-track pacing or spends its daily budget early.

``evaluate`` (the beat task, every 15 minutes) computes every active budgeted campaign's pacing
(analytics.pacing) and stores one ``PacingAlert`` per condition, campaign and brand day: the unique
constraint makes a second evaluation of the same day a no-op, so an alert is raised once a day.
``deliver`` sends a stored alert by e-mail and to the brand's webhook (``AlertEndpoint``), each
channel once: the webhook through the report webhooks' SSRF guard (analytics.webhooks) and signed
like them (analytics.webhook_signing).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext

from analytics import pacing, webhook_signing, webhooks
from analytics.models import AlertEndpoint, PacingAlert, PacingCondition

logger = logging.getLogger(__name__)


def conditions_of(result: pacing.Pacing) -> list[str]:
    """The alert conditions a pacing result is in (none when on track and not capped early)."""
    found = []
    if result.status == pacing.PacingStatus.UNDER_PACING:
        found.append(PacingCondition.UNDER_PACING)
    elif result.status == pacing.PacingStatus.OVER_PACING:
        found.append(PacingCondition.OVER_PACING)
    if result.daily_cap_hit_early:
        found.append(PacingCondition.DAILY_CAP_EARLY)
    return found


def _create(campaign, result: pacing.Pacing, condition: str) -> PacingAlert | None:
    expected = result.expected_lifetime if result.expected_lifetime is not None else result.expected_daily
    try:
        with transaction.atomic():
            return PacingAlert.objects.create(
                brand_id=campaign.brand_id, campaign=campaign, condition=condition, day=result.day,
                spend_to_date=result.spend_to_date, expected_spend=expected, spend_today=result.spend_today,
                budget_daily=result.budget_daily, pacing_ratio=result.ratio, projected_spend=result.projected_spend,
                currency=result.currency)
    except IntegrityError:  # already raised today (this run raced another, or ran before)
        return None


def evaluate(*, now: datetime | None = None, brand=None) -> list[int]:
    """Raise today's new alerts of every active campaign with a budget; returns the new alerts' ids."""
    now = now or timezone.now()
    created = []
    for campaign in pacing.pacing_campaigns(brand=brand):
        result = pacing.campaign_pacing(campaign, now=now)
        if result is None:
            continue
        existing = set(PacingAlert.objects.filter(campaign=campaign, day=result.day)
                       .values_list("condition", flat=True))
        for condition in conditions_of(result):
            if condition in existing:
                continue
            alert = _create(campaign, result, condition)
            if alert is not None:
                created.append(alert.pk)
    return created


def alert_json(alert: PacingAlert) -> dict:
    plain = lambda value: None if value is None else str(value)  # noqa: E731
    return {
        "type": "pacing_alert", "id": alert.pk, "brand": alert.brand.slug, "campaign": alert.campaign.name,
        "campaign_id": alert.campaign_id, "condition": alert.condition, "day": str(alert.day),
        "spend_to_date": plain(alert.spend_to_date), "expected_spend": plain(alert.expected_spend),
        "spend_today": plain(alert.spend_today), "budget_daily": plain(alert.budget_daily),
        "pacing_ratio": plain(alert.pacing_ratio), "projected_spend": plain(alert.projected_spend),
        "currency": alert.currency,
    }


def alert_text(alert: PacingAlert) -> str:
    """The alert in one sentence, in the active language."""
    values = {"campaign": alert.campaign.name, "day": alert.day, "spend": alert.spend_to_date,
              "expected": alert.expected_spend if alert.expected_spend is not None else "–",
              "today": alert.spend_today, "daily": alert.budget_daily, "currency": alert.currency,
              "hour": settings.PACING_DAILY_CAP_HOUR}
    if alert.condition == PacingCondition.DAILY_CAP_EARLY:
        return gettext("%(campaign)s spent its daily budget of %(daily)s %(currency)s (%(today)s %(currency)s) "
                       "before %(hour)s:00 on %(day)s.") % values
    if alert.condition == PacingCondition.UNDER_PACING:
        return gettext("%(campaign)s is under-pacing on %(day)s: %(spend)s %(currency)s spent, %(expected)s "
                       "%(currency)s expected by now.") % values
    return gettext("%(campaign)s is over-pacing on %(day)s: %(spend)s %(currency)s spent, %(expected)s "
                   "%(currency)s expected by now.") % values


def _send_email(alert: PacingAlert, endpoint: AlertEndpoint) -> None:
    with translation.override(endpoint.language):
        subject = gettext("[Reelboard] Pacing alert: %(campaign)s") % {"campaign": alert.campaign.name}
        send_mail(subject, alert_text(alert), settings.DEFAULT_FROM_EMAIL, endpoint.recipient_list)


def _post_webhook(alert: PacingAlert, endpoint: AlertEndpoint) -> None:
    body = json.dumps(alert_json(alert)).encode()
    headers = webhook_signing.signature_headers(secret=webhook_signing.secret_for(endpoint), body=body,
                                                delivery=f"pacing-alert-{alert.pk}")
    webhooks.post_json(endpoint.webhook_url, body, headers=headers)


def _deliver_channel(alert_id: int, endpoint: AlertEndpoint, sent_field: str, send) -> None:
    """Send one channel under a row lock, recording it in the same transaction: exactly once."""
    with transaction.atomic():
        alert = PacingAlert.objects.select_for_update().select_related("brand", "campaign").get(pk=alert_id)
        if getattr(alert, sent_field) is not None:
            return
        send(alert, endpoint)
        setattr(alert, sent_field, timezone.now())
        alert.save(update_fields=[sent_field])


def deliver(*, alert_id: int) -> PacingAlert:
    """Send the alert on every channel of its brand's endpoint not yet delivered.

    Raises on a transient failure (the task retries with backoff); a webhook URL the guard refuses is
    recorded on the alert and not raised: retrying cannot help.
    """
    PacingAlert.objects.filter(pk=alert_id).update(attempts=F("attempts") + 1)
    alert = PacingAlert.objects.get(pk=alert_id)
    endpoint = AlertEndpoint.objects.filter(brand_id=alert.brand_id, is_active=True).first()
    if endpoint is None:
        return alert
    try:
        if endpoint.recipient_list:
            _deliver_channel(alert_id, endpoint, "email_sent_at", _send_email)
        if endpoint.webhook_url:
            _deliver_channel(alert_id, endpoint, "webhook_sent_at", _post_webhook)
    except webhooks.WebhookBlocked as exc:
        PacingAlert.objects.filter(pk=alert_id).update(error=f"Webhook blocked, not retried: {exc}"[:2000])
        logger.warning("pacing alert %s webhook blocked: %s", alert_id, exc)
        return PacingAlert.objects.get(pk=alert_id)
    except Exception as exc:
        PacingAlert.objects.filter(pk=alert_id).update(error=str(exc)[:2000])
        logger.warning("pacing alert %s delivery failed: %s", alert_id, exc)
        raise
    PacingAlert.objects.filter(pk=alert_id).update(error="")
    return PacingAlert.objects.get(pk=alert_id)

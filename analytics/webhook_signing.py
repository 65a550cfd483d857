"""Report webhook signatures: receivers can tell a delivery came from us, unaltered and recent.

Each delivery carries three headers:

- ``X-Reelboard-Timestamp``: Unix seconds when it was signed;
- ``X-Reelboard-Signature``: ``v1=`` + hex HMAC-SHA256(schedule secret, timestamp + "." + body bytes);
- ``X-Reelboard-Delivery``: the report's id (a receiver can drop a delivery it already took).

A receiver recomputes the signature over the raw body, compares in constant time and rejects a
timestamp older than its replay window (5 minutes is the recommended one): ``verify`` below is the
reference, and docs/operator/security-accounts.md has a standalone snippet.

The secret of a schedule is derived, not stored: HMAC-SHA256(REPORT_WEBHOOK_SIGNING_KEY,
"schedule id:salt"), where only the random salt is in the database. A copy of the database alone
cannot sign; rotating (a new salt) replaces the secret; it is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.conf import settings

SIGNATURE_HEADER = "X-Reelboard-Signature"
TIMESTAMP_HEADER = "X-Reelboard-Timestamp"
DELIVERY_HEADER = "X-Reelboard-Delivery"
SCHEME = "v1"
SECRET_PREFIX = "whsec_"
REPLAY_WINDOW_SECONDS = 300  # what the reference verifier accepts; receivers choose their own


def _derive(schedule_id: int, salt: str) -> str:
    key = settings.REPORT_WEBHOOK_SIGNING_KEY.encode()
    return SECRET_PREFIX + hmac.new(key, f"{schedule_id}:{salt}".encode(), hashlib.sha256).hexdigest()


def rotate_secret(schedule) -> str:
    """Give the schedule a new secret and return it (the only time it is shown); the old one stops at once."""
    schedule.webhook_secret_salt = secrets.token_hex(16)
    type(schedule).objects.filter(pk=schedule.pk).update(webhook_secret_salt=schedule.webhook_secret_salt)
    return _derive(schedule.pk, schedule.webhook_secret_salt)


def secret_for(schedule) -> str:
    """The schedule's current secret (one is made for a schedule that has none yet)."""
    if not schedule.webhook_secret_salt:
        return rotate_secret(schedule)
    return _derive(schedule.pk, schedule.webhook_secret_salt)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def signature_headers(*, secret: str, body: bytes, delivery: str, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, body, timestamp),
            DELIVERY_HEADER: delivery}


def verify(*, secret: str, body: bytes, timestamp: str, signature: str, now: float | None = None,
           window: int = REPLAY_WINDOW_SECONDS) -> bool:
    """What a receiver does: a fresh timestamp and a matching signature, compared in constant time."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent) > window:
        return False
    return hmac.compare_digest(sign(secret, body, sent), signature)

"""Encryption at rest of ad-platform credentials (cryptography's Fernet: AES-128-CBC + HMAC-SHA256).

``AD_CREDENTIALS_KEY`` may list several secrets separated by commas: the first encrypts, all decrypt, so a
key can be rotated by prepending the new one and re-saving the accounts (``manage.py rotate`` is not needed:
``AdAccount.save`` always writes with the first key).
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet_key(secret: str) -> bytes:
    # Any secret string becomes a 32-byte Fernet key; a real Fernet key is accepted as it is.
    raw = secret.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(b"reelboard-ad-credentials|" + raw).digest())


def _cipher() -> MultiFernet:
    secrets = [s for s in settings.AD_CREDENTIALS_KEY.split(",") if s.strip()]
    return MultiFernet([Fernet(_fernet_key(s)) for s in secrets])


def encrypt_credentials(credentials: dict) -> str:
    """The credentials dict as a Fernet token (text); an empty dict encrypts too (no plaintext marker)."""
    return _cipher().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


def decrypt_credentials(token: str) -> dict:
    """The credentials dict of a Fernet token; ``{}`` for an empty column. Raises ``InvalidToken`` on a wrong key."""
    if not token:
        return {}
    return json.loads(_cipher().decrypt(token.encode()))


__all__ = ["InvalidToken", "decrypt_credentials", "encrypt_credentials"]

"""Admin sign-in throttling (django-axes): the client address it counts by, and the lockout answer.

Failures are counted per user name AND client address together (``AXES_LOCKOUT_PARAMETERS``), so
someone guessing from elsewhere cannot lock a person out of their own desk; ``AXES_FAILURE_LIMIT``
failures lock that pair for ``AXES_COOLOFF_TIME``, even with the right password.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext

from reelboard.ratelimit import client_address


def axes_client_address(request: HttpRequest) -> str:
    """The client address a failed sign-in is counted against: the one the API rate limits use
    (``reelboard.ratelimit.client_address``: RATELIMIT_TRUSTED_PROXIES decides which address to trust)."""
    return client_address(request)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 with a translated message; says when to retry, not how many tries are left."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = gettext("Too many failed sign-ins for this user name from your address. "
                      "Try again in %(minutes)d minutes, or ask an administrator to unlock it.") % {"minutes": minutes}
    response = HttpResponse(f"<!doctype html><title>{escape(gettext('Sign-in locked'))}</title><p>{escape(message)}</p>",
                            status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response

"""The one privacy threshold for aggregates about people.

A demographic group, a persona, or a persona's figures for one campaign describe people; any of them reaching
fewer than ``settings.PRIVACY_MIN_GROUP_SIZE`` distinct viewers (default 20) is merged or left out, never shown.
"""

from __future__ import annotations

from django.conf import settings


def privacy_min_group_size() -> int:
    """Smallest number of distinct viewers a group of people needs to be shown."""
    return settings.PRIVACY_MIN_GROUP_SIZE

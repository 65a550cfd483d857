"""Scalars the schema parses its own way (``scalar_map`` of the root schema)."""

from __future__ import annotations

import dataclasses
import datetime

from django.utils import timezone
from strawberry.schema.types.base_scalars import TimeDefinition, wrap_parser


def _wall_clock_time(value: str) -> datetime.time:
    """A ``Time`` input as the wall-clock time the ``time`` lookups compare (the current time zone's, i.e.
    settings.TIME_ZONE): "17:00:00Z" and "19:00:00+02:00" are both 17:00 UTC; a time without offset is taken
    as is. (SQLite refuses times with an offset; PostgreSQL would compare them in the session's zone.)"""
    parsed = datetime.time.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed
    moment = datetime.datetime.combine(timezone.localdate(), parsed)
    return timezone.localtime(moment).time()


# The schema's scalar_map entry for ``Time`` (only the time lookups of the DateTime filters take one).
SCALARS = {datetime.time: dataclasses.replace(TimeDefinition, parse_value=wrap_parser(_wall_clock_time, "Time"))}

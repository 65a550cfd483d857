"""Staged rows: a chunk of events column by column, on its way in (:class:`EventColumns`) and out
(:class:`StagedEvents`, the valid events ready for a writer, in a :class:`ValidatedChunk`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from marketing.ingestion.rejects import RowError
from marketing.services.errors import ErrorCode

EVENT_FIELDS = ("event_id", "platform", "viewer_id", "video_external_id", "campaign_id", "kind",
                "watch_ms", "value", "currency", "occurred_at")


@dataclass
class EventColumns:
    """A chunk of events, column by column: ``values[key][i]`` is field ``key`` of event ``i``.

    A missing key means the field is absent from every event. ``problems`` are found before validation
    (the API layer decoding a GlobalID) and reported with the rest; ``unreadable`` events (a CSV line
    with the wrong number of columns, a JSON line that is not an object) get only that one error.
    """

    size: int
    values: dict[str, Sequence] = field(default_factory=dict)
    problems: dict[int, list[tuple[str, ErrorCode, str]]] = field(default_factory=dict)
    unreadable: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_events(cls, events: Sequence, *, not_an_object: str = "Each event must be an object.",
                    unreadable: dict[int, str] | None = None) -> EventColumns:
        """Columns of a list of event dicts; anything else (and ``unreadable``) is an unreadable event."""
        unreadable = dict(unreadable or {})
        unreadable.update({i: not_an_object for i, event in enumerate(events)
                           if not isinstance(event, dict) and i not in unreadable})
        if unreadable:
            events = [{} if i in unreadable else event for i, event in enumerate(events)]
        values = {key: [event.get(key) for event in events] for key in (*EVENT_FIELDS, "video_duration_ms")}
        return cls(size=len(events), values=values, unreadable=unreadable)

    def column(self, key: str) -> Sequence:
        values = self.values.get(key)
        return [None] * self.size if values is None else values


_STAGED_COLUMNS = ("event_id", "platform_id", "viewer_key", "video_id", "video_ext", "campaign_id", "kind",
                   "watch_ms", "value", "currency", "occurred_at")


@dataclass
class StagedEvents:
    """The valid events of one chunk, one list per staging column, ready for a writer.

    ``video_id`` is None for a video that is created by this import (``video_ext`` then names it);
    ``viewer_key`` is the keyed hash of the viewer id; ``occurred_at`` is an aware datetime.
    """

    event_id: list[str]
    platform_id: list[int]
    viewer_key: list[str]
    video_id: list[int | None]
    video_ext: list[str | None]
    campaign_id: list[int | None]
    kind: list[str]
    watch_ms: list[int | None]
    value: list[Decimal | None]
    currency: list[str]
    occurred_at: list[datetime]

    def __len__(self) -> int:
        return len(self.event_id)

    def columns(self) -> tuple[list, ...]:
        return tuple(getattr(self, name) for name in _STAGED_COLUMNS)

    def rows(self) -> list[tuple]:
        """One tuple per event, in the staging column order."""
        return list(zip(*self.columns(), strict=True))

    def take(self, positions: Sequence[int]) -> StagedEvents:
        """The events at ``positions`` (in that order)."""
        return StagedEvents(*([column[i] for i in positions] for column in self.columns()))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> StagedEvents:
        rows = list(rows)
        if not rows:
            return cls(*([] for _ in _STAGED_COLUMNS))
        return cls(*(list(column) for column in zip(*rows, strict=True)))


@dataclass
class ValidatedChunk:
    """Outcome of :meth:`BrandContext.validate_events` for one chunk of events."""

    staged: StagedEvents
    positions: list[int]  # position in the chunk of each staged event
    errors: dict[int, list[RowError]]  # position -> every problem of a rejected event, in field order

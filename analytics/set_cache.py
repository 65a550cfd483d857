"""Viewer sets (with their rows' sums) kept deserialized in the serving process, keyed by the stored row
version that holds them.

A 30-day breakdown by video unions ~1,200 stored sets (~9 MB on a 10M-interaction campaign); fetching
them from PostgreSQL was most of a cold KPI read. Stored sets never change in place: every write of a
``VideoReachBlock`` inserts a new row (``analytics.rollups``), so a row's (id, ``xmin``) names one
content for good and a cached set can never be stale. A read asks the database which rows cover the
period (ids and versions only) and fetches just the sets this process does not hold yet: in steady
state, the blocks of the days that changed since. Bounded by ``KPI_SET_CACHE_MB`` per process (least
recently used sets go first; 0 turns the cache off). Thread-safe (gthread workers share it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable

from django.conf import settings


class SetCache:
    """An LRU of values (a BitMap, or a BitMap with its row's sums) bounded by their serialized size."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._sets: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sets)

    def get_many(self, keys: Iterable[Hashable]) -> dict[Hashable, object]:
        found = {}
        with self._lock:
            for key in keys:
                entry = self._sets.get(key)
                if entry is not None:
                    self._sets.move_to_end(key)
                    found[key] = entry[0]
        return found

    def put(self, key: Hashable, value: object, size: int) -> None:
        """Keep ``value`` (``size`` bytes serialized) unless it alone exceeds the bound."""
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._sets.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._sets[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, evicted) = self._sets.popitem(last=False)
                self.bytes -= evicted

    def clear(self) -> None:
        with self._lock:
            self._sets.clear()
            self.bytes = 0


_block_sets: SetCache | None = None


def block_sets() -> SetCache | None:
    """The process's cache of ``VideoReachBlock`` sets, or None when ``KPI_SET_CACHE_MB`` is 0."""
    global _block_sets
    max_bytes = settings.KPI_SET_CACHE_MB * 2**20
    if max_bytes <= 0:
        return None
    if _block_sets is None or _block_sets.max_bytes != max_bytes:
        _block_sets = SetCache(max_bytes)
    return _block_sets

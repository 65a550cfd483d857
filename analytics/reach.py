"""Exact reach with compressed bitmaps: sets of viewer ids that union and count fast.

Reach (distinct viewers) is not additive over days, videos or campaigns, so the rollups keep, next
to each row's sums, the *set* of viewers behind it as a Roaring bitmap (``pyroaring``, the format
Druid, Pinot and ClickHouse use). Reach of any date range, video, platform or campaign set is then the
size of a union of stored sets: exact, and without reading per-viewer rows.

Sets are stored serialized (portable Roaring format) in ``bytea`` / BLOB columns. An empty byte
string is the empty set. Viewer ids are 32-bit: a larger id raises ``ValueError`` naming the limit.
Pure functions: nothing here touches Django.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable

from pyroaring import BitMap, FrozenBitMap

MAX_VIEWER_ID = 2**32 - 1
EMPTY = b""


def viewer_set(viewer_ids: Iterable[int]) -> BitMap:
    """A bitmap of viewer ids (ints in 0..2**32-1)."""
    try:
        return BitMap(viewer_ids)
    except OverflowError as exc:
        raise ValueError(f"viewer ids must be at most {MAX_VIEWER_ID} to be counted in reach bitmaps") from exc


def dump(viewers: BitMap) -> bytes:
    """Serialize a set for storage (run-length containers where they are smaller)."""
    if not viewers:
        return EMPTY
    viewers.run_optimize()
    return viewers.serialize()


def load(blob: bytes | memoryview | None) -> BitMap:
    """The set stored in ``blob`` (``None`` and ``b""`` are the empty set)."""
    if not blob:
        return BitMap()
    return BitMap.deserialize(bytes(blob))


def load_frozen(blob: bytes | memoryview | None) -> FrozenBitMap:
    """The stored set as an immutable bitmap: what a cache may share between requests and threads."""
    return FrozenBitMap.deserialize(bytes(blob)) if blob else FrozenBitMap()


def union(blobs: Iterable[bytes | memoryview | None]) -> BitMap:
    """Union of stored sets."""
    sets = [load(blob) for blob in blobs if blob]
    if not sets:
        return BitMap()
    return BitMap.union(*sets) if len(sets) > 1 else sets[0]


def reach(blobs: Iterable[bytes | memoryview | None]) -> int:
    """Number of distinct viewers in the union of stored sets."""
    return len(union(blobs))


def reach_by(rows: Iterable[tuple[Hashable, bytes | memoryview | None]]) -> dict[Hashable, int]:
    """``{key: distinct viewers}`` over ``(key, blob)`` rows: one union per key."""
    grouped: dict[Hashable, list] = defaultdict(list)
    for key, blob in rows:
        grouped[key].append(blob)
    return {key: reach(blobs) for key, blobs in grouped.items()}


def union_size(sets: list[BitMap] | list[FrozenBitMap]) -> int:
    """Number of distinct viewers in the union of already loaded sets (none: 0)."""
    if len(sets) > 2:
        return len(sets[0].union(*sets[1:]))
    if len(sets) == 2:  # no union materialised
        return sets[0].union_cardinality(sets[1])
    return len(sets[0]) if sets else 0


def members(blob: bytes | memoryview | None) -> list[int]:
    """The viewer ids of a stored set, ascending (for tests and exports)."""
    return list(load(blob))

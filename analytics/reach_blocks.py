"""Day blocks for per-video reach: dyadic ranges of days whose viewer sets are stored pre-unioned.

Reach of one video over a date range is the size of the union of its daily viewer sets. A 30-day
breakdown by video read 30 sets per video (9,000 for 300 videos). The rollups also keep, per video,
the union over *blocks* of 2, 4, 8, ... 2**MAX_LEVEL days, aligned on the proleptic Gregorian
ordinal (``date.toordinal()``): a block of level ``l`` starts on a day whose ordinal is a multiple of
``2**l``. Any range of days is a disjoint union of at most about ``2 * MAX_LEVEL`` such blocks
(plus one per extra ``2**MAX_LEVEL`` days), so a read unions a handful of sets per video instead of one
per day. Level 0 is the day itself.

A block above level 0 can be *stale*: the delta path after ingest changes only the day sets (level 0)
and marks the blocks above them stale; a later rebuild unions them again. :func:`cover` never uses a
stale block (it descends to its halves), so a read is exact at any moment. A *sparse* block has no rows
(most of its videos appear in one half only, ``rollups.SPARSE_SHARE``): readers pass it to :func:`cover`
with the stale ones.

Pure functions: nothing here touches Django.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta

MAX_LEVEL = 6  # blocks of up to 64 days

Block = tuple[int, date]  # (level, first day)


def span(level: int) -> int:
    """Number of days in a block of ``level``."""
    return 1 << level


def block_start(day: date, level: int) -> date:
    """First day of the ``level`` block that contains ``day``."""
    ordinal = day.toordinal()
    return date.fromordinal(ordinal - ordinal % span(level))


def block_end(block: Block) -> date:
    """Last day of a block (inclusive)."""
    level, start = block
    return start + timedelta(days=span(level) - 1)


def blocks_above(day: date) -> list[Block]:
    """The blocks of levels 1..MAX_LEVEL that contain ``day`` (the ones a change to the day makes stale)."""
    return [(level, block_start(day, level)) for level in range(1, MAX_LEVEL + 1)]


def children(block: Block) -> tuple[Block, Block]:
    """The two halves of a block above level 0."""
    level, start = block
    if level < 1:
        raise ValueError("a day (level 0) has no halves")
    return (level - 1, start), (level - 1, start + timedelta(days=span(level - 1)))


def cover(first: date, last: date, stale: Collection[Block] = ()) -> list[Block]:
    """The fewest aligned blocks, none of them stale, whose days are exactly ``first``..``last``.

    Greedy from the left: at each day take the largest aligned block that fits in the range and is
    not stale (a day itself, level 0, is never stale). Blocks are returned in day order.
    """
    if last < first:
        raise ValueError("last is before first")
    out: list[Block] = []
    ordinal, end = first.toordinal(), last.toordinal()
    while ordinal <= end:
        level = MAX_LEVEL
        while level > 0 and (ordinal % span(level) or ordinal + span(level) - 1 > end
                             or (level, date.fromordinal(ordinal)) in stale):
            level -= 1
        out.append((level, date.fromordinal(ordinal)))
        ordinal += span(level)
    return out


def overlapping(first: date, last: date) -> list[Block]:
    """Every block above level 0 that shares a day with ``first``..``last`` (levels ascending)."""
    out: list[Block] = []
    for level in range(1, MAX_LEVEL + 1):
        start = block_start(first, level)
        while start <= last:
            out.append((level, start))
            start += timedelta(days=span(level))
    return out


def stale_after_days(days: Iterable[date]) -> set[Block]:
    """The blocks made stale by a change to any of ``days``."""
    return {block for day in days for block in blocks_above(day)}

"""Writing validated rows set-based: never one model object per row.

PostgreSQL: each chunk of rows is rendered as one block of COPY text (on the caller's thread, column by
column), streamed with ``COPY`` into a TEMP staging table, then missing videos and viewers are created, the
chunk's event keys inserted (``InteractionEventKey``: idempotency across the partitions) and the
interactions of the new keys inserted with single ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` statements
(optionally on a worker thread, overlapping the validation of the next chunk: the worker only waits on the
database, so it never competes with validation for the GIL). SQLite (embedded mode): each chunk is written
with batched ``executemany`` inserts that skip known keys. SQLite's ``INSERT OR IGNORE`` would also swallow CHECK and NOT NULL failures and count them
as duplicates, so the SQLite path names the conflict target (``ON CONFLICT (...) DO NOTHING``) as the
PostgreSQL path does: only a known key is skipped, anything else raises.
Both run inside the caller's transaction, so a failed import leaves nothing behind; so do the receivers of
``marketing.signals.interactions_stored``, which each chunk sends with the ids it inserted (analytics records
its rollup work there).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

from marketing.ingestion.staged import StagedEvents
from marketing.models import ModerationStatus
from marketing.signals import interactions_stored

STAGING = "ingest_staging"
INSERTED = "ingest_inserted"  # per chunk: ids of the interactions it inserted, for ``interactions_stored``
EVENT_KEYS = "marketing_interactioneventkey"  # marketing.models.InteractionEventKey: one per (brand, event ID)
VIEWER_SPANS = "ingest_viewer_span"  # per chunk and viewer: first/last occurred_at (a multi-chunk import)
NULL = "\\N"  # COPY text format
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass
class WriteOutcome:
    inserted: int = 0
    start: datetime | None = None  # earliest / latest occurred_at of the inserted interactions
    end: datetime | None = None
    videos_created: int = 0


def _as_staged(rows: StagedEvents | Sequence[tuple]) -> StagedEvents:
    return rows if isinstance(rows, StagedEvents) else StagedEvents.from_rows(rows)


@dataclass(frozen=True)
class CopyChunk:
    """One chunk rendered for ``COPY ... FROM STDIN`` (text format): what the writer thread sends."""

    data: bytes
    rows: int
    needs_video_ids: bool  # some rows name a video created by this import, whose id the database knows
    has_repeated_events: bool = False  # an event ID appears twice in the chunk

    def __len__(self) -> int:
        return self.rows

    @classmethod
    def render(cls, chunk: StagedEvents, *, slice_rows: int = 10_000) -> CopyChunk:
        """The staging table's columns as COPY text, built column by column (no per-row Python call).

        Rendered ``slice_rows`` at a time: the per-column strings of a slice are freed once it is
        encoded, so the chunk's peak memory is its staged values plus the bytes, not 11 strings a row.
        """
        if not len(chunk):
            return cls(b"", 0, False)
        platform_text = {p: str(p) for p in set(chunk.platform_id)}
        blocks = []
        for start in range(0, len(chunk), slice_rows):
            part = slice(start, start + slice_rows)
            columns = (
                _texts(chunk.event_id[part]), [platform_text[p] for p in chunk.platform_id[part]],
                chunk.viewer_key[part], _ints(chunk.video_id[part]), _texts(chunk.video_ext[part]),
                _ints(chunk.campaign_id[part]), chunk.kind[part], _ints(chunk.watch_ms[part]),
                [NULL if v is None else f"{v:f}" for v in chunk.value[part]], chunk.currency[part],
                [moment.isoformat() for moment in chunk.occurred_at[part]],
            )
            blocks.append(("\n".join(map("\t".join, zip(*columns, strict=True))) + "\n").encode())
        return cls(b"".join(blocks), len(chunk), None in chunk.video_id,
                   len(set(chunk.event_id)) < len(chunk))


def _ints(values: list[int | None]) -> list[str]:
    return [NULL if v is None else str(v) for v in values]


def _texts(values: list[str | None]) -> list[str]:
    """Free text for COPY: NULL marker, and backslash, tab and line breaks escaped (only if present)."""
    present = [v for v in values if v is not None]
    joined = "".join(present)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return [NULL if v is None else v.translate(_COPY_ESCAPES) for v in values]
    if len(present) == len(values):
        return values
    return [NULL if v is None else v for v in values]


_foreign_keys_by_database: dict[str, str] = {}


def _ingest_foreign_keys(cursor) -> str:
    """The deferrable foreign keys of the tables ingest writes (interactions, viewers), quoted (looked up once)."""
    database = connection.settings_dict["NAME"]
    if database not in _foreign_keys_by_database:
        cursor.execute(
            """SELECT quote_ident(conname) FROM pg_constraint
               WHERE conrelid IN ('marketing_interaction'::regclass, 'marketing_viewer'::regclass)
                 AND contype = 'f' AND condeferrable
               ORDER BY conname"""
        )
        _foreign_keys_by_database[database] = ", ".join(name for (name,) in cursor.fetchall())
    return _foreign_keys_by_database[database]


# Creates the viewers of ``source`` (platform_id, viewer_key, first_seen_at, last_seen_at), in key order
# (keys are hex: byte order, which sorts without the locale's collation, is the order for every writer).
_VIEWER_UPSERT = """
    INSERT INTO marketing_viewer (brand_id, platform_id, viewer_key, gender, age_band, region,
                                  first_seen_at, last_seen_at)
    SELECT %(brand)s, platform_id, viewer_key, '', '', '', first_seen_at, last_seen_at
    FROM ({source}) AS source ORDER BY platform_id, viewer_key COLLATE "C"
    ON CONFLICT (brand_id, platform_id, viewer_key) {on_conflict}"""
# ... and widens the first/last seen of the known ones (only those whose span grows are rewritten).
_WIDEN_SEEN = """DO UPDATE SET
        first_seen_at = LEAST(marketing_viewer.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = GREATEST(marketing_viewer.last_seen_at, EXCLUDED.last_seen_at)
    WHERE marketing_viewer.first_seen_at IS NULL OR marketing_viewer.last_seen_at IS NULL
       OR marketing_viewer.first_seen_at > EXCLUDED.first_seen_at
       OR marketing_viewer.last_seen_at < EXCLUDED.last_seen_at"""


class PostgresWriter:
    """Per chunk: COPY into the staging table, create missing videos and viewers, insert the interactions.

    With ``background=True`` (the file importer) each chunk is written by one worker thread on the same
    connection while the caller validates the next chunk, so Python and the database work at the same
    time; at most one chunk is in flight, so memory stays bounded. The caller calls ``wait_idle`` before
    any other use of the connection until ``finish``/``close`` (psycopg would serialise the statements
    on the connection's lock anyway; waiting keeps the order of statements independent of that detail).

    In background mode the interaction and viewer tables' deferred foreign keys are switched to IMMEDIATE
    for the writer's lifetime, so they are checked inside each chunk's INSERT (overlapping validation)
    instead of all at COMMIT (about half of the database's time per row); ``finish`` defers them again.
    A single-chunk write has nothing to overlap: its keys are checked at COMMIT, as Django defers them.

    Viewers' first/last seen: a single-chunk write (an API batch) widens them in its viewer upsert. In
    background mode (a file, many chunks) each chunk only creates the unknown viewers and appends its
    per-viewer spans to a TEMP table; ``finish`` widens each viewer once from their union. Widening per
    chunk rewrote every returning viewer's row (and its 4 index entries) in every chunk of a time-ordered
    file. Background mode also gives the transaction 64 MB of work_mem for these aggregates and hashes
    (at the default 4 MB they spilled to disk).
    """

    def __init__(self, *, brand_id: int, approve_created: bool = False, background: bool = False) -> None:
        self.brand_id = brand_id
        self.approve_created = approve_created
        self.outcome = WriteOutcome()
        self._cursor = connection.cursor().cursor  # the psycopg cursor under Django's wrapper
        # Kept for the connection's lifetime (emptied before each chunk): creating and dropping a TEMP
        # table writes the catalogs, a few ms per API batch.
        self._cursor.execute(
            f"""CREATE TEMP TABLE IF NOT EXISTS {STAGING} (
                event_id varchar(64) NOT NULL, platform_id bigint NOT NULL, viewer_key varchar(64) NOT NULL,
                video_id bigint, video_ext varchar(128), campaign_id bigint, kind varchar(16) NOT NULL,
                watch_ms integer, value numeric(14, 2), currency varchar(3) NOT NULL,
                occurred_at timestamptz NOT NULL
            );
            CREATE TEMP TABLE IF NOT EXISTS {INSERTED} (id bigint NOT NULL)"""
        )
        self._deferred_spans = background
        if self._deferred_spans:
            self._cursor.execute(
                f"""CREATE TEMP TABLE IF NOT EXISTS {VIEWER_SPANS} (
                    platform_id bigint NOT NULL, viewer_key varchar(64) NOT NULL,
                    first_seen_at timestamptz NOT NULL, last_seen_at timestamptz NOT NULL
                ) ON COMMIT DROP;
                TRUNCATE {VIEWER_SPANS};
                SET LOCAL work_mem = '64MB'"""
            )
        self._foreign_keys = _ingest_foreign_keys(self._cursor) if background else ""
        if self._foreign_keys:
            self._cursor.execute(f"SET CONSTRAINTS {self._foreign_keys} IMMEDIATE")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") if background else None
        self._pending: Future | None = None

    def stage(self, rows: StagedEvents | Sequence[tuple], videos_to_create: dict[tuple[int, str], int]) -> None:
        """Write one chunk of validated rows (and the videos they need that do not exist yet)."""
        if not len(rows) and not videos_to_create:
            return
        chunk = CopyChunk.render(_as_staged(rows))  # here, on the caller's thread: the worker only does I/O
        if self._executor is None:
            self._write_chunk(chunk, videos_to_create)
            return
        self._wait()  # one chunk in flight; re-raises the worker's error here
        self._pending = self._executor.submit(self._write_chunk, chunk, videos_to_create)

    def finish(self) -> WriteOutcome:
        self._wait()
        self.close()
        if self._deferred_spans:
            # One row per chunk and viewer (~800k for 1M rows and 100k viewers): at the default work_mem
            # (4 MB) the GROUP BY sorted on disk, 2.4 s of the statement; in memory it takes 0.6 s.
            self._cursor.execute(_VIEWER_UPSERT.format(
                source=f"""SELECT platform_id, viewer_key, min(first_seen_at) AS first_seen_at,
                                  max(last_seen_at) AS last_seen_at
                           FROM {VIEWER_SPANS} GROUP BY platform_id, viewer_key""",
                on_conflict=_WIDEN_SEEN), {"brand": self.brand_id})
            self._cursor.execute("SET LOCAL work_mem TO DEFAULT")
        if self._foreign_keys:
            self._cursor.execute(f"SET CONSTRAINTS {self._foreign_keys} DEFERRED")  # Django's default again
        return self.outcome

    def close(self) -> None:
        """Wait for the worker, ignoring its error (the caller is already failing and rolls back)."""
        if self._executor is not None:
            if self._pending is not None:
                self._pending.exception()
                self._pending = None
            self._executor.shutdown(wait=True)
            self._executor = None

    def wait_idle(self) -> None:
        """Block until the chunk in flight is written (re-raising its error): the connection is free."""
        self._wait()

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def _write_chunk(self, rows: CopyChunk, videos_to_create: dict[tuple[int, str], int]) -> None:
        # Runs (with the methods it calls) on the worker thread in background mode: touch only self._cursor,
        # never Django's connection.
        cur, now, outcome = self._cursor, timezone.now(), self.outcome
        if videos_to_create:
            outcome.videos_created += self._create_videos(videos_to_create, now)
        if not rows:
            return
        self._copy_to_staging(rows, videos_to_create)
        self._upsert_viewers()
        if rows.has_repeated_events:
            # One row per event ID, the first of the chunk (as a unique key on the interactions kept it).
            cur.execute(f"DELETE FROM {STAGING} a USING {STAGING} b WHERE a.event_id = b.event_id AND a.ctid > b.ctid")
        self._insert_new_events(now)

    def _copy_to_staging(self, rows: CopyChunk, videos_to_create: dict[tuple[int, str], int]) -> None:
        """The chunk into the (emptied) staging table, with the ids of the videos created by this import."""
        cur = self._cursor
        cur.execute(f"TRUNCATE {STAGING}, {INSERTED}")
        with cur.copy(
            f"COPY {STAGING} (event_id, platform_id, viewer_key, video_id, video_ext, campaign_id, kind, "
            "watch_ms, value, currency, occurred_at) FROM STDIN"
        ) as copy:
            copy.write(rows.data)
        # The planner needs the row count and the join/group keys' statistics, from a small sample
        # (statistics target 10: 3,000 rows): a full ANALYZE took as long as the COPY.
        cur.execute(f"""SET LOCAL default_statistics_target = 10;
                        ANALYZE {STAGING} (platform_id, viewer_key, video_ext);
                        SET LOCAL default_statistics_target TO DEFAULT""")
        if videos_to_create or rows.needs_video_ids:
            # Rows of videos created by this or an earlier chunk learn their ids (an equi-join the planner
            # hashes; a LEFT JOIN in the INSERT of _insert_new_events was planned as a nested loop).
            cur.execute(
                f"""UPDATE {STAGING} s SET video_id = nv.id FROM marketing_video nv
                    WHERE s.video_id IS NULL AND nv.brand_id = %(brand)s AND nv.platform_id = s.platform_id
                      AND nv.external_id = s.video_ext""",
                {"brand": self.brand_id},
            )

    def _upsert_viewers(self) -> None:
        """Viewers are discovered by ingest: create the staged unknown ones, widen first/last seen of known
        ones (now, or at finish: see the class docstring)."""
        cur = self._cursor
        # ORDER BY: concurrent API batches (one chunk each) lock the viewers they share in the same order,
        # so they wait for each other instead of deadlocking.
        chunk_spans = (f"SELECT platform_id, viewer_key, min(occurred_at) AS first_seen_at, max(occurred_at) "
                       f"AS last_seen_at FROM {STAGING} GROUP BY platform_id, viewer_key")
        if self._deferred_spans:
            # Only the viewers not stored yet are sorted and inserted (ON CONFLICT still settles races).
            cur.execute(
                f"WITH spans AS ({chunk_spans}), logged AS (INSERT INTO {VIEWER_SPANS} SELECT * FROM spans)"
                + _VIEWER_UPSERT.format(source="""SELECT * FROM spans WHERE NOT EXISTS (
                    SELECT 1 FROM marketing_viewer v WHERE v.brand_id = %(brand)s
                      AND v.platform_id = spans.platform_id AND v.viewer_key = spans.viewer_key)""",
                                        on_conflict="DO NOTHING"),
                {"brand": self.brand_id},
            )
        else:
            cur.execute(_VIEWER_UPSERT.format(source=chunk_spans, on_conflict=_WIDEN_SEEN), {"brand": self.brand_id})

    def _insert_new_events(self, now: datetime) -> None:
        """The staged events whose event ID is new, stored and announced (``interactions_stored``)."""
        cur, outcome = self._cursor, self.outcome
        # Idempotency: the chunk's event keys first (InteractionEventKey), in byte order like the viewers, so
        # concurrent batches sharing events wait for each other instead of deadlocking (lock order: viewers,
        # keys, interactions); only the events whose key is new are inserted. The interactions' own
        # ON CONFLICT only matters on a table not yet partitioned (its old unique key, no keys backfilled).
        cur.execute(
            f"""WITH new_keys AS (
                    INSERT INTO {EVENT_KEYS} (brand_id, event_id)
                    SELECT %(brand)s, event_id FROM {STAGING} ORDER BY event_id COLLATE "C"
                    ON CONFLICT DO NOTHING
                    RETURNING event_id),
                inserted AS (
                    INSERT INTO marketing_interaction (brand_id, event_id, viewer_id, video_id, campaign_id, kind,
                                                       watch_ms, value, currency, occurred_at, ingested_at)
                    SELECT %(brand)s, s.event_id, v.id, s.video_id, s.campaign_id, s.kind,
                           s.watch_ms, s.value, s.currency, s.occurred_at, %(now)s
                    FROM {STAGING} s
                    JOIN new_keys k ON k.event_id = s.event_id
                    JOIN marketing_viewer v
                      ON v.brand_id = %(brand)s AND v.platform_id = s.platform_id AND v.viewer_key = s.viewer_key
                    ON CONFLICT DO NOTHING
                    RETURNING id, occurred_at),
                noted AS (  -- exactly these rows, for the receivers of interactions_stored
                    INSERT INTO {INSERTED} (id) SELECT id FROM inserted)
                SELECT count(*), min(occurred_at), max(occurred_at) FROM inserted""",
            {"brand": self.brand_id, "now": now},
        )
        inserted, start, end = cur.fetchone()
        if inserted:
            # In this transaction: the apps above record their work for exactly these rows (analytics: the
            # rollup delta), committed with them.
            interactions_stored.send(sender=PostgresWriter, brand_id=self.brand_id, cursor=cur, inserted=INSERTED,
                                     ingested_at=now)
            outcome.inserted += inserted
            outcome.start = start if outcome.start is None else min(outcome.start, start)
            outcome.end = end if outcome.end is None else max(outcome.end, end)

    def _create_videos(self, videos: dict[tuple[int, str], int], now: datetime) -> int:
        status = ModerationStatus.APPROVED if self.approve_created else ModerationStatus.PENDING
        moderated_at = now if self.approve_created else None
        params = [
            (self.brand_id, platform_id, ext, f"Imported video {ext}", duration, status, moderated_at, now, now)
            for (platform_id, ext), duration in videos.items()
        ]
        created = 0
        for start in range(0, len(params), 10_000):
            self._cursor.executemany(
                """INSERT INTO marketing_video (brand_id, platform_id, external_id, title, description, category,
                       duration_ms, moderation_status, moderation_reason, moderated_at, created_at, updated_at)
                   VALUES (%s, %s, %s, %s, '', '', %s, %s, '', %s, %s, %s)
                   ON CONFLICT (brand_id, platform_id, external_id) DO NOTHING""",
                params[start:start + 10_000],
            )
            created += max(self._cursor.rowcount, 0)
        return created


class SQLiteWriter:
    """Embedded mode: per chunk, upsert videos and viewers, then insert the interactions skipping known ids."""

    def __init__(self, *, brand_id: int, approve_created: bool = False) -> None:
        self.brand_id = brand_id
        self.approve_created = approve_created
        self.outcome = WriteOutcome()
        self._video_ids: dict[tuple[int, str], int] = {}
        self._cursor = connection.cursor()
        self._adapt = connection.ops.adapt_datetimefield_value

    def stage(self, rows: StagedEvents | Sequence[tuple], videos_to_create: dict[tuple[int, str], int]) -> None:
        cur, now = self._cursor, timezone.now()
        if videos_to_create:
            self._create_videos(videos_to_create, now)
        if not len(rows):
            return
        rows = _as_staged(rows).rows()
        adapt = self._adapt
        viewer_ids = self._upsert_viewers(rows)
        now_db = adapt(now)
        params = [
            (self.brand_id, r[0], viewer_ids[(r[1], r[2])],
             r[3] if r[3] is not None else self._video_ids[(r[1], r[4])], r[5], r[6], r[7],
             None if r[8] is None else str(r[8]), r[9], adapt(r[10]), now_db)
            for r in rows
        ]
        # The event keys as on PostgreSQL (SQLite's interactions keep their own unique key, which decides).
        cur.executemany(f"INSERT INTO {EVENT_KEYS} (brand_id, event_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                        [(self.brand_id, r[0]) for r in rows])
        cur.executemany(
            """INSERT INTO marketing_interaction (brand_id, event_id, viewer_id, video_id, campaign_id,
                   kind, watch_ms, value, currency, occurred_at, ingested_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (brand_id, event_id) DO NOTHING""",
            params,
        )
        inserted = max(cur.rowcount, 0)
        self.outcome.inserted += inserted
        if inserted:
            self._record_pending([r[0] for r in rows], now_db)
            # SQLite cannot RETURNING from executemany: the window covers every row of the chunk (a
            # superset of the inserted ones), which is harmless for an idempotent rollup refresh.
            lo, hi = min(r[10] for r in rows), max(r[10] for r in rows)
            self.outcome.start = lo if self.outcome.start is None else min(self.outcome.start, lo)
            self.outcome.end = hi if self.outcome.end is None else max(self.outcome.end, hi)

    def _upsert_viewers(self, rows: list[tuple]) -> dict[tuple[int, str], int]:
        """Create the chunk's unknown viewers, widen the first/last seen of known ones; return every id."""
        cur, adapt = self._cursor, self._adapt
        seen: dict[tuple[int, str], list] = {}
        for row in rows:
            key = (row[1], row[2])
            span = seen.get(key)
            if span is None:
                seen[key] = [row[10], row[10]]
            elif row[10] < span[0]:
                span[0] = row[10]
            elif row[10] > span[1]:
                span[1] = row[10]
        cur.executemany(
            """INSERT INTO marketing_viewer (brand_id, platform_id, viewer_key, gender, age_band, region,
                                             first_seen_at, last_seen_at)
               VALUES (%s, %s, %s, '', '', '', %s, %s)
               ON CONFLICT (brand_id, platform_id, viewer_key) DO UPDATE SET
                   first_seen_at = min(coalesce(first_seen_at, excluded.first_seen_at), excluded.first_seen_at),
                   last_seen_at = max(coalesce(last_seen_at, excluded.last_seen_at), excluded.last_seen_at)""",
            [(self.brand_id, p, k, adapt(lo), adapt(hi)) for (p, k), (lo, hi) in seen.items()],
        )
        viewer_ids: dict[tuple[int, str], int] = {}
        keys = list(seen)
        for start in range(0, len(keys), 500):
            batch = keys[start:start + 500]
            cur.execute(
                "SELECT platform_id, viewer_key, id FROM marketing_viewer WHERE brand_id = %s AND viewer_key IN ("
                + ",".join(["%s"] * len(batch)) + ")",
                [self.brand_id, *(k for _, k in batch)],
            )
            for platform_id, key, pk in cur.fetchall():
                viewer_ids[(platform_id, key)] = pk
        return viewer_ids

    def _record_pending(self, event_ids: list[str], ingested_at) -> None:
        """Tell the apps above about the interactions this chunk inserted (those of its event ids stamped
        now: a known event id was skipped and keeps its earlier ``ingested_at``)."""
        cur = self._cursor
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {INSERTED} (id integer NOT NULL)")
        cur.execute(f"DELETE FROM {INSERTED}")
        for start in range(0, len(event_ids), 500):
            batch = event_ids[start:start + 500]
            cur.execute(
                f"INSERT INTO {INSERTED} (id) SELECT id FROM marketing_interaction "
                "WHERE brand_id = %s AND ingested_at = %s AND event_id IN (" + ",".join(["%s"] * len(batch)) + ")",
                [self.brand_id, ingested_at, *batch],
            )
        interactions_stored.send(sender=SQLiteWriter, brand_id=self.brand_id, cursor=cur, inserted=INSERTED,
                                 ingested_at=ingested_at)

    def _create_videos(self, videos: dict[tuple[int, str], int], now: datetime) -> None:
        status = ModerationStatus.APPROVED if self.approve_created else ModerationStatus.PENDING
        adapt = self._adapt
        moderated_at = adapt(now) if self.approve_created else None
        self._cursor.executemany(
            """INSERT INTO marketing_video (brand_id, platform_id, external_id, title, description,
                   category, duration_ms, moderation_status, moderation_reason, moderated_at, created_at, updated_at)
               VALUES (%s, %s, %s, %s, '', '', %s, %s, '', %s, %s, %s)
               ON CONFLICT (brand_id, platform_id, external_id) DO NOTHING""",
            [(self.brand_id, p, ext, f"Imported video {ext}", d, status, moderated_at, adapt(now), adapt(now))
             for (p, ext), d in videos.items()],
        )
        self.outcome.videos_created += max(self._cursor.rowcount, 0)
        by_platform: dict[int, list[str]] = {}
        for p, ext in videos:
            by_platform.setdefault(p, []).append(ext)
        for p, externals in by_platform.items():
            for start in range(0, len(externals), 500):
                batch = externals[start:start + 500]
                self._cursor.execute(
                    "SELECT external_id, id FROM marketing_video WHERE brand_id = %s AND platform_id = %s "
                    "AND external_id IN (" + ",".join(["%s"] * len(batch)) + ")",
                    [self.brand_id, p, *batch],
                )
                for ext, pk in self._cursor.fetchall():
                    self._video_ids[(p, ext)] = pk

    def finish(self) -> WriteOutcome:
        return self.outcome

    def wait_idle(self) -> None:
        """Nothing runs in the background on SQLite."""

    def close(self) -> None:
        """Nothing runs in the background on SQLite."""


def make_writer(*, brand_id: int, approve_created: bool = False, background: bool = False):
    """The writer for the current database; ``background`` overlaps writing with validation (PostgreSQL)."""
    if connection.vendor == "postgresql":
        return PostgresWriter(brand_id=brand_id, approve_created=approve_created, background=background)
    return SQLiteWriter(brand_id=brand_id, approve_created=approve_created)

"""Monthly partitions of the interactions table on PostgreSQL (SQLite, the embedded default, has none).

``marketing_interaction`` is ``PARTITION BY RANGE (occurred_at)``: one partition per calendar month (UTC)
named ``marketing_interaction_pYYYY_MM`` and a default partition, ``marketing_interaction_default``, that
catches rows outside every month created so far, so no event is ever refused or dropped for its time.

Why: every index of one big table grows with the table, and once they outgrow memory each ingested row
costs random reads (the 1 GB import ran at 0.43 of the 1M-row rate). A month's partition has its own,
small indexes, and the month being written stays in memory whatever the history. Old months are dropped
whole (``drop_partition``), with no DELETE and no vacuum debt.

Per partition (declared on the parent, so every partition gets them):

* primary key ``(id, occurred_at)``: a unique key of a partitioned table must include the partition
  column; ids come from one identity sequence, so ``id`` stays unique and the pending-rollup lookups
  (``id = ANY(...)``) probe it;
* the composite btrees the reads need: ``(brand_id, occurred_at)`` (rollup rebuilds, personas,
  recommendations training: one brand's time range), ``(viewer_id, occurred_at)`` (erasure, export,
  persona features), ``(video_id, occurred_at)`` and ``(campaign_id, occurred_at)`` (the cascades of
  deleting a video or campaign, which would otherwise scan every partition);
* BRIN on ``occurred_at`` (a few pages per month): time-range scans across brands (retention, the
  nightly recompute, conversion checks). Rows arrive roughly in time order, so the block ranges are tight.

Idempotency, one event ID per brand, lives in ``marketing.InteractionEventKey`` (see its docstring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

TABLE = "marketing_interaction"
DEFAULT_PARTITION = f"{TABLE}_default"
_PARTITION_NAME = re.compile(rf"^{TABLE}_p(\d{{4}})_(\d{{2}})$")

# Storage parameters of every month partition (partitioned parents take none). Interactions are
# append-only: autovacuum has no dead rows to remove, but the visibility map must be set for index-only
# scans and the freeze done before wraparound; insert-triggered vacuums (PostgreSQL 13+) do both. These
# start them after 5% of a partition's rows instead of 20%, so the freeze of a month is spread out rather
# than one long anti-wraparound vacuum, and analyze after 2% so the month being filled has statistics.
PARTITION_STORAGE = {
    "autovacuum_vacuum_insert_scale_factor": "0.05",
    "autovacuum_vacuum_insert_threshold": "100000",
    "autovacuum_analyze_scale_factor": "0.02",
    "autovacuum_analyze_threshold": "10000",
    "autovacuum_freeze_min_age": "1000000",
}


def is_supported() -> bool:
    return connection.vendor == "postgresql"


def is_partitioned(table: str = TABLE) -> bool:
    """Whether ``table`` is a partitioned table (False on SQLite and for a plain PostgreSQL table)."""
    if not is_supported():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return bool(row and row[0])


def month_start(moment: date | datetime) -> date:
    return date(moment.year, moment.month, 1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date, table: str = TABLE) -> str:
    return f"{table}_p{month.year:04d}_{month.month:02d}"


def _utc(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime | None  # None: the default partition
    end: datetime | None
    rows_estimate: int


def partitions(table: str = TABLE) -> list[Partition]:
    """The partitions of ``table``, month partitions by start, the default partition last."""
    if not is_partitioned(table):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), greatest(c.reltuples, 0)::bigint
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = to_regclass(%s)""",
            [table],
        )
        rows = cursor.fetchall()
    found = []
    for name, bound, estimate in rows:
        if bound == "DEFAULT":
            found.append(Partition(name, None, None, estimate))
            continue
        start, end = re.findall(r"'([^']+)'", bound)
        found.append(Partition(name, _timestamp(start), _timestamp(end), estimate))
    return sorted(found, key=lambda p: (p.start is None, p.start or datetime.min.replace(tzinfo=UTC)))


def _timestamp(text: str) -> datetime:
    # pg_get_expr renders bounds in the session's time zone, e.g. '2026-12-01 00:00:00+00'
    if re.search(r"[+-]\d{2}$", text):
        text += ":00"
    return datetime.fromisoformat(text)


def create_month_partition(month: date, table: str = TABLE) -> bool:
    """Create the partition of ``month`` (UTC) if missing; returns whether it was created.

    Rows of that month already caught by the default partition are moved into the new partition in the
    same transaction (a partition cannot be attached while the default holds rows of its range).
    """
    name = partition_name(month, table)
    start, end = _utc(month), _utc(add_months(month, 1))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        storage = ", ".join(f"{key} = {value}" for key, value in PARTITION_STORAGE.items())
        cursor.execute(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
                       f"WITH ({storage})")
        default = f"{table}_default"
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [default])
        if cursor.fetchone()[0]:
            # The lock stops new rows of the month landing in the default while they are moved.
            cursor.execute(f'LOCK TABLE "{default}" IN SHARE ROW EXCLUSIVE MODE')
            cursor.execute(
                f'WITH moved AS (DELETE FROM "{default}" WHERE occurred_at >= %s AND occurred_at < %s RETURNING *) '
                f'INSERT INTO "{name}" SELECT * FROM moved',
                [start, end],
            )
        cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)',
                       [start, end])
    return True


def ensure_partitions(*, ahead: int | None = None, now: datetime | None = None, table: str = TABLE) -> list[str]:
    """Create the partitions of the current month and ``ahead`` months after it (the beat task).

    ``ahead`` defaults to ``settings.INTERACTION_PARTITIONS_AHEAD_MONTHS``. Returns the names created; a
    no-op on SQLite or while the table is not partitioned yet (``manage.py partition_interactions``).
    """
    if not is_partitioned(table):
        return []
    ahead = settings.INTERACTION_PARTITIONS_AHEAD_MONTHS if ahead is None else ahead
    first = month_start(now or timezone.now().astimezone(UTC))
    created = []
    for offset in range(ahead + 1):
        month = add_months(first, offset)
        if create_month_partition(month, table):
            created.append(partition_name(month, table))
    return created


def droppable_partitions(before: datetime, table: str = TABLE) -> list[str]:
    """Month partitions whose every row occurred before ``before`` (their end <= ``before``), oldest first.

    For the retention task: such a partition can be dropped whole once every brand's horizon covers it.
    The default partition is never listed. Empty on SQLite and on an unpartitioned table.
    """
    if timezone.is_naive(before):
        raise ValueError("before must be an aware datetime")
    return [p.name for p in partitions(table) if p.end is not None and p.end <= before]


def drop_partition(name: str, table: str = TABLE) -> None:
    """Detach and drop one month partition of ``table`` (its rows go in one catalog operation, no DELETE).

    Refuses anything that is not a month partition of ``table`` (the default partition included).
    The event keys of its rows stay in ``InteractionEventKey``: a late redelivery is not stored again.
    """
    if not _PARTITION_NAME.match(name.replace(table, TABLE, 1)) or name not in {
            p.name for p in partitions(table) if p.start is not None}:
        raise ValueError(f"{name!r} is not a month partition of {table}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
        cursor.execute(f'DROP TABLE "{name}"')


# --- Building the partitioned table and converting an existing one -----------------------------------

# name (as Django's model state knows it) -> definition; declared on the parent, so each partition gets one.
INDEXES = {
    "interaction_brand_time_idx": "(brand_id, occurred_at)",
    "interaction_campaign_time_idx": "(campaign_id, occurred_at)",
    "interaction_video_time_idx": "(video_id, occurred_at)",
    "interaction_viewer_time_idx": "(viewer_id, occurred_at)",
    "interaction_time_brin": "USING brin (occurred_at)",
}
CONVERTED = f"{TABLE}_partitioned"  # the table being filled by ``partition_interactions``
UNPARTITIONED = f"{TABLE}_unpartitioned"  # the old table, kept after the swap until dropped


def _index_name(name: str, table: str) -> str:
    """The final name of an index of ``table`` (Django's names for the real table)."""
    return name if table == TABLE else f"{table}_{name}"[:63]


def create_partitioned_table(*, target: str, like: str, months: list[date], final: str) -> None:
    """Create ``target`` partitioned by month with ``like``'s columns, checks, foreign keys and identity.

    Its indexes are named for ``final`` (the name it will have) plus ``_new`` when ``target != final``,
    renamed by ``swap_tables``. Creates the default partition and one partition per month in ``months``.
    """
    suffix = "" if target == final else "_new"
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE "{target}" (LIKE "{like}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) '
            "PARTITION BY RANGE (occurred_at)")
        cursor.execute(f'ALTER TABLE "{target}" ADD CONSTRAINT "{final}_pkey{suffix}" PRIMARY KEY (id, occurred_at)')
        for name, definition in INDEXES.items():
            cursor.execute(f'CREATE INDEX "{_index_name(name, final)}{suffix}" ON "{target}" {definition}')
        cursor.execute(
            """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE conrelid = to_regclass(%s) AND contype = 'f' ORDER BY conname""", [like])
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{target}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(f'CREATE TABLE "{target}_default" PARTITION OF "{target}" DEFAULT')
    for month in months:
        create_month_partition(month, target)


def replace_empty_table_with_partitioned(*, table: str = TABLE, now: datetime | None = None) -> bool:
    """Migration path of a new database: swap the empty plain table for a partitioned one (instant).

    Returns False (and changes nothing) when the table holds rows: an existing installation converts with
    ``manage.py partition_interactions``, in batches, instead of inside a migration.
    """
    if not is_supported() or is_partitioned(table):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
        if cursor.fetchone()[0]:
            return False
        cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_empty"')
        _rename_indexes_of(cursor, f"{table}_empty", "_empty")
        first = month_start(now or timezone.now().astimezone(UTC))
        months = [add_months(first, k) for k in range(settings.INTERACTION_PARTITIONS_AHEAD_MONTHS + 1)]
        create_partitioned_table(target=table, like=f"{table}_empty", months=months, final=table)
        cursor.execute(f'DROP TABLE "{table}_empty"')
    return True


def _rename_indexes_of(cursor, table: str, suffix: str) -> None:
    cursor.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = to_regclass(%s)", [table])
    for (name,) in cursor.fetchall():
        bare = name.strip('"')
        cursor.execute(f'ALTER INDEX "{bare}" RENAME TO "{(bare + suffix)[:63]}"')


def _mirror_triggers_sql(source: str, target: str) -> str:
    """Every row written to ``source`` from now on is written the same way to ``target``, set-based.

    Statement-level triggers with transition tables (one extra INSERT ... SELECT per ingest statement, not
    per row). Inserts: the batches copy only the rows committed before the triggers existed (creating a
    trigger waits for the writers in flight), so each row arrives by exactly one path, and ``ON CONFLICT
    DO NOTHING`` absorbs any overlap. Deletes (erasure) and updates (a deleted campaign sets its rows'
    campaign to NULL): without these a row copied before the change would come back after the swap.
    """
    same_row = "t.id = o.id AND t.occurred_at = o.occurred_at"
    return f"""
        CREATE OR REPLACE FUNCTION "{target}_mirror_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO "{target}" SELECT * FROM new_rows ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$;
        CREATE OR REPLACE FUNCTION "{target}_mirror_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM "{target}" t USING old_rows o WHERE {same_row};
            RETURN NULL;
        END $$;
        CREATE OR REPLACE FUNCTION "{target}_mirror_update"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM "{target}" t USING old_rows o WHERE {same_row};
            INSERT INTO "{target}" SELECT * FROM new_rows ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$;
        CREATE TRIGGER "{target}_mirror_insert" AFTER INSERT ON "{source}"
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "{target}_mirror_insert"();
        CREATE TRIGGER "{target}_mirror_delete" AFTER DELETE ON "{source}"
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "{target}_mirror_delete"();
        CREATE TRIGGER "{target}_mirror_update" AFTER UPDATE ON "{source}"
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION "{target}_mirror_update"()"""


def _drop_mirror_triggers_sql(source: str, target: str) -> str:
    return "; ".join(f'DROP TRIGGER IF EXISTS "{target}_mirror_{op}" ON "{source}"; '
                     f'DROP FUNCTION IF EXISTS "{target}_mirror_{op}"()' for op in ("insert", "delete", "update"))


@dataclass
class ConversionProgress:
    copied: int  # rows of the source now in the target
    source_rows: int  # estimate (pg_class.reltuples) of the source
    last_id: int  # highest id copied


def prepare_conversion(*, source: str = TABLE, ahead: int | None = None) -> bool:
    """Create the partitioned target (if missing) with partitions for the source's months and ahead.

    Returns False when it already exists (a resumed conversion). Idempotent.
    """
    target = f"{source}_partitioned"
    if is_partitioned(target):
        return False
    ahead = settings.INTERACTION_PARTITIONS_AHEAD_MONTHS if ahead is None else ahead
    with transaction.atomic(), connection.cursor() as cursor:
        # The BRIN-friendly bounds: min/max by the (brand, time) index would be one probe per brand; the
        # plain aggregate reads the table once, which the copy does anyway.
        cursor.execute(f'SELECT min(occurred_at), max(occurred_at) FROM "{source}"')
        low, high = cursor.fetchone()
        first = month_start(timezone.now().astimezone(UTC))
        start = month_start(low.astimezone(UTC)) if low else first
        end = add_months(max(first, month_start(high.astimezone(UTC)) if high else first), ahead)
        months, month = [], start
        while month <= end:
            months.append(month)
            month = add_months(month, 1)
        create_partitioned_table(target=target, like=source, months=months, final=source)
        # Where the batches are: the highest source id copied (one row, updated with each batch).
        cursor.execute(f'CREATE TABLE "{target}_progress" (last_id bigint NOT NULL)')
        cursor.execute(f'INSERT INTO "{target}_progress" VALUES (0)')
        cursor.execute(_mirror_triggers_sql(source, target))
    return True


def copy_batch(*, source: str = TABLE, batch_rows: int = 50_000) -> int:
    """Copy the next ``batch_rows`` rows (by id) of ``source`` into its partitioned target, with their
    event keys, in one transaction; returns how many rows it read (0: nothing left).

    Resumable: the highest id copied is stored with each batch (``<target>_progress``), so a killed run
    continues after its last committed batch; ``ON CONFLICT DO NOTHING`` absorbs rows the triggers wrote.
    """
    target = f"{source}_partitioned"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SELECT last_id FROM "{target}_progress" FOR UPDATE')
        last = cursor.fetchone()[0]
        cursor.execute(
            f"""WITH batch AS MATERIALIZED (
                    SELECT * FROM "{source}" WHERE id > %(last)s ORDER BY id LIMIT %(n)s),
                 rows AS (INSERT INTO "{target}" SELECT * FROM batch ON CONFLICT DO NOTHING),
                 keys AS (INSERT INTO marketing_interactioneventkey (brand_id, event_id)
                          SELECT brand_id, event_id FROM batch ORDER BY brand_id, event_id COLLATE "C"
                          ON CONFLICT DO NOTHING)
                SELECT count(*), max(id) FROM batch""",
            {"last": last, "n": batch_rows},
        )
        copied, high = cursor.fetchone()
        if copied:
            cursor.execute(f'UPDATE "{target}_progress" SET last_id = %s', [high])
        return copied


def conversion_progress(*, source: str = TABLE) -> ConversionProgress:
    target = f"{source}_partitioned"
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT last_id FROM "{target}_progress"')
        last = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{source}" WHERE id <= %s', [last])
        copied = cursor.fetchone()[0]
        cursor.execute("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(%s)", [source])
        estimate = cursor.fetchone()[0]
    return ConversionProgress(copied=copied, source_rows=estimate, last_id=last)


def swap_tables(*, source: str = TABLE, drop_old: bool = False, verify: bool = True) -> None:
    """Copy the last rows under an exclusive lock and swap the partitioned table in, in one transaction.

    The old table is renamed ``<source>_unpartitioned`` (its indexes get ``_old``) and kept for checking
    unless ``drop_old``; the identity continues after the old table's highest id.
    """
    target, old = f"{source}_partitioned", f"{source}_unpartitioned"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{source}" IN ACCESS EXCLUSIVE MODE')
        while copy_batch(source=source, batch_rows=100_000):
            pass
        if verify:  # two full counts under the lock: seconds per 10M rows
            cursor.execute(f'SELECT (SELECT count(*) FROM "{source}"), (SELECT count(*) FROM "{target}")')
            source_rows, target_rows = cursor.fetchone()
            if source_rows != target_rows:
                raise RuntimeError(f"{target} holds {target_rows} rows, {source} {source_rows}: not swapped")
        cursor.execute(_drop_mirror_triggers_sql(source, target))
        cursor.execute(f'DROP TABLE "{target}_progress"')
        cursor.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{source}"')
        next_id = cursor.fetchone()[0]
        cursor.execute(f'ALTER TABLE "{source}" RENAME TO "{old}"')
        _rename_indexes_of(cursor, old, "_old")
        cursor.execute(f'ALTER TABLE "{target}" RENAME TO "{source}"')
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = to_regclass(%s)", [source])
        for (name,) in cursor.fetchall():
            bare = name.strip('"')
            if bare.endswith("_new"):
                cursor.execute(f'ALTER INDEX "{bare}" RENAME TO "{bare[:-4]}"')
        for partition in partitions(source):
            cursor.execute(f'ALTER TABLE "{partition.name}" RENAME TO "{source}{partition.name[len(target):]}"')
        cursor.execute(f'ALTER TABLE "{source}" ALTER COLUMN id RESTART WITH {int(next_id)}')
        if drop_old:
            cursor.execute(f'DROP TABLE "{old}"')

"""SQL helpers of the rollups: set-based writes and raw reads the ORM makes slow or cannot express.

Every helper runs on the caller's connection, inside the caller's transaction; rows are derived data (no
signals, no ``save()`` logic). PostgreSQL gets COPY and pipelined statements, other backends the plain
equivalent, so the rollup code above them is one code path.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Model, QuerySet

from analytics.kpis import ROLLUP_SUMS


def insert_select(model: type[Model], columns: tuple[str, ...], select: QuerySet, suffix: str = "") -> int:
    """``INSERT INTO model (columns) <select>``: set-based, no rows travel through Python.

    ``select`` is a ``values(...).annotate(...)`` queryset; Django emits the ``values()`` columns
    first, then the annotations, in the order given, which ``columns`` must follow.
    """
    compiler = select.query.get_compiler(connection=connection)
    compiler.setup_query()
    selected = tuple(alias for _, _, alias in compiler.select)
    if selected != columns:  # a reordered SELECT would silently write sums into the wrong columns
        raise ValueError(f"INSERT ... SELECT column mismatch: {selected} != {columns}")
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({column_list}) {sql} {suffix}", params)
        return cursor.rowcount


def fetch_rows(rows: QuerySet) -> list[tuple]:
    """The tuples of a ``values_list`` query. On PostgreSQL straight from the cursor: psycopg already returns
    the dates, decimals and arrays the ORM's per-value converters would produce (a third of a second for the
    17,605 (video, day) rows of a 30,000-event backfill)."""
    if connection.vendor != "postgresql":
        return list(rows)
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def upsert_sums(model: type[Model], columns: tuple[str, ...], select: QuerySet, *, targets: tuple[str, str]) -> None:
    """Add the rows of ``select`` to ``model``: insert new keys, add the sums to existing ones.

    ``targets``: the unique keys of rows with a campaign and of rows without one (partial unique indexes).
    """
    table = model._meta.db_table
    added_sums = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in ROLLUP_SUMS)
    for campaign_null, target in ((False, targets[0]), (True, targets[1])):
        condition = "campaign_id IS NULL" if campaign_null else "campaign_id IS NOT NULL"
        insert_select(model, columns, select.filter(campaign__isnull=campaign_null),
                       suffix=f"ON CONFLICT ({target}) WHERE {condition} DO UPDATE SET {added_sums}")


def insert_objects(model: type[Model], objects: list) -> None:
    """Insert new rollup rows: ``COPY ... FROM STDIN`` on PostgreSQL, ``bulk_create`` elsewhere.

    Django's ``bulk_create`` prepares every value in Python and builds one large ``INSERT``: with the sums
    and sets on the block rows, that was a second per 3,600 rows of the delta path (compiling 75,000
    values), where COPY streams the rows as psycopg adapts them. Rows are derived and written inside the
    caller's transaction; no signals or ``save()`` logic exist for them.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=1_000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([getattr(obj, name) for name in names])


def insert_rows(model: type[Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows given as tuples in ``columns`` order: COPY on PostgreSQL, one executemany elsewhere.

    The tuple form of ``insert_objects`` for the paths that write a row per touched (video, day): building a
    model instance per row cost more than the database's work for it.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


def update_rows(model: type[Model], fields: tuple[str, ...], rows: list[tuple]) -> None:
    """``UPDATE ... SET fields WHERE id = %s`` per row (the values of ``fields``, then the id), sent as one
    pipelined executemany.

    (Django's ``bulk_update`` builds a CASE expression per field and row: ~10 s of Python for 1,000
    rollup rows, against milliseconds here.)
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in fields)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)


def decimals(sums: list) -> list:
    """Sums read with a raw cursor, with revenue as a Decimal (SQLite returns its decimals as numbers)."""
    return [*sums[:-1], sums[-1] if isinstance(sums[-1], Decimal) else Decimal(str(sums[-1]))]

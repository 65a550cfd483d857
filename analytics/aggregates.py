"""Database aggregates and lookups the ORM lacks on every backend the product runs on."""

from __future__ import annotations

from django.db.models import Aggregate, IntegerField, Lookup, TextField


class IntegerList(Aggregate):
    """The group's integer values as a Python ``list[int]`` (order unspecified).

    PostgreSQL: ``array_agg`` (psycopg returns a list); SQLite: ``group_concat`` parsed back.
    """

    function = "ARRAY_AGG"
    output_field = TextField()  # overridden by the converter below; no model field holds the result

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)

    def get_db_converters(self, connection):
        return [*super().get_db_converters(connection), self._to_list]

    @staticmethod
    def _to_list(value, expression, connection):
        if value is None:
            return []
        if isinstance(value, str):
            return [int(part) for part in value.split(",")]
        return list(value)


@IntegerField.register_lookup
class AnyOf(Lookup):
    """``field__any=[ids]``: membership in a list of integers, sent as one array parameter on PostgreSQL.

    ``id = ANY(%s)`` instead of ``IN (%s, %s, ...)``: for the ~300 video ids of a breakdown, PostgreSQL
    took three times as long to parse and plan the ``IN`` list (1.7 against 0.55 ms). Other backends get
    ``IN``. Registered on ``IntegerField``, so every integer and auto primary key has it.
    """

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [int(value) for value in self.rhs]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, [int(value) for value in self.rhs]]

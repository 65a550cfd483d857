"""Database aggregates the ORM lacks on every backend the product runs on."""

from __future__ import annotations

from django.db.models import Aggregate, TextField


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

"""A compact list of integers: a ``bigint[]`` column on PostgreSQL, JSON text elsewhere (SQLite in tests).

Served lists store their video ids in order in one row; an array keeps a list of 20 ids in about
180 bytes on PostgreSQL and lets the attribution SQL ``unnest`` it (``json_each`` on SQLite).
"""

from __future__ import annotations

import json

from django.db import models


class IntegerListField(models.Field):
    description = "A list of integers (bigint[] on PostgreSQL, JSON text elsewhere)"

    def db_type(self, connection):
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        values = [int(v) for v in value]
        return values if connection.vendor == "postgresql" else json.dumps(values, separators=(",", ":"))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if isinstance(value, str):
            return json.loads(value)
        return list(value)

    def to_python(self, value):
        if value is None or isinstance(value, list):
            return value
        if isinstance(value, str):
            return json.loads(value)
        return list(value)

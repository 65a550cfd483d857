"""Print the GraphQL schema as SDL into schema.graphql at the repository root (the API's contract)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SCHEMA_FILE = Path(settings.BASE_DIR) / "schema.graphql"


def schema_sdl() -> str:
    """The schema as the server builds it, in SDL, ending with one newline."""
    from strawberry.printer import print_schema

    from reelboard.graphql.schema import schema

    return print_schema(schema).rstrip("\n") + "\n"


class Command(BaseCommand):
    help = ("Write the GraphQL schema (SDL) to schema.graphql at the repository root; --check exits 1 when "
            "the committed file differs; --stdout prints it instead.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="Exit 1 if schema.graphql is not current.")
        parser.add_argument("--stdout", action="store_true", help="Print the schema instead of writing the file.")

    def handle(self, *args, check: bool = False, stdout: bool = False, **options) -> None:
        sdl = schema_sdl()
        if stdout:
            sys.stdout.write(sdl)
            return
        if check:
            current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
            if current != sdl:
                raise CommandError("schema.graphql is stale: run `.venv/bin/python manage.py graphql_schema`.")
            self.stdout.write("schema.graphql is current.")
            return
        SCHEMA_FILE.write_text(sdl, encoding="utf-8")
        self.stdout.write(f"Wrote {SCHEMA_FILE.name}.")

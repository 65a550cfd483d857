"""Row errors: the problems found with one input row, and the reject file a skip-invalid import writes."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from marketing.services.errors import ErrorCode


@dataclass(frozen=True)
class RowError:
    """One problem with one input row: ``line`` is the file line (or the event index for the API)."""

    line: int
    field: str
    code: ErrorCode
    message: str


class RejectFile:
    """CSV of the rejected records with their reasons, one row per record; created at the first one."""

    HEADER = ("line", "column", "code", "reason", "record")

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = None
        self._writer = None

    @property
    def opened(self) -> bool:
        return self._handle is not None

    def write(self, line: int, problems: list[RowError], record: str) -> None:
        """Append the record (as the source serialises it) with every one of its problems."""
        if self._writer is None:
            self._handle = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            self._writer = csv.writer(self._handle)
            self._writer.writerow(self.HEADER)
        self._writer.writerow([
            line, " | ".join(p.field for p in problems), " | ".join(p.code.value for p in problems),
            " | ".join(p.message for p in problems), record,
        ])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

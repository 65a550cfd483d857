"""Reading interaction files as a stream of records: CSV/TSV or JSON Lines, optionally gzip-compressed.

Records are yielded one at a time with their line number, so memory stays flat whatever the file size.
``Source.fraction_read`` reports progress from the position in the (compressed) file on disk.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


class SourceError(Exception):
    """The file cannot be read at all (missing, unreadable header, unknown layout)."""


class Source:
    """One input file. Iterate it for ``(line_number, record_dict)``; ``serialise`` re-renders a record."""

    def __init__(self, path: str | os.PathLike, *, delimiter: str | None = None,
                 fieldnames: list[str] | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"No such file: {self.path}")
        self.size = self.path.stat().st_size
        self._raw = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        magic = self._raw.read(2)
        self._raw.seek(0)
        stream = gzip.GzipFile(fileobj=self._raw) if magic == b"\x1f\x8b" else self._raw
        self._text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        name = self.path.name.lower().removesuffix(".gz")
        self.is_json = name.endswith(JSON_SUFFIXES)
        self.delimiter = delimiter
        self.fieldnames = fieldnames
        if not self.is_json and self.delimiter is None:
            self.delimiter = "\t" if name.endswith((".tsv", ".data")) else ","

    def fraction_read(self) -> float:
        try:
            return min(1.0, self._raw.tell() / self.size) if self.size else 1.0
        except (ValueError, OSError):
            return 1.0

    def close(self) -> None:
        self._text.close()
        self._raw.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        records = self._iter_json() if self.is_json else self._iter_csv()
        try:
            yield from records
        except UnicodeDecodeError as exc:
            raise SourceError(f"{self.path.name} is not UTF-8 text ({exc.reason} at byte {exc.start} of a "
                              "read block); re-encode it as UTF-8.") from None
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise SourceError(f"{self.path.name} is a damaged gzip file: {exc}.") from None
        except csv.Error as exc:
            raise SourceError(f"{self.path.name} is not readable CSV: {exc}.") from None

    def _iter_json(self) -> Iterator[tuple[int, dict]]:
        for line_no, line in enumerate(self._text, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                record = {"__error__": f"Not valid JSON: {exc.msg} at column {exc.colno}."}
            if not isinstance(record, dict):
                record = {"__error__": "Each line must be a JSON object."}
            yield line_no, record

    def _iter_csv(self) -> Iterator[tuple[int, dict]]:
        reader = csv.reader(self._text, delimiter=self.delimiter)
        header = self.fieldnames
        if header is None:
            try:
                header = [name.strip() for name in next(reader)]
            except StopIteration:
                return
        self.fieldnames = header
        width = len(header)
        for values in reader:
            if not values:
                continue
            line_no = reader.line_num
            if len(values) != width:
                yield line_no, {"__error__": f"Expected {width} columns, found {len(values)}.",
                                **dict(zip(header, values, strict=False))}
                continue
            yield line_no, dict(zip(header, values))  # noqa: B905 - widths checked above

    def serialise(self, record: dict) -> str:
        """The record as one line of the source's own layout (for the reject file)."""
        clean = {k: v for k, v in record.items() if k != "__error__"}
        if self.is_json:
            return json.dumps(clean, ensure_ascii=False, separators=(",", ":"), default=str)
        out = io.StringIO()
        csv.writer(out, delimiter=self.delimiter, lineterminator="").writerow(
            [clean.get(name, "") for name in (self.fieldnames or list(clean))]
        )
        return out.getvalue()

"""Reading interaction files as a stream of records: CSV/TSV or JSON Lines, optionally gzip-compressed.

Records are read in chunks (:meth:`Source.chunks`) with their line numbers, so memory stays flat whatever
the file size; :meth:`Source.columns` turns a chunk into columns for validation.
``Source.fraction_read`` reports progress from the position in the (compressed) file on disk.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from marketing.ingestion.staged import EventColumns

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


class SourceError(Exception):
    """The file cannot be read at all (missing, unreadable header, unknown layout)."""


class Source:
    """One input file, read in chunks of records (``chunks``); ``serialise`` re-renders a record."""

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

    def chunks(self, size: int) -> Iterator[RecordChunk]:
        """The records in chunks of at most ``size``; a file without records yields nothing."""
        records = self._iter_json(size) if self.is_json else self._iter_csv(size)
        try:
            yield from records
        except UnicodeDecodeError as exc:
            raise SourceError(f"{self.path.name} is not UTF-8 text ({exc.reason} at byte {exc.start} of a "
                              "read block); re-encode it as UTF-8.") from None
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise SourceError(f"{self.path.name} is a damaged gzip file: {exc}.") from None
        except csv.Error as exc:
            raise SourceError(f"{self.path.name} is not readable CSV: {exc}.") from None

    def _iter_json(self, size: int) -> Iterator[RecordChunk]:
        chunk = RecordChunk()
        loads = json.loads
        for line_no, line in enumerate(self._text, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                record = loads(text)
            except json.JSONDecodeError as exc:
                chunk.unreadable[len(chunk.records)] = f"Not valid JSON: {exc.msg} at column {exc.colno}."
                record = text
            else:
                if not isinstance(record, dict):
                    chunk.unreadable[len(chunk.records)] = "Each line must be a JSON object."
                    record = text
            chunk.lines.append(line_no)
            chunk.records.append(record)
            if len(chunk.records) >= size:
                yield chunk
                chunk = RecordChunk()
        if chunk.records:
            yield chunk

    def _iter_csv(self, size: int) -> Iterator[RecordChunk]:
        records = self._csv_records()
        header = self.fieldnames
        if header is None:
            first = next(records, None)
            if first is None:
                return
            header = [name.strip() for name in first[1]]
        self.fieldnames = header
        width = len(header)
        chunk = RecordChunk()
        lines, values_of = chunk.lines, chunk.records
        for line_no, values in records:
            if values:
                lines.append(line_no)
                values_of.append(values)
                if len(values_of) >= size:
                    yield self._checked(chunk, width)
                    chunk = RecordChunk()
                    lines, values_of = chunk.lines, chunk.records
        if values_of:
            yield self._checked(chunk, width)

    def _csv_records(self) -> Iterator[tuple[int, list[str]]]:
        """(line number where the record ends, values) of each CSV record, blank lines included as [].

        A line without a quote is split on the delimiter, which is exactly what the csv module returns
        for it, several times faster; a line with a quote (or a NUL, which the csv module refuses) goes
        to ``csv.reader``, which reads on from the same lines while a quoted field spans several.
        """
        lines = iter(self._text)
        delimiter = self.delimiter
        line_no = 0
        for line in lines:
            line_no += 1
            if '"' in line or "\x00" in line:
                reader = csv.reader(itertools.chain([line], lines), delimiter=delimiter)
                values = next(reader, [])
                line_no += reader.line_num - 1
            else:
                text = line.rstrip("\r\n")
                values = text.split(delimiter) if text else []
            yield line_no, values

    @staticmethod
    def _checked(chunk: RecordChunk, width: int) -> RecordChunk:
        for i, values in enumerate(chunk.records):
            if len(values) != width:
                chunk.unreadable[i] = f"Expected {width} columns, found {len(values)}."
        return chunk

    def columns(self, chunk: RecordChunk) -> dict[str, Sequence]:
        """The chunk's values by column name (JSON: the reelboard keys); unreadable records are blank."""
        if self.is_json:
            return EventColumns.from_events(chunk.records, unreadable=chunk.unreadable).values
        records = chunk.records
        if chunk.unreadable:
            blank = [""] * len(self.fieldnames)
            records = [blank if i in chunk.unreadable else values for i, values in enumerate(records)]
        return dict(zip(self.fieldnames, zip(*records, strict=True), strict=True))

    def as_dict(self, record) -> dict:
        """One readable record as a dict of column name -> value."""
        return record if self.is_json else dict(zip(self.fieldnames, record, strict=True))

    def serialise(self, record) -> str:
        """The record as one line of the source's own layout (for the reject file)."""
        if isinstance(record, str):  # an unreadable JSON line, as read
            return record
        if self.is_json:
            return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        out = io.StringIO()
        csv.writer(out, delimiter=self.delimiter, lineterminator="").writerow(record)
        return out.getvalue()


@dataclass
class RecordChunk:
    """Consecutive records of a source: ``records[i]`` was read at file line ``lines[i]``.

    A CSV record is its list of values (header order), a JSON Lines record its dict; ``unreadable``
    holds, by position, why a record cannot be used at all (then a JSON record is the line's text).
    """

    lines: list[int] = field(default_factory=list)
    records: list = field(default_factory=list)
    unreadable: dict[int, str] = field(default_factory=dict)

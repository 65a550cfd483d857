"""Property tests for the interaction importer: any bytes give rows or a clear error, never a crash or a
partial write (``marketing.ingestion.import_file`` and ``manage.py import_interactions``).

Inputs are raw bytes (pure noise, and mutations of valid reelboard / KuaiRec / MovieLens records, plain
or gzip-compressed) under every file name the sources recognise. The contract checked for each input:

* ``import_file`` returns a summary or raises ``SourceError`` (the command's ``CommandError``); nothing
  else escapes;
* a summary is self-consistent: not committed means nothing was written, committed means exactly
  ``inserted`` interactions were added, and strict mode never commits a file with a rejected record;
* if anything raised, the database is exactly as before.
"""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketing.ingestion import import_file
from marketing.ingestion.sources import SourceError
from marketing.models import Interaction, Video, Viewer
from tests.factories import BrandFactory, VideoFactory

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

REELBOARD_HEADER = b"event_id,platform,viewer_id,video_external_id,campaign_id,kind,watch_ms,value,currency,occurred_at"
GOOD_LINES = {
    "reelboard": [
        REELBOARD_HEADER,
        b"e1,douyin,u1,v-known,,view,1000,,,2026-01-01T00:00:00Z",
        b"e2,douyin,u2,v-known,,purchase,,19.90,CNY,2026-01-01T08:00:00+08:00",
        b"e3,kuaishou,u3,v-new,,like,,,,2026-01-02T00:00:00Z",
        b'{"event_id":"j1","platform":"douyin","viewer_id":"u4","video_external_id":"v-known","kind":"view",'
        b'"watch_ms":5,"occurred_at":"2026-01-01T00:00:00Z"}',
    ],
    "kuairec": [
        b"user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio",
        b"14,148,4381,6067,2020-07-05 05:27:48.378,20200705,1593898068.378,0.722",
        b"14,183,11635,6100,2020-07-05 05:28:00.057,20200705,,1.907",
    ],
    "movielens": [
        b"userId,movieId,rating,timestamp",
        b"196\t242\t3\t881250949",
        b"1,31,2.5,1260759144",
        b"7,99,5,nan",
    ],
}
NAMES = ["in.csv", "in.tsv", "u.data", "in.jsonl", "in.json", "in.csv.gz", "in.jsonl.gz", "ratings.csv"]
TOKENS = [b",", b"\t", b"\n", b"\r\n", b'"', b"", b"{", b"}", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"-1",
          b"1e309", b"NaN", b"Infinity", b"9" * 30, b"2026-13-45T99:00:00Z", b"0.001", b"\xe4\xb8\xad",
          b"null", b"[]", b"\x1f\x8b", b"view", b"purchase", b"douyin", b"v-known"]


@st.composite
def hostile_bytes(draw) -> tuple[str, bytes, bool]:
    """(file name, content, gzip it): noise, or valid lines with bytes inserted, dropped and swapped."""
    fmt = draw(st.sampled_from(sorted(GOOD_LINES)))
    if draw(st.booleans()):
        content = draw(st.binary(max_size=300))
    else:
        lines = draw(st.lists(st.sampled_from(GOOD_LINES[fmt]), min_size=1, max_size=8))
        content = b"\n".join(lines)
        for _ in range(draw(st.integers(0, 6))):
            at = draw(st.integers(0, len(content)))
            action = draw(st.sampled_from(["insert", "delete", "token"]))
            if action == "insert":
                content = content[:at] + draw(st.binary(min_size=1, max_size=4)) + content[at:]
            elif action == "delete":
                content = content[:at] + content[at + draw(st.integers(1, 8)):]
            else:
                content = content[:at] + draw(st.sampled_from(TOKENS)) + content[at:]
    return fmt, draw(st.sampled_from(NAMES)), content, draw(st.booleans())


def _snapshot(brand) -> tuple[int, int, int]:
    return (Interaction.objects.filter(brand=brand).count(), Viewer.objects.filter(brand=brand).count(),
            Video.objects.filter(brand=brand).count())


def _write(directory: Path, name: str, content: bytes, compress: bool) -> Path:
    path = directory / name
    if compress and name.endswith(".gz"):
        content = gzip.compress(content)
    elif compress:  # a truncated gzip stream under a plain name
        content = gzip.compress(content)[: max(2, len(content) // 2)]
    path.write_bytes(content)
    return path


@pytest.fixture
def fuzz_brand(db):
    brand = BrandFactory()
    VideoFactory(brand=brand, external_id="v-known")
    return brand


@FUZZ
@given(case=hostile_bytes(), create_missing=st.booleans(), skip_invalid=st.booleans(),
       chunk_rows=st.sampled_from([1, 3, 100_000]))
def test_any_bytes_give_rows_or_a_clear_error_and_never_a_partial_write(fuzz_brand, case, create_missing,
                                                                         skip_invalid, chunk_rows):
    fmt, name, content, compress = case
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        before = _snapshot(fuzz_brand)
        path = _write(Path(tmp), name, content, compress)
        try:
            with transaction.atomic():
                summary = import_file(path=path, brand=fuzz_brand, fmt=fmt, create_missing=create_missing,
                                      skip_invalid=skip_invalid, chunk_rows=chunk_rows)
        except SourceError as exc:
            assert str(exc)
            assert _snapshot(fuzz_brand) == before
        else:
            after = _snapshot(fuzz_brand)
            assert summary.read >= summary.rejected >= 0
            assert summary.inserted + summary.duplicates == summary.events
            if summary.rejected and not skip_invalid:
                assert not summary.committed
            if summary.committed:
                assert after[0] - before[0] == summary.inserted
                assert after[2] - before[2] == summary.videos_created
            else:
                assert after == before
                assert summary.inserted == 0
            assert len(summary.errors) <= 20 and bool(summary.errors) == bool(summary.rejected)
            assert all(error.message and error.field for error in summary.errors)
        transaction.set_rollback(True)


@settings(FUZZ, max_examples=25)
@given(case=hostile_bytes())
def test_the_command_reports_a_summary_or_a_command_error(fuzz_brand, case):
    fmt, name, content, compress = case
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        before = _snapshot(fuzz_brand)
        path = _write(Path(tmp), name, content, compress)
        try:
            call_command("import_interactions", str(path), "--format", fmt, "--brand", fuzz_brand.slug,
                         verbosity=0)
        except CommandError as exc:
            assert str(exc)
            assert _snapshot(fuzz_brand) == before
        transaction.set_rollback(True)


# --- regressions found by the fuzzer: these raised UnicodeDecodeError / EOFError out of import_file ----


@pytest.mark.parametrize("name, content, message", [
    ("latin1.csv", REELBOARD_HEADER + b"\ne1,douyin,caf\xe9,v-known,,like,,,,2026-01-01T00:00:00Z\n", "not UTF-8"),
    ("cut.csv.gz", gzip.compress(REELBOARD_HEADER + b"\n" * 50)[:20], "damaged gzip"),
    ("cut.data", gzip.compress(b"196\t242\t3\t881250949\n")[:12], "damaged gzip"),
])
def test_undecodable_files_are_a_clear_error_and_store_nothing(fuzz_brand, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    fmt = "movielens" if name.endswith(".data") else "reelboard"
    with pytest.raises(SourceError, match=message):
        import_file(path=path, brand=fuzz_brand, fmt=fmt, skip_invalid=True)
    with pytest.raises(CommandError, match=message):
        call_command("import_interactions", str(path), "--format", fmt, "--brand", fuzz_brand.slug, verbosity=0)
    assert _snapshot(fuzz_brand) == (0, 0, 1)

"""No tracked file names a path of somebody's machine: home, work and temporary folders.

Shared data is ``../shared/...`` from the repository root (or a setting such as ``REELBOARD_DATASETS_DIR``);
lock files and scratch folders come from ``tempfile``. Container paths (``/app``, ``/var/lib/postgresql/data``
in docker-compose.yml) and system paths (``/etc/postgresql`` in .ci/run) are not machine-specific and are not
matched. A path counts only where one starts (line start, after a space, quote, ``=``, ``(``, ``:``, ``,``,
``[`` or ``/``), so URL paths such as ``https://example.com/tmp/x`` are not matched.
"""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The folders, spelled with a placeholder slash (S) so that this file does not itself name a machine path.
FOLDERS = ["SworkS", "ShomeS[A-Za-z]", "SrootS", "StmpS", "SvarStmpS", "SprivateStmpS", "SUsersS[A-Za-z]"]
MACHINE_PATH = re.compile(
    r"""(?:^|(?<=[\s"'`(=:,\[/]))(""" + "|".join(f.replace("S", "/") for f in FOLDERS)
    + r"""|[A-Za-z]:\\Users\\)""", re.MULTILINE)
# This file spells examples of the patterns in its first test, built the same way; nothing else is exempt.
ALLOWED = {"tests/docs/test_no_machine_paths.py"}


def _p(text: str) -> str:
    """An example path, written with S for a slash."""
    return text.replace("S", "/")


def tracked_files() -> list[str]:
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in listing.decode().split("\0") if name]


def offending_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if MACHINE_PATH.search(line)]


def test_the_pattern_finds_machine_paths_and_spares_relative_and_url_paths():
    examples = [_p("ML = 'SworkSshared/datasets/ml-100k'"), _p("flock StmpSx.lock"), _p("cd ShomeSana/repo"),
                _p("url = 'sqlite:///StmpSdb.sqlite3'"), "C:\\Users\\ana\\repo"]
    assert offending_lines("\n".join(examples) + "\n") == examples
    assert offending_lines("../shared/datasets/ml-100k\nhttps://example.com/tmp/x\nvolumes: /app\n"
                           "/var/lib/postgresql/data\n$TMPDIR/reelboard\n") == []


def test_no_tracked_file_names_a_machine_path():
    files = tracked_files()
    assert "README.md" in files and "reelboard/settings.py" in files
    found = {}
    for name in files:
        if name in ALLOWED or not (ROOT / name).is_file():
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:  # images and other binary files
            continue
        lines = offending_lines(text)
        if lines:
            found[name] = lines[:3]
    assert found == {}, ("absolute paths of a machine in tracked files; use ../shared/... from the repository "
                         f"root, a setting, or tempfile: {found}")

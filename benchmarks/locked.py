"""Run one command while holding the machine's benchmark lock, so benchmarks never overlap.

    .venv/bin/python benchmarks/locked.py .venv/bin/python benchmarks/faults.py

The lock is a file in the temporary folder (``tempfile.gettempdir()``), held with ``flock`` for as
long as the command runs: on a 2-core machine two benchmarks at once would distort each other.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import tempfile
from pathlib import Path

LOCK_FILE = Path(tempfile.gettempdir()) / "reelboard-bench.lock"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    with open(LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return subprocess.call(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

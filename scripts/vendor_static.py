"""Refresh the third-party browser assets Reelboard serves from its own static files.

No page of the product loads anything from another host: GraphiQL (the versions strawberry's page pins,
as UMD builds) and Apache ECharts are copied from the npm registry into ``workspace/static/vendor/``,
each package's licence beside its files. Run it when a pin below changes, then commit the result::

    .venv/bin/python scripts/vendor_static.py

Each tarball is checked against the registry's published integrity hash before anything is written; the
GraphiQL files are also checked against the subresource-integrity hashes strawberry's own page uses.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
TARGET = Path(__file__).resolve().parent.parent / "workspace" / "static" / "vendor"

# package, version, {file in the tarball (under package/): sha384 SRI or None}
PINS: list[tuple[str, str, dict[str, str | None]]] = [
    ("react", "18.2.0", {"umd/react.production.min.js":
                         "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"}),
    ("react-dom", "18.2.0", {"umd/react-dom.production.min.js":
                             "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"}),
    ("js-cookie", "3.0.5", {"dist/js.cookie.min.js":
                            "/vxhYfM1LENRhdpZ8dwEsQn/X4VhpbEZSiU4m/FwR+PVpzar4fkEOw8FP9Y+OfQN"}),
    ("graphiql", "3.8.3", {"graphiql.min.css": "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
                           "graphiql.min.js": "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"}),
    ("@graphiql/plugin-explorer", "1.0.2", {
        "dist/style.css": "5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
        "dist/index.umd.js": "2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"}),
    ("echarts", "5.6.0", {"dist/echarts.min.js": None}),
]
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "NOTICE")
SAME_LICENCE_AS = {"@graphiql/plugin-explorer": "graphiql"}  # vendored before it, in PINS order


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (fixed https registry URL)
        return response.read()


def _check_integrity(data: bytes, integrity: str, what: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{what}: {algorithm} is {actual}, the registry says {expected}")


def vendor(package: str, version: str, files: dict[str, str | None]) -> None:
    meta = json.loads(_get(f"{REGISTRY}/{package}/{version}"))
    tarball = _get(meta["dist"]["tarball"])
    _check_integrity(tarball, meta["dist"]["integrity"], f"{package}@{version}")
    out = TARGET / package.replace("@", "").replace("/", "-")
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        members = {m.name.split("/", 1)[1]: m for m in archive.getmembers() if m.isfile()}
        for name, sri in files.items():
            data = archive.extractfile(members[name]).read()
            if sri is not None:
                _check_integrity(data, f"sha384-{sri}", f"{package}/{name}")
            (out / Path(name).name).write_bytes(data)
        licences = [n for n in members if n in LICENCE_NAMES]
        for name in licences:
            (out / name).write_bytes(archive.extractfile(members[name]).read())
    if not licences:
        # The explorer plugin's tarball ships no licence text; it is MIT, from the GraphiQL monorepo,
        # whose licence (same copyright holders) is copied beside it.
        if meta.get("license") != "MIT" or SAME_LICENCE_AS.get(package) is None:
            raise SystemExit(f"{package}@{version} ships no licence file")
        source = TARGET / SAME_LICENCE_AS[package] / "LICENSE"
        (out / "LICENSE").write_text(f"{package} is MIT licensed (package.json); its tarball ships no licence "
                                     f"text. It is part of the GraphiQL monorepo, whose licence follows.\n\n"
                                     + source.read_text())
    (out / "VERSION").write_text(f"{package}@{version} from {meta['dist']['tarball']}\n")
    print(f"{package}@{version} -> {out.relative_to(TARGET.parent.parent.parent)}")


def main() -> int:
    for package, version, files in PINS:
        vendor(package, version, files)
    return 0


if __name__ == "__main__":
    sys.exit(main())

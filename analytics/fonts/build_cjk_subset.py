"""Rebuild the committed CJK font subset that the report charts use (docs/operator/i18n.md).

The source is Noto Sans CJK SC Regular (SIL OFL 1.1), as Debian's fonts-noto-cjk ships it; the subset
keeps every character of GB 2312 (the 6,763 common simplified hanzi, punctuation, full-width forms),
ASCII and Latin-1, so KPI labels, schedule names and persona labels in Chinese never show tofu boxes.

    apt-get install fonts-noto-cjk
    .venv/bin/python analytics/fonts/build_cjk_subset.py            # finds the font with fc-match
    .venv/bin/python analytics/fonts/build_cjk_subset.py SOURCE.ttc  # or names it
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
TARGET = HERE / "NotoSansCJKsc-Regular-GB2312.otf"
FAMILY = "Noto Sans CJK SC"
# The subset's own family name: matplotlib must pick this file, not a system-wide Noto Sans CJK SC that some
# machines have (the OFL allows a modified version under another name; "Source" is the reserved one).
SUBSET_FAMILY = "Reelboard Noto Sans CJK SC Subset"


def gb2312_codepoints() -> set[int]:
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    points |= {0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x00B7, 0x00D7, 0x2212, 0x3000}
    return points


def rename(font) -> None:
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            names.setName(SUBSET_FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName(SUBSET_FAMILY.replace(" ", "") + "-Regular", 6, record.platformID, record.platEncID,
                          record.langID)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [SUBSET_FAMILY.replace(" ", "") + "-Regular"]
        cff[cff.fontNames[0]].FamilyName = SUBSET_FAMILY
        cff[cff.fontNames[0]].FullName = SUBSET_FAMILY


def main(argv: list[str]) -> None:
    source = argv[1] if len(argv) > 1 else subprocess.run(
        ["fc-match", "-f", "%{file}", f"{FAMILY}:style=Regular"], check=True, capture_output=True, text=True).stdout
    collection = TTCollection(source) if source.endswith(".ttc") else None
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == FAMILY) if collection else None
    if font is None:
        from fontTools.ttLib import TTFont
        font = TTFont(source)
    options = subset.Options()
    options.layout_features = []  # charts need no alternates: keeps the file small
    options.hinting = False
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=gb2312_codepoints())
    subsetter.subset(font)
    rename(font)
    font.save(TARGET)
    print(f"{TARGET.name}: {TARGET.stat().st_size:,} bytes from {source}")


if __name__ == "__main__":
    main(sys.argv)

"""The translation catalogues: locale/<locale>/LC_MESSAGES/django.po (the translations, edited by people)
and django.mo (compiled, committed: a machine without GNU gettext still serves every language).

``manage.py catalogues refresh`` (``make messages``) extracts every wrapped string of the product's apps
with Django's makemessages (needs GNU gettext's xgettext/msgmerge), compiles each .po with polib and lists
what is still untranslated. ``manage.py catalogues check`` fails when a catalogue is incomplete or its .mo
is stale; the tests run the same checks (tests/marketing/test_i18n.py). See docs/operator/i18n.md.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

# Languages the product ships besides English (the source language of every msgid), as gettext locales.
TRANSLATED_LOCALES = ("zh_Hans",)
DOMAIN = "django"
# One set of makemessages options for `make messages` and for the tests' extraction.
MAKEMESSAGES_OPTIONS = {
    "domain": DOMAIN, "extensions": ["html", "txt", "py"], "add_location": "file", "no_obsolete": True,
    "verbosity": 0,
    "ignore_patterns": ["tests/*", "benchmarks/*", "examples/*", "docs/*", "staticfiles/*", "media/*", "locale/*",
                        "node_modules/*", "*/migrations/*"],
}

Key = tuple[str | None, str]  # (msgctxt, msgid)


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def po_path(locale: str) -> Path:
    return locale_dir() / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return locale_dir() / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def product_dirs() -> list[Path]:
    """Top-level directories of the repository that hold the product's installed apps."""
    base = Path(settings.BASE_DIR).resolve()
    found = set()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if base in path.parents:
            found.add(base / path.relative_to(base).parts[0])
    return sorted(found)


def translations(entries) -> dict[Key, str | tuple[str, ...]]:
    """(msgctxt, msgid) -> translation of the translated, non-fuzzy entries (the header excluded)."""
    out: dict[Key, str | tuple[str, ...]] = {}
    for entry in entries:
        if not entry.msgid or entry.obsolete or "fuzzy" in entry.flags:
            continue
        value = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)) if entry.msgid_plural else entry.msgstr
        if value and all(value if isinstance(value, tuple) else [value]):
            out[(entry.msgctxt, entry.msgid)] = value
    return out


def untranslated(locale: str) -> list[polib.POEntry]:
    """Entries of the catalogue that are empty or fuzzy: each is a string people would read in English."""
    po = polib.pofile(str(po_path(locale)))
    done = translations(po)
    return [e for e in po if e.msgid and not e.obsolete and (e.msgctxt, e.msgid) not in done]


def compile_catalogue(locale: str) -> None:
    """Write the .mo of one catalogue with polib (the same bytes on every machine, no msgfmt needed)."""
    polib.pofile(str(po_path(locale))).save_as_mofile(str(mo_path(locale)))


def mo_is_current(locale: str) -> bool:
    """True when the committed .mo holds exactly the translations of its .po (content, not mtimes)."""
    if not mo_path(locale).exists():
        return False
    return translations(polib.mofile(str(mo_path(locale)))) == translations(polib.pofile(str(po_path(locale))))


def extracted_msgids(locale: str = TRANSLATED_LOCALES[0]) -> set[Key]:
    """Every msgid makemessages finds in the product's apps today, extracted in a scratch copy (the real
    catalogue is not touched)."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for directory in product_dirs():
            shutil.copytree(directory, root / directory.name,
                            ignore=shutil.ignore_patterns("__pycache__", "migrations", "*.pyc", "static"))
        (root / "locale").mkdir()
        previous = Path.cwd()
        os.chdir(root)
        try:
            with override_settings(LOCALE_PATHS=[root / "locale"]):
                call_command("makemessages", locale=[locale], **MAKEMESSAGES_OPTIONS)
        finally:
            os.chdir(previous)
        po = polib.pofile(str(root / "locale" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"))
        return {(e.msgctxt, e.msgid) for e in po if e.msgid and not e.obsolete}


def refresh() -> dict[str, list[polib.POEntry]]:
    """Extract into the real catalogues, compile them; returns each locale's untranslated entries."""
    previous = Path.cwd()
    os.chdir(settings.BASE_DIR)
    try:
        call_command("makemessages", locale=list(TRANSLATED_LOCALES), **MAKEMESSAGES_OPTIONS)
    finally:
        os.chdir(previous)
    for locale in TRANSLATED_LOCALES:
        compile_catalogue(locale)
    return {locale: untranslated(locale) for locale in TRANSLATED_LOCALES}

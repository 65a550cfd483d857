"""manage.py catalogues refresh|compile|check: the translation catalogues (marketing/catalogues.py)."""

from django.core.management.base import BaseCommand, CommandError

from marketing import catalogues


class Command(BaseCommand):
    help = ("refresh: extract new strings into locale/*/django.po, compile .mo, list untranslated ones "
            "(make messages); compile: .po -> .mo only; check: fail on untranslated, fuzzy or stale catalogues.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh", "compile", "check"])

    def handle(self, *args, action: str, **options):
        if action == "refresh":
            missing = catalogues.refresh()
        else:
            if action == "compile":
                for locale in catalogues.TRANSLATED_LOCALES:
                    catalogues.compile_catalogue(locale)
            missing = {locale: catalogues.untranslated(locale) for locale in catalogues.TRANSLATED_LOCALES}
        stale = [locale for locale in catalogues.TRANSLATED_LOCALES if not catalogues.mo_is_current(locale)]
        for locale, entries in missing.items():
            path = catalogues.po_path(locale)
            if entries:
                self.stdout.write(f"{path}: {len(entries)} untranslated or fuzzy:")
                for entry in entries:
                    context = f" [{entry.msgctxt}]" if entry.msgctxt else ""
                    self.stdout.write(f"  {entry.msgid!r}{context}")
            else:
                self.stdout.write(f"{path}: complete")
        if action == "check" and (stale or any(missing.values())):
            raise CommandError(f"catalogues to fix: stale .mo {stale}, untranslated in "
                               f"{[locale for locale, entries in missing.items() if entries]} "
                               "(translate in the .po, then `make messages`)")

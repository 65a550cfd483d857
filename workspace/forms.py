"""The dashboards' controls: a date range (presets or custom), a KPI, a granularity, a breakdown.

Bad input never reaches a selector: the form says what is wrong, on the page, naming the control.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.kpis import KPIS
from analytics.selectors import MAX_PERIOD_DAYS, BreakdownBy, Granularity, Period

RANGE_CHOICES = [
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("90d", _("Last 90 days")),
    ("month", _("This month")),
    ("custom", _("Custom")),
]
PRESET_DAYS = {"7d": 7, "30d": 30, "90d": 90}
GRANULARITY_CHOICES = [(Granularity.DAY.value, _("Day")), (Granularity.WEEK.value, _("Week")),
                       (Granularity.MONTH.value, _("Month"))]
BREAKDOWN_CHOICES = [
    (BreakdownBy.VIDEO.value, _("Video")), (BreakdownBy.PLATFORM.value, _("Platform")),
    (BreakdownBy.DAY.value, _("Day")), (BreakdownBy.GENDER.value, _("Gender")),
    (BreakdownBy.AGE_BAND.value, _("Age band")), (BreakdownBy.REGION.value, _("Region")),
    (BreakdownBy.PERSONA.value, _("Persona")),
]


def brand_today(brand) -> date:
    """Today in the brand's reporting time zone (KPI days are that zone's days)."""
    return timezone.now().astimezone(ZoneInfo(brand.reporting_timezone)).date()


class DashboardForm(forms.Form):
    """Every control a dashboard may show; each page renders the ones it uses."""

    range = forms.ChoiceField(label=_("Date range"), choices=RANGE_CHOICES, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kpi = forms.ChoiceField(label=_("KPI"), required=False, choices=[])
    granularity = forms.ChoiceField(label=_("Granularity"), choices=GRANULARITY_CHOICES, required=False)
    by = forms.ChoiceField(label=_("Breakdown"), choices=BREAKDOWN_CHOICES, required=False)

    def __init__(self, data, *, brand, default_kpi: str = "views"):
        self.brand, self.today, self.default_kpi = brand, brand_today(brand), default_kpi
        super().__init__(data.copy())  # a copy: the resolved defaults are written back for the page to show
        self.fields["kpi"].choices = [(k.name, k.label) for k in KPIS]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        preset = cleaned.get("range") or ("custom" if cleaned.get("date_from") or cleaned.get("date_to") else "30d")
        cleaned["range"] = preset
        if preset in PRESET_DAYS:
            cleaned["date_from"] = self.today - timedelta(days=PRESET_DAYS[preset] - 1)
            cleaned["date_to"] = self.today
        elif preset == "month":
            cleaned["date_from"], cleaned["date_to"] = self.today.replace(day=1), self.today
        else:
            if not cleaned.get("date_from"):
                self.add_error("date_from", _("Pick the first day of a custom range."))
            if not cleaned.get("date_to"):
                self.add_error("date_to", _("Pick the last day of a custom range."))
            if self.errors:
                return cleaned
        if cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("The last day is before the first day."))
        elif (cleaned["date_to"] - cleaned["date_from"]).days >= MAX_PERIOD_DAYS:
            self.add_error("date_from", _("A date range is at most %(days)s days.") % {"days": MAX_PERIOD_DAYS})
        cleaned["kpi"] = cleaned.get("kpi") or self.default_kpi
        cleaned["granularity"] = cleaned.get("granularity") or Granularity.DAY.value
        cleaned["by"] = cleaned.get("by") or BreakdownBy.VIDEO.value
        if not self.errors:
            self._show_resolved(cleaned)
        return cleaned

    def _show_resolved(self, cleaned) -> None:
        """Render the controls as the page was computed: without a range in the URL the page shows the
        default preset's days, so the range selector says so (not its first option) and the date inputs,
        shown when a person switches to a custom range, start from those days."""
        for name in ("range", "kpi", "granularity", "by"):
            self.data[name] = cleaned[name]
        self.data["date_from"], self.data["date_to"] = cleaned["date_from"].isoformat(), cleaned["date_to"].isoformat()

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])

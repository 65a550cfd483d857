"""How a KPI value reads on a dashboard: counts with separators, rates in %, money with the currency, seconds."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from analytics.kpis import BY_NAME, PLATFORM_BY_NAME


def kpi_display(name: str, value, *, currency: str = "") -> str:
    if value is None:
        return "—"
    unit = (BY_NAME.get(name) or PLATFORM_BY_NAME[name]).unit
    value = Decimal(value)
    if unit == "ratio":
        return f"{value * 100:,.2f}%" if name != "roas" else f"{value:,.2f}×"
    if unit == "money":
        return f"{currency} {value:,.2f}".strip()
    if unit == "ms":
        return _("%(seconds)s s") % {"seconds": f"{value / 1000:,.1f}"}
    if unit == "s":
        return _("%(seconds)s s") % {"seconds": f"{value:,.1f}"}
    return f"{value:,.0f}"


def change_display(relative) -> str:
    if relative is None:
        return "—"
    return f"{Decimal(relative) * 100:+,.1f}%"


def raw(value) -> str:
    """The value as GraphQL serialises it (a Decimal string; empty for null): what the tests compare."""
    return "" if value is None else str(value)

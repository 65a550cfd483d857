"""The marketer's dashboards in the admin: brand overview, campaign, personas, recommendation preview.

Thin views: each reads through the selectors GraphQL uses (no second formula), scoped exactly like the API
(``for_principal``: a user sees the brands of their memberships; another brand's page is a 404), and shapes
the result into panels. Every panel carries the GraphQL query that produces its numbers, and every table can
be downloaded as CSV (``?csv=<table>`` with the same controls).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from adplatforms.models import AdPlatform
from analytics import pacing, platform_metrics, selectors
from analytics.kpis import BY_NAME, KPIS, PLATFORM_BY_NAME
from analytics.personas import selectors as persona_selectors
from analytics.privacy import privacy_min_group_size
from marketing.models import Brand, Campaign, Video, Viewer
from marketing.services.errors import ServiceValidationError
from recommendations import online_metrics, serving
from recommendations.models import RecommenderExperiment, RecommenderModel, Verdict
from workspace import panels
from workspace.formatting import change_display, kpi_display, raw
from workspace.forms import DashboardForm, brand_today


def favicon(request):
    """Browsers ask every host for /favicon.ico: answer with the product's icon rather than a 404."""
    return redirect(static("workspace/favicon.svg"))


@dataclass
class Table:
    """A table of a panel: what the page shows and what its CSV download holds (the raw values)."""

    name: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)  # cells: (display, raw) pairs or plain values
    sortable: bool = True

    def csv_response(self, filename: str) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}-{self.name}.csv"'
        response.write("\ufeff")  # Excel (common in marketing teams) reads UTF-8 Chinese only with the BOM
        writer = csv.writer(response)
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([cell[1] if isinstance(cell, tuple) else cell for cell in row])
        return response


def _kpi_cell(name: str, value, currency: str) -> tuple[str, str]:
    return kpi_display(name, value, currency=currency), raw(value)


def _kpi_label(name: str) -> str:
    return str(BY_NAME[name].label)


def _brands(request):
    return Brand.objects.for_principal(request.principal).order_by("name", "pk")


def _brand(request, brands) -> Brand | None:
    """The brand picked in the switcher (a brand the user cannot see is a 404), else their first."""
    picked = request.GET.get("brand")
    if picked is None:
        return brands.first()
    try:
        return brands.get(pk=int(picked))
    except (ValueError, Brand.DoesNotExist):
        raise Http404(_("No such brand.")) from None


def _render(request, site, template: str, context: dict):
    return TemplateResponse(request, template, {**site.each_context(request), **context})


def _csv_or_page(request, site, template: str, context: dict, tables: dict[str, Table], filename: str):
    wanted = request.GET.get("csv")
    if wanted is not None:
        if wanted not in tables:
            raise Http404(_("No such table."))
        return tables[wanted].csv_response(filename)
    return _render(request, site, template, {**context, "tables": tables})


def _cards(comparison: dict, currency: str) -> list[dict]:
    cards = []
    for name in panels.CARD_KPIS:
        row = comparison[name]
        definition = BY_NAME[name]
        relative = row["relative_change"]
        better = None if relative is None or relative == 0 else (relative > 0) == definition.higher_is_better
        cards.append({"kpi": name, "label": _kpi_label(name), "description": str(definition.description),
                      "display": kpi_display(name, row["current"], currency=currency), "raw": raw(row["current"]),
                      "previous": kpi_display(name, row["previous"], currency=currency),
                      "change": change_display(relative), "change_raw": raw(relative), "better": better})
    return cards


def _series_chart(rows: list[selectors.KpiRow], kpi: str) -> dict:
    return {"type": "line", "kpi": kpi, "label": _kpi_label(kpi), "unit": BY_NAME[kpi].unit,
            "x": [row.key for row in rows],
            "y": [None if row.kpis[kpi] is None else float(row.kpis[kpi]) for row in rows]}


def _kpi_table(name: str, rows: list[selectors.KpiRow], currency: str, *, first_column: str) -> Table:
    return Table(name, [first_column] + [_kpi_label(k) for k in panels.TABLE_KPIS], [
        [(row.label, row.key)] + [_kpi_cell(k, row.kpis[k], currency) for k in panels.TABLE_KPIS] for row in rows])


def _controls(request, brand, **kwargs) -> DashboardForm:
    form = DashboardForm(request.GET, brand=brand, **kwargs)
    form.is_valid()
    return form


def _shown(form: DashboardForm, names: list[str]) -> list:
    """The bound fields a page shows, in order."""
    return [form[name] for name in names]


# How a persona profile's columns read (analytics.personas.features names them).
PROFILE_LABELS = {
    "gender": _lazy("Gender"), "age_band": _lazy("Age band"), "region": _lazy("Region"),
    "platform": _lazy("Platform"), "avg_watch_ratio": _lazy("Average share of a video watched"),
    "completion_rate": _lazy("Completion rate"), "like_rate": _lazy("Like rate"),
    "comment_rate": _lazy("Comment rate"), "share_rate": _lazy("Share rate"), "follow_rate": _lazy("Follow rate"),
    "click_rate": _lazy("Click rate"), "conversion_rate": _lazy("Conversion rate"),
    "purchase_value": _lazy("Purchase value"), "activity": _lazy("Activity"),
    "recency_days": _lazy("Days since last seen"),
}


def _distinctive(engagement: dict, n: int = 4) -> list[dict]:
    """The persona's behaviours furthest from all viewers' (by the size of the log ratio)."""
    rows = [{"name": name, "label": PROFILE_LABELS.get(name, name), "ratio": e["ratio"]}
            for name, e in engagement.items() if e.get("ratio")]
    return sorted(rows, key=lambda r: -abs(math.log(r["ratio"])))[:n]


# --- brand overview (the admin's first page) ------------------------------------------------------

def overview(request, *, site):
    brands = _brands(request)
    brand = _brand(request, brands)
    context = {"title": _("Brand overview"), "tab": "overview", "brands": brands, "brand": brand}
    if brand is None:
        return _render(request, site, "workspace/overview.html", context)
    form = _controls(request, brand)
    context.update(form=form, controls=_shown(form, ["range", "date_from", "date_to", "kpi"]))
    if form.errors:
        return _render(request, site, "workspace/overview.html", context)
    period, kpi = form.period, form.cleaned_data["kpi"]
    scope = selectors.KpiScope(brand=brand, campaign_ids=None, period=period)
    overview_data = selectors.brand_overview(brand=brand, period=period)
    campaigns = Table("campaigns", [_("Campaign"), _("Status")] + [_kpi_label(k) for k in panels.TABLE_KPIS], [
        [(c.name, str(c.pk)), (c.get_status_display(), c.status)]
        + [_kpi_cell(k, values[k], brand.currency) for k in panels.TABLE_KPIS]
        for c, values in overview_data["campaigns"]])
    top = selectors.top_videos(brand=brand, period=period, kpi=kpi, first=10)
    videos = _kpi_table("top_videos", top, brand.currency, first_column=_("Video"))
    context.update({
        "period": period, "kpi": kpi, "kpi_label": _kpi_label(kpi),
        "cards": _cards(scope.comparison(), brand.currency),
        "chart": _series_chart(scope.series(selectors.Granularity.DAY), kpi),
        "campaign_ids": [c.pk for c, _values in overview_data["campaigns"]],
        "queries": {"cards": panels.brand_cards(brand, period),
                    "chart": panels.brand_series(brand, period, kpi=kpi, granularity="day"),
                    "campaigns": panels.brand_campaigns(brand, period),
                    "top_videos": panels.top_videos(brand, period, kpi=kpi)},
    })
    return _csv_or_page(request, site, "workspace/overview.html", context,
                        {"campaigns": campaigns, "top_videos": videos}, f"{brand.slug}-overview")


# --- campaign dashboard ---------------------------------------------------------------------------

def _flight(campaign: Campaign, today) -> selectors.Period | None:
    """The campaign's days so far in its brand's zone (start to today or its end), None before it starts."""
    zone = ZoneInfo(campaign.brand.reporting_timezone)
    start = campaign.starts_at.astimezone(zone).date() if campaign.starts_at else None
    end = campaign.ends_at.astimezone(zone).date() if campaign.ends_at else today
    end = min(end, today)
    if start is None or end < start:
        return None
    return selectors.Period(max(start, end - timedelta(days=selectors.MAX_PERIOD_DAYS - 1)), end)


def _budget(campaign: Campaign, flight: selectors.Period | None) -> dict:
    """Spend to date against the lifetime budget, and each day's spend against the daily budget."""
    if flight is None:
        return {"flight": None}
    scope = selectors.KpiScope(brand=campaign.brand, campaign_ids=[campaign.pk], period=flight)
    spent = scope.totals()["spend"]
    days = [(row.key, row.kpis["spend"]) for row in scope.series(selectors.Granularity.DAY)]
    lifetime = campaign.budget_lifetime
    daily = campaign.budget_daily
    return {
        "flight": flight, "spent": kpi_display("spend", spent, currency=campaign.currency), "spent_raw": raw(spent),
        "lifetime": kpi_display("spend", lifetime, currency=campaign.currency), "lifetime_raw": raw(lifetime),
        "used": change_display(None) if not lifetime else f"{spent / lifetime * 100:,.1f}%",
        "daily": kpi_display("spend", daily, currency=campaign.currency), "daily_raw": raw(daily),
        "days_over": sum(1 for _day, amount in days if daily is not None and amount > daily),
        "chart": {"type": "bar", "kpi": "spend", "label": _kpi_label("spend"), "unit": "money",
                  "x": [day for day, _amount in days], "y": [float(amount) for _day, amount in days],
                  "limit": None if daily is None else float(daily), "limit_label": _("Daily budget")},
    }


def _platform_table(rows: list[platform_metrics.PlatformKpis], currency: str) -> Table:
    """One row per platform KPI, one column per ad platform that reported: "—" where a platform does not
    report the KPI (never 0)."""
    labels = dict(AdPlatform.choices)
    return Table("platform", [_("Platform KPI")] + [str(labels.get(r.ad_platform, r.ad_platform)) for r in rows], [
        [(str(PLATFORM_BY_NAME[name].label), name)] + [_kpi_cell(name, r.kpis[name], currency) for r in rows]
        for name in panels.PLATFORM_TABLE_KPIS] if rows else [])


def _reconciliation_table(rows: list[platform_metrics.ReconciliationRow]) -> Table:
    count = lambda value: ("—" if value is None else f"{value:,}", raw(value))  # noqa: E731
    gap = lambda value: (change_display(value), raw(value))  # noqa: E731
    return Table("reconciliation", [
        _("Day"), _("Platform impressions"), _("Impressions"), _("Difference"), _("Platform plays"), _("Views"),
        _("Difference"), _("Platform clicks"), _("Clicks"), _("Difference")], [
        [(r.day.isoformat(), r.day.isoformat()), count(r.platform_impressions), count(r.first_party_impressions),
         gap(r.impressions_difference), count(r.platform_plays), count(r.first_party_plays), gap(r.plays_difference),
         count(r.platform_clicks), count(r.first_party_clicks), gap(r.clicks_difference)]
        for r in rows if r.platform_impressions is not None or r.platform_plays is not None
        or r.platform_clicks is not None])


def _pacing(campaign: Campaign, now) -> dict | None:
    result = pacing.campaign_pacing(campaign, now=now)
    if result is None:
        return None
    money = lambda value: kpi_display("spend", value, currency=campaign.currency)  # noqa: E731
    return {"status": result.status.value, "status_label": pacing.STATUS_LABELS[result.status],
            "expected_lifetime": money(result.expected_lifetime), "expected_daily": money(result.expected_daily),
            "ratio": change_display(None) if result.ratio is None else f"{result.ratio * 100:,.1f}%",
            "projected": money(result.projected_spend), "projected_raw": raw(result.projected_spend),
            "capped_early": result.daily_cap_hit_early, "spend_today": money(result.spend_today)}


def _audience(request, campaign: Campaign) -> Table:
    entries = persona_selectors.campaign_audience(principal=request.principal, campaign_id=campaign.pk)
    basis = {"observed": _("Observed"), "predicted": _("Predicted")}
    rate = lambda value: kpi_display("engagement_rate", value)  # noqa: E731
    return Table("audience", [_("Persona"), _("Basis"), _("Viewers"), _("Views"), _("Engagement rate"),
                              _("Conversion rate"), _("Predicted affinity"), _("Target")], [
        [(e.persona.label, str(e.persona.pk)), (basis.get(e.basis, e.basis), e.basis),
         ("—" if e.viewers is None else f"{e.viewers:,}", raw(e.viewers)),
         ("—" if e.views is None else f"{e.views:,}", raw(e.views)),
         (rate(e.engagement_rate), raw(e.engagement_rate)), (rate(e.conversion_rate), raw(e.conversion_rate)),
         (f"{e.predicted_affinity:.3f}", raw(e.predicted_affinity)),
         (_("Yes") if e.is_target else "", "true" if e.is_target else "false")]
        for e in entries])


def campaign_dashboard(request, pk: int, *, site):
    campaign = (Campaign.objects.for_principal(request.principal).select_related("brand")
                .filter(pk=pk).first())
    if campaign is None:
        raise Http404(_("No such campaign."))
    brand = campaign.brand
    form = _controls(request, brand)
    context = {"title": campaign.name, "campaign": campaign, "brand": brand, "form": form,
               "controls": _shown(form, ["range", "date_from", "date_to", "kpi", "granularity"])}
    if form.errors:
        return _render(request, site, "workspace/campaign.html", context)
    period = form.period
    kpi, granularity, by = (form.cleaned_data[name] for name in ("kpi", "granularity", "by"))
    scope = selectors.KpiScope(brand=brand, campaign_ids=[campaign.pk], period=period)
    breakdown = scope.breakdown(selectors.BreakdownBy(by))
    label_of = dict(form.fields["by"].choices)
    breakdown_table = _kpi_table("breakdown", breakdown.rows, brand.currency, first_column=str(label_of[by]))
    flight = _flight(campaign, brand_today(brand))
    context.update({
        "period": period, "kpi": kpi, "granularity": granularity, "by": by, "by_label": label_of[by],
        "cards": _cards(scope.comparison(), brand.currency),
        "chart": _series_chart(scope.series(selectors.Granularity(granularity)), kpi),
        "breakdown_chart": {"type": "hbar", "kpi": kpi, "label": _kpi_label(kpi), "unit": BY_NAME[kpi].unit,
                            "x": [row.label for row in breakdown.rows[:20]],
                            "y": [None if row.kpis[kpi] is None else float(row.kpis[kpi])
                                  for row in breakdown.rows[:20]]},
        "suppressed": breakdown.suppressed_viewers,
        "merged": any(row.key == selectors.OTHER for row in breakdown.rows),
        "min_group_size": privacy_min_group_size(),
        "budget": _budget(campaign, flight),
        "pacing": _pacing(campaign, timezone.now()),
        "breakdown_choices": form.fields["by"].choices,
        "queries": {"cards": panels.campaign_cards(campaign, period),
                    "chart": panels.campaign_series(campaign, period, kpi=kpi, granularity=granularity),
                    "breakdown": panels.campaign_breakdown(campaign, period, by=by),
                    "budget": panels.campaign_budget(campaign, flight) if flight else None,
                    "platform": panels.campaign_platform(campaign, period),
                    "audience": panels.campaign_audience(campaign)},
    })
    window = dict(brand_id=brand.pk, campaign_ids=[campaign.pk], date_from=period.date_from, date_to=period.date_to)
    tables = {"breakdown": breakdown_table, "audience": _audience(request, campaign),
              "platform": _platform_table(platform_metrics.platform_kpis(**window), campaign.currency),
              "reconciliation": _reconciliation_table(platform_metrics.reconciliation(**window))}
    return _csv_or_page(request, site, "workspace/campaign.html", context, tables,
                        f"{brand.slug}-campaign-{campaign.pk}")


# --- personas ------------------------------------------------------------------------------------

def personas_dashboard(request, *, site):
    brands = _brands(request)
    brand = _brand(request, brands)
    context = {"title": _("Personas"), "tab": "personas", "brands": brands, "brand": brand}
    if brand is None:
        return _render(request, site, "workspace/personas.html", context)
    personas = list(persona_selectors.personas_for_brand(principal=request.principal, brand_id=brand.pk)
                    .select_related("model"))
    cards, reach_rows = [], []
    for persona in personas:
        kpis = persona_selectors.persona_campaign_kpis(principal=request.principal, persona_id=persona.pk)
        campaigns = kpis.rows if kpis else []
        for row in campaigns:
            reach_rows.append([(persona.label, str(persona.pk)), (row["campaign_name"], str(row["campaign_id"])),
                               (f"{row['reach']:,}", raw(row["reach"])), (f"{row['views']:,}", raw(row["views"])),
                               _kpi_cell("engagement_rate", row["engagement_rate"], ""),
                               _kpi_cell("ctr", row["ctr"], ""), _kpi_cell("cvr", row["cvr"], "")])
        profile = persona.profile
        cards.append({
            "persona": persona, "share": f"{persona.share * 100:.1f}%", "chart_id": f"chart-persona-{persona.pk}",
            "top_tags": profile.get("top_tags", []),
            "demographics": [(PROFILE_LABELS.get(column, column), rows[:3])
                             for column, rows in profile.get("demographics", {}).items() if rows],
            "engagement": _distinctive(profile.get("engagement", {})), "suppressed": kpis.suppressed if kpis else 0,
            "chart": {"type": "hbar", "label": _("Lift over all viewers"), "unit": "ratio_plain",
                      "x": [t["tag"] for t in profile.get("top_tags", [])][:10],
                      "y": [t["lift"] for t in profile.get("top_tags", [])][:10]},
        })
    sizes = Table("personas", [_("Persona"), _("Viewers"), _("Share")], [
        [(p.label, str(p.pk)), (f"{p.size:,}", raw(p.size)), (f"{p.share * 100:.1f}%", raw(p.share))]
        for p in personas])
    reach = Table("persona_campaigns", [_("Persona"), _("Campaign"), _("Reach"), _("Views"), _("Engagement rate"),
                                        _("Click-through rate"), _("Conversion rate")], reach_rows)
    context.update({
        "cards": cards,
        "share_chart": {"type": "pie", "label": _("Share of viewers"), "unit": "count",
                        "x": [p.label for p in personas], "y": [p.size for p in personas]},
        "queries": {"personas": panels.personas(brand)},
    })
    return _csv_or_page(request, site, "workspace/personas.html", context,
                        {"personas": sizes, "persona_campaigns": reach}, f"{brand.slug}-personas")


# --- recommendation preview ----------------------------------------------------------------------

def _recommendation_table(name: str, recs: list[serving.Recommendation]) -> Table:
    return Table(name, [_("Rank"), _("Video"), _("Category"), _("Score"), _("Reasons")], [
        [(str(i), str(i)), (r.video.title, str(r.video.pk)), (r.video.category, r.video.category),
         (f"{r.score:.4f}", raw(round(r.score, 6))), ("; ".join(r.reasons), "; ".join(r.reasons))]
        for i, r in enumerate(recs, start=1)], sortable=False)


def _picked(request, name: str, queryset) -> tuple[object | None, str | None]:
    """The row named by a GET parameter among those the user may see, or a message saying why not."""
    value = (request.GET.get(name) or "").strip()
    if not value:
        return None, None
    try:
        pk = int(value)
    except ValueError:
        return None, _("Enter the number of a %(what)s.") % {"what": queryset.model._meta.verbose_name}
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        return None, _("No %(what)s %(pk)s in this brand.") % {"what": queryset.model._meta.verbose_name, "pk": pk}
    return obj, None


ONLINE_DAYS = 28


def _online_tables(principal, brand) -> tuple[Table, Table]:
    """Online metrics per model version over the last ``ONLINE_DAYS`` days, and the brand's experiments."""
    today = brand_today(brand)
    rows = online_metrics.recommendation_metrics(principal=principal, brand_id=brand.pk,
                                                 date_from=today - timedelta(days=ONLINE_DAYS - 1), date_to=today,
                                                 by="model_version")
    online = Table("online", [_("Version"), _("Served lists"), _("Items served"), _("CTR"), _("Hit rate"),
                              _("Watch seconds per 1,000 items"), _("Conversions per 1,000 items"),
                              _("Catalogue coverage")], [
        [(r.key or _("Popular (no model)"), raw(r.key)), (str(r.served_lists), raw(r.served_lists)),
         (str(r.items_served), raw(r.items_served)), (f"{r.ctr:.2%}", raw(round(r.ctr, 6))),
         (f"{r.hit_rate:.2%}", raw(round(r.hit_rate, 6))),
         (f"{r.watch_seconds_per_1000:.1f}", raw(round(r.watch_seconds_per_1000, 3))),
         (f"{r.conversions_per_1000:.2f}", raw(round(r.conversions_per_1000, 3))),
         (f"{r.catalogue_coverage:.1%}", raw(round(r.catalogue_coverage, 6)))] for r in rows])
    found = RecommenderExperiment.objects.for_principal(principal).filter(brand=brand).select_related(
        "control", "candidate")[:20]
    experiments = Table("experiments", [_("Surface"), _("Control"), _("Candidate"), _("Traffic share"), _("Status"),
                                        _("Sample per arm"), _("Verdict"), _("p-value")], [
        [(e.get_surface_display(), e.surface), (str(e.control.version), e.control.version),
         (str(e.candidate.version), e.candidate.version), (f"{e.traffic_share:.0%}", e.traffic_share),
         (e.get_status_display(), e.status), (str(e.required_sample_size), e.required_sample_size),
         (Verdict(e.result["verdict"]).label if e.result.get("verdict") else "—", e.result.get("verdict", "")),
         (f"{e.result['primary']['p_value']:.4f}" if e.result.get("primary") else "—",
          raw((e.result.get("primary") or {}).get("p_value")))] for e in found], sortable=False)
    return online, experiments


def recommendations_preview(request, *, site):
    brands = _brands(request)
    brand = _brand(request, brands)
    context = {"title": _("Recommendation preview"), "tab": "recommendations", "brands": brands, "brand": brand}
    if brand is None:
        return _render(request, site, "workspace/recommendations.html", context)
    principal = request.principal
    viewer, viewer_error = _picked(request, "viewer", Viewer.objects.for_principal(principal).filter(brand=brand))
    persona, persona_error = _picked(request, "persona", persona_selectors.personas_for_brand(
        principal=principal, brand_id=brand.pk))
    video, video_error = _picked(request, "video", Video.objects.for_principal(principal).filter(brand=brand))
    tables, queries, errors = {}, {"models": panels.recommender_models(brand)}, [
        e for e in (viewer_error, persona_error, video_error) if e]
    try:
        if viewer is not None:
            tables["viewer"] = _recommendation_table(
                "viewer", serving.recommend_for_viewer(principal=principal, viewer_id=viewer.pk, n=10, log=False))
            queries["viewer"] = panels.viewer_recommendations(viewer.pk)
        if persona is not None:
            tables["persona"] = _recommendation_table(
                "persona", serving.recommend_for_persona(principal=principal, persona_id=persona.pk, n=10))
            queries["persona"] = panels.persona_recommendations(persona.pk)
        if video is not None:
            tables["similar"] = _recommendation_table(
                "similar", serving.similar_videos(principal=principal, video_id=video.pk, n=10, log=False))
            queries["similar"] = panels.similar_videos(video.pk)
    except ServiceValidationError as exc:
        errors.extend(error.message for error in exc.errors)
    tables["online"], tables["experiments"] = _online_tables(principal, brand)
    today = brand_today(brand)
    queries["online"] = panels.recommendation_metrics(brand, today - timedelta(days=ONLINE_DAYS - 1), today)
    queries["experiments"] = panels.experiments(brand)
    models = list(RecommenderModel.objects.for_principal(principal).filter(brand=brand).order_by("-version")[:10])
    active = next((m for m in models if m.is_active), None)
    metric_names = sorted({name for m in models for name, value in (m.metrics or {}).items()
                           if isinstance(value, int | float)})
    tables["models"] = Table("models", [_("Version"), _("Algorithm"), _("Status"), _("Active")] + metric_names, [
        [(str(m.version), str(m.version)), (m.algorithm, m.algorithm), (m.get_status_display(), m.status),
         (_("Yes") if m.is_active else "", "true" if m.is_active else "false")]
        + [(f"{m.metrics[n]:.4f}" if isinstance(m.metrics.get(n), float) else raw(m.metrics.get(n)),
            raw(m.metrics.get(n))) for n in metric_names]
        for m in models])
    context.update({"viewer": viewer, "persona": persona, "video": video, "errors": errors, "active": active,
                    "personas": persona_selectors.personas_for_brand(principal=principal, brand_id=brand.pk),
                    "queries": queries, "kpis": KPIS})
    return _csv_or_page(request, site, "workspace/recommendations.html", context, tables,
                        f"{brand.slug}-recommendations")

"""The admin dashboards show the numbers GraphQL gives for the same inputs, scoped to the user's brands.

Each test reads the page as served (cards, tables, the panels' GraphQL queries), runs the panel's own query
through /graphql with the same session, and compares. Totals are also checked against the plain-Python
recomputation over the raw interactions (tests.analytics.kpi_world).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from strawberry.relay import from_base64

from analytics.selectors import BreakdownBy
from marketing.models import Campaign
from tests.analytics import kpi_world
from tests.factories import BrandFactory, CampaignFactory, MembershipFactory, UserFactory
from tests.workspace.conftest import period_params, staff_member
from tests.workspace.pages import DashboardPage
from workspace.panels import PLATFORM_TABLE_KPIS, TABLE_KPIS

pytestmark = pytest.mark.django_db


def graphql(client, query: str) -> dict:
    response = client.post("/graphql", {"query": query}, content_type="application/json")
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def pk_of(global_id: str) -> str:
    return from_base64(global_id)[1]


def same(page_raw: str, api_value) -> bool:
    if api_value is None:
        return page_raw == ""
    return Decimal(page_raw) == Decimal(str(api_value))


def chart(content: str, element_id: str) -> dict:
    return json.loads(re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>',
                                content, re.S).group(1))


def test_overview_cards_equal_graphql_and_the_raw_rows(kpi_brand, marketer_client):
    brand, _campaigns = kpi_brand
    response = marketer_client.get(reverse("admin:index"), period_params())
    assert response.status_code == 200
    page = DashboardPage(response.content.decode())
    api = graphql(marketer_client, page.query("BrandKpiCards"))["brandKpis"]["comparison"]
    assert [row["kpi"].lower() for row in api] == list(page.cards)
    for row in api:
        assert same(page.cards[row["kpi"].lower()], row["value"]), row
        assert same(page.changes[row["kpi"].lower()], row["relativeChange"]), row
    expected = kpi_world.expected_sums(brand)
    assert int(page.cards["views"]) == expected["views"]
    assert int(page.cards["reach"]) == expected["reach"]
    assert Decimal(page.cards["spend"]) == expected["spend"]
    assert Decimal(page.cards["revenue"]) == expected["revenue"]


def test_overview_chart_campaigns_and_top_videos_equal_graphql(kpi_brand, marketer_client):
    brand, campaigns = kpi_brand
    response = marketer_client.get(reverse("admin:index"), period_params(kpi="engagement_rate"))
    content = response.content.decode()
    page = DashboardPage(content)

    series = graphql(marketer_client, page.query("BrandKpiSeries"))["brandKpis"]["series"]
    drawn = chart(content, "chart-main")
    assert drawn["x"] == [row["key"] for row in series]
    assert drawn["y"] == [None if row["row"][0] is None else float(row["row"][0]) for row in series]
    assert len(drawn["x"]) == kpi_world.PERIOD.days

    overview = graphql(marketer_client, page.query("BrandCampaigns"))["brandOverview"]["campaigns"]
    table = page.tables["campaigns"]
    assert sorted(row[0] for row in table) == sorted(str(c.pk) for c in campaigns)
    by_id = {row[0]: row for row in table}
    for campaign in overview:
        row = by_id[pk_of(campaign["campaignId"])]
        assert row[1] == campaign["status"].lower()
        assert all(same(cell, value["value"]) for cell, value in zip(row[2:], campaign["values"], strict=True))

    top = graphql(marketer_client, page.query("TopVideos"))["topVideos"]
    assert [row[0] for row in page.tables["top_videos"]] == [pk_of(v["videoId"]) for v in top]
    assert all(same(cell, value["value"]) for row, video in zip(page.tables["top_videos"], top, strict=True)
               for cell, value in zip(row[1:], [v for v in video["values"] if v["kpi"].lower() in TABLE_KPIS],
                                      strict=True))


@pytest.mark.parametrize("by", [b.value for b in BreakdownBy])
def test_campaign_breakdowns_equal_graphql(kpi_brand, marketer_client, by):
    _brand, campaigns = kpi_brand
    url = reverse("admin:workspace-campaign", args=[campaigns[0].pk])
    page = DashboardPage(marketer_client.get(url, period_params(by=by)).content.decode())
    breakdown = graphql(marketer_client, page.query("CampaignBreakdown"))["campaignKpis"]["breakdown"]
    api_rows = breakdown["table"]["rows"]
    shown = page.tables["breakdown"]
    assert [row[0] for row in shown] == [row[0] for row in api_rows]
    for page_row, api_row in zip(shown, api_rows, strict=True):
        assert all(same(cell, value) for cell, value in zip(page_row[1:], api_row[2:], strict=True)), by
    assert len(shown) > 0


def test_campaign_series_follows_kpi_and_granularity(kpi_brand, marketer_client):
    _brand, campaigns = kpi_brand
    url = reverse("admin:workspace-campaign", args=[campaigns[1].pk])
    content = marketer_client.get(url, period_params(kpi="ctr", granularity="week")).content.decode()
    series = graphql(marketer_client, DashboardPage(content).query("CampaignKpiSeries"))["campaignKpis"]["series"]
    drawn = chart(content, "chart-main")
    assert drawn["kpi"] == "ctr"
    assert drawn["x"] == [row["key"] for row in series]
    assert drawn["y"] == [None if row["row"][0] is None else float(row["row"][0]) for row in series]
    assert len(series) == 3  # 2026-10-01 (Thursday) .. 10-14: the weeks of Sep 28, Oct 5 and Oct 12


def test_budget_panel_sums_the_flight_spend(kpi_brand, marketer_client):
    brand, campaigns = kpi_brand
    campaign = campaigns[0]
    Campaign.objects.filter(pk=campaign.pk).update(budget_lifetime=Decimal("5000.00"), budget_daily=Decimal("300"))
    content = marketer_client.get(reverse("admin:workspace-campaign", args=[campaign.pk]), period_params()).content
    page = DashboardPage(content.decode())
    api = graphql(marketer_client, page.query("CampaignBudget"))
    assert api["node"]["budgetLifetime"] == "5000.00"
    spent = Decimal(api["campaignKpis"]["totals"][0]["value"])
    campaign.refresh_from_db()
    flight = chart(content.decode(), "chart-budget")
    assert Decimal(str(sum(flight["y"]))).quantize(Decimal("0.01")) == spent
    assert flight["limit"] == 300.0
    assert f'data-value="{spent}"' in content.decode()


def test_csv_download_holds_the_table(kpi_brand, marketer_client):
    _brand, campaigns = kpi_brand
    url = reverse("admin:workspace-campaign", args=[campaigns[0].pk])
    params = period_params(by="gender")
    page = DashboardPage(marketer_client.get(url, params).content.decode())
    response = marketer_client.get(url, {**params, "csv": "breakdown"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == page.headers["breakdown"]
    assert rows[1:] == page.tables["breakdown"]
    assert marketer_client.get(url, {**params, "csv": "nope"}).status_code == 404


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"range": "custom", "date_from": "2026-10-14", "date_to": "2026-10-01"}, "date_to", "before the first day"),
    ({"range": "custom", "date_from": "2020-01-01", "date_to": "2026-10-01"}, "date_from", "at most 731 days"),
    ({"range": "custom", "date_from": "2026-10-01"}, "date_to", "last day of a custom range"),
    ({"range": "custom", "date_from": "yesterday", "date_to": "2026-10-01"}, "date_from", "valid date"),
    ({"range": "last-decade"}, "range", "valid choice"),
    ({"kpi": "happiness"}, "kpi", "valid choice"),
    ({"granularity": "hour"}, "granularity", "valid choice"),
    ({"by": "star_sign"}, "by", "valid choice"),
])
def test_bad_controls_get_a_message_on_the_page(kpi_brand, marketer_client, params, field, message):
    _brand, campaigns = kpi_brand
    for url in (reverse("admin:index"), reverse("admin:workspace-campaign", args=[campaigns[0].pk])):
        response = marketer_client.get(url, params)
        assert response.status_code == 200
        page = DashboardPage(response.content.decode())
        assert [f for f, _text in page.errors] == [field]
        assert message in page.errors[0][1]
        assert page.cards == {} and page.tables == {}


def test_other_brands_and_missing_rows_are_404(kpi_brand, marketer_client):
    other = BrandFactory()
    foreign = CampaignFactory(brand=other)
    gone = CampaignFactory(brand=kpi_brand[0])
    gone_pk = gone.pk
    gone.delete()
    assert marketer_client.get(reverse("admin:workspace-campaign", args=[foreign.pk])).status_code == 404
    assert marketer_client.get(reverse("admin:workspace-campaign", args=[gone_pk])).status_code == 404
    for page in ("admin:index", "admin:workspace-personas", "admin:workspace-recommendations"):
        assert marketer_client.get(reverse(page), {"brand": other.pk}).status_code == 404
        assert marketer_client.get(reverse(page), {"brand": "x"}).status_code == 404
    # And the other brand's name is nowhere on the user's own pages.
    assert other.name not in marketer_client.get(reverse("admin:index")).content.decode()


def test_brand_switcher_lists_the_users_brands_only(kpi_brand, client):
    brand, _campaigns = kpi_brand
    second, hidden = BrandFactory(name="Second brand"), BrandFactory(name="Hidden brand")
    user = staff_member(brand, "editor")
    MembershipFactory(user=user, brand=second, role="viewer")
    client.force_login(user)
    content = client.get(reverse("admin:index")).content.decode()
    assert 'name="brand"' in content and "Second brand" in content and "Hidden brand" not in content
    first = sorted([brand, second], key=lambda b: (b.name, b.pk))[0]
    assert f"<h2 class=\"rb-title\">{first.name}" in content
    switched = client.get(reverse("admin:index"), {"brand": second.pk}).content.decode()
    assert "<h2 class=\"rb-title\">Second brand" in switched
    assert client.get(reverse("admin:index"), {"brand": hidden.pk}).status_code == 404


def test_superuser_sees_every_brand(kpi_brand, client):
    BrandFactory(name="Another brand")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    content = client.get(reverse("admin:index")).content.decode()
    assert "Another brand" in content and kpi_brand[0].name in content


def test_a_staff_user_without_brands_sees_a_hint(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "not a member of any brand" in response.content.decode()


def test_anonymous_users_are_sent_to_the_login(kpi_brand, client):
    for url in (reverse("admin:index"), reverse("admin:workspace-campaign", args=[kpi_brand[1][0].pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_campaign_list_and_change_page_link_the_dashboard(kpi_brand, client):
    brand, campaigns = kpi_brand
    client.force_login(staff_member(brand, "editor"))
    url = reverse("admin:workspace-campaign", args=[campaigns[0].pk])
    assert url in client.get(reverse("admin:marketing_campaign_changelist")).content.decode()
    assert url in client.get(reverse("admin:marketing_campaign_change", args=[campaigns[0].pk])).content.decode()


def test_data_page_lists_the_models(marketer_client):
    content = marketer_client.get(reverse("admin:workspace-data")).content.decode()
    assert reverse("admin:marketing_campaign_changelist") in content


def test_panel_links_open_graphiql_with_the_query(kpi_brand, marketer_client, settings):
    page_content = marketer_client.get(reverse("admin:index"), period_params()).content.decode()
    assert 'href="/graphql?q=query%20BrandKpiCards' in page_content
    settings.GRAPHQL_GRAPHIQL = False
    assert "/graphql?q=" not in marketer_client.get(reverse("admin:index"), period_params()).content.decode()


def test_presets_end_today_in_the_brands_zone(kpi_brand, marketer_client):
    from workspace.forms import brand_today

    brand, _ = kpi_brand
    for preset, days in (("7d", 7), ("30d", 30), ("90d", 90)):
        content = marketer_client.get(reverse("admin:index"), {"range": preset}).content.decode()
        today = brand_today(brand)
        assert f"{(today - timedelta(days=days - 1)).isoformat()} – {today.isoformat()}" in content
    month = marketer_client.get(reverse("admin:index"), {"range": "month"}).content.decode()
    assert f"{brand_today(brand).replace(day=1).isoformat()} – " in month


@pytest.fixture
def persona_world(brand, editor_principal, django_capture_on_commit_callbacks):
    from tests.personas.conftest import train
    from tests.personas.world import build_world

    build_world(brand)
    _job, model = train(editor_principal, brand, django_capture_on_commit_callbacks, activate=True)
    return model


def test_personas_page_equals_graphql(brand, persona_world, marketer_client):
    content = marketer_client.get(reverse("admin:workspace-personas")).content.decode()
    page = DashboardPage(content)
    api = [edge["node"] for edge in graphql(marketer_client, page.query("Personas"))["personas"]["edges"]]
    assert len(api) >= 2
    assert [row[0] for row in page.tables["personas"]] == [pk_of(p["id"]) for p in api]
    assert [[row[1], row[2]] for row in page.tables["personas"]] == [[str(p["size"]), str(p["share"])] for p in api]
    reach = [[pk_of(p["id"]), pk_of(c["campaignId"]), str(c["reach"]), str(c["views"])]
             for p in api for c in p["kpis"]["campaigns"]]
    assert [row[:4] for row in page.tables["persona_campaigns"]] == [[r[0], r[1], r[2], r[3]] for r in reach]
    for persona in api:  # one profile card with a chart of its tag lifts each
        assert f'data-persona="{pk_of(persona["id"])}"' in content
        tags = [t["tag"] for t in persona["profile"]["top_tags"]][:10]
        if tags:
            assert chart(content, f"chart-persona-{pk_of(persona['id'])}")["x"] == tags


def test_recommendation_preview_equals_graphql(brand, persona_world, marketer_client):
    from marketing.models import Video, Viewer

    viewer = Viewer.objects.filter(brand=brand).order_by("pk").first()
    video = Video.objects.filter(brand=brand, moderation_status="approved").order_by("pk").first()
    persona = persona_world.personas.order_by("pk").first()
    content = marketer_client.get(reverse("admin:workspace-recommendations"),
                                  {"viewer": viewer.pk, "video": video.pk, "persona": persona.pk}).content.decode()
    page = DashboardPage(content)
    for table, name, field in (("viewer", "Recommendations", "recommendations"),
                               ("similar", "SimilarVideos", "similarVideos"),
                               ("persona", "PersonaRecommendations", "personaRecommendations")):
        if table not in page.tables:
            continue
        api = graphql(marketer_client, page.query(name))[field]
        assert [row[1] for row in page.tables[table]] == [pk_of(r["videoId"]) for r in api], table
        assert [Decimal(row[3]) for row in page.tables[table]] == [Decimal(str(r["score"])) for r in api], table
        assert [row[4] for row in page.tables[table]] == ["; ".join(r["reasons"]) for r in api], table
    assert "viewer" in page.tables and len(page.tables["viewer"]) > 0


@pytest.mark.parametrize(("params", "message"), [
    ({"viewer": "abc"}, "Enter the number of a viewer"),
    ({"viewer": "999999999"}, "No viewer 999999999 in this brand"),
    ({"video": "-1"}, "No video -1 in this brand"),
])
def test_recommendation_preview_explains_a_bad_pick(brand, marketer_client, params, message):
    response = marketer_client.get(reverse("admin:workspace-recommendations"), params)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_recommendation_preview_does_not_reach_another_brands_viewer(brand, marketer_client):
    from tests.factories import ViewerFactory

    foreign = ViewerFactory(brand=BrandFactory())
    content = marketer_client.get(reverse("admin:workspace-recommendations"), {"viewer": foreign.pk}).content.decode()
    assert f"No viewer {foreign.pk} in this brand" in content


def test_platform_panel_and_reconciliation_equal_graphql(kpi_brand, marketer_client):
    from tests.analytics.platform_world import account, stat

    brand, campaigns = kpi_brand
    campaign = campaigns[0]
    ocean, kwai = account(brand, "oceanengine", "1001"), account(brand, "kuaishou_ads", "2002")
    stat(ocean, campaign, date(2026, 10, 2), spend="120.00", impressions=5_000, clicks=80, plays=3_000,
         effective_plays=700, plays_25=1_650, avg_play_time_s=7.25, conversions=4)
    stat(kwai, campaign, date(2026, 10, 3), spend="60.00", impressions=2_000, clicks=20, plays=1_500,
         plays_3s=900, plays_10s=650, effective_plays=900, conversions=3)
    content = marketer_client.get(reverse("admin:workspace-campaign", args=[campaign.pk]), period_params()).content
    page = DashboardPage(content.decode())
    api = graphql(marketer_client, page.query("CampaignPlatformMetrics"))
    platforms = api["campaignKpis"]["platformTotals"]
    assert [p["adPlatform"] for p in platforms] == ["oceanengine", "kuaishou_ads"]
    assert page.headers["platform"][1:] == ["Ocean Engine 巨量引擎", "Kuaishou 磁力引擎"]
    expected = [[name] + [next(v["value"] for v in p["values"] if v["kpi"] == name.upper()) or "" for p in platforms]
                for name in PLATFORM_TABLE_KPIS]
    assert page.tables["platform"] == expected
    by_name = dict(zip(PLATFORM_TABLE_KPIS, page.tables["platform"], strict=True))
    assert by_name["effective_plays"] == ["effective_plays", "700", "900"]
    assert by_name["plays_10s"] == ["plays_10s", "", "650"]  # Ocean Engine's rows carry none: empty, not 0
    assert by_name["cost_per_conversion"] == ["cost_per_conversion", "30.000000", "20.000000"]
    reported = [r for r in api["campaignKpis"]["reconciliation"] if r["platformImpressions"] is not None]
    assert [row[0] for row in page.tables["reconciliation"]] == [r["day"] for r in reported] == [
        "2026-10-02", "2026-10-03"]
    for row, answer in zip(page.tables["reconciliation"], reported, strict=True):
        assert same(row[1], answer["platformImpressions"]) and same(row[2], answer["firstPartyImpressions"])
        assert same(row[3], answer["impressionsDifference"]) and same(row[5], answer["firstPartyPlays"])
def test_online_metrics_and_experiments_panels_equal_graphql(brand, marketer_client):
    from datetime import timedelta

    from django.utils import timezone

    from recommendations.attribution import attribute_new
    from recommendations.models import RecommenderExperiment, RecommenderModel, ServedList
    from tests.factories import InteractionFactory, VideoFactory, ViewerFactory

    videos = [VideoFactory(brand=brand) for _ in range(3)]
    viewer = ViewerFactory(brand=brand)
    served_at = timezone.now() - timedelta(hours=2)
    for version, ids in ((1, [videos[0].pk, videos[1].pk]), (2, [videos[2].pk]), (2, [videos[1].pk])):
        ServedList.objects.create(brand=brand, viewer=viewer, model_version=version, surface="feed", video_ids=ids,
                                  n_items=len(ids), served_at=served_at)
    InteractionFactory(brand=brand, viewer=viewer, video=videos[1], kind="view", watch_ms=3000,
                       occurred_at=served_at + timedelta(minutes=1))
    attribute_new(brand_id=brand.pk, now=timezone.now() + timedelta(hours=1))
    RecommenderExperiment.objects.create(
        brand=brand, control=RecommenderModel.objects.create(brand=brand, version=1, status="ready"),
        candidate=RecommenderModel.objects.create(brand=brand, version=2, status="ready"), traffic_share=0.2,
        primary_metric="engaged_viewers", mde=0.05, baseline=0.3, required_sample_size=1376, started_at=served_at)
    page = DashboardPage(marketer_client.get(reverse("admin:workspace-recommendations")).content.decode())
    api = graphql(marketer_client, page.query("RecommendationMetrics"))["recommendationMetrics"]
    assert [row[:3] for row in page.tables["online"]] == [[r["key"], str(r["servedLists"]), str(r["itemsServed"])]
                                                          for r in api] == [["1", "1", "2"], ["2", "2", "2"]]
    assert [row[3] for row in page.tables["online"]] == [str(r["ctr"]) for r in api] == ["0.5", "0.0"]
    experiments = [edge["node"] for edge in
                   graphql(marketer_client, page.query("RecommenderExperiments"))["experiments"]["edges"]]
    assert [row[:6] for row in page.tables["experiments"]] == [
        [e["surface"].lower(), str(e["controlVersion"]), str(e["candidateVersion"]), str(e["trafficShare"]),
         e["status"].lower(), str(e["requiredSampleSize"])] for e in experiments] == [
        ["feed", "1", "2", "0.2", "running", "1376"]]


def test_controls_show_the_range_the_page_was_computed_for(kpi_brand, marketer_client):
    """Without a range in the URL the page shows the last 30 days: the selector must say so, not show its
    first option, and the (hidden) date inputs start from those days for a switch to a custom range."""
    from workspace.forms import brand_today

    brand, _ = kpi_brand
    today = brand_today(brand)
    first = (today - timedelta(days=29)).isoformat()
    for params in ({}, {"range": "30d"}):
        content = marketer_client.get(reverse("admin:index"), params).content.decode()
        assert '<option value="30d" selected>' in content
        assert '<option value="7d" selected>' not in content
        assert f'name="date_from" value="{first}"' in content
        assert f'name="date_to" value="{today.isoformat()}"' in content
        assert f"{first} – {today.isoformat()}" in content
    week = marketer_client.get(reverse("admin:index"), {"range": "7d"}).content.decode()
    assert '<option value="7d" selected>' in week and '<option value="30d" selected>' not in week
    # A custom range keeps what the person typed.
    custom = marketer_client.get(reverse("admin:index"), {"range": "custom", "date_from": "2026-10-01",
                                                          "date_to": "2026-10-14"}).content.decode()
    assert '<option value="custom" selected>' in custom and 'name="date_from" value="2026-10-01"' in custom

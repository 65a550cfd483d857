"""The workspace in a real browser: Debian's chromium driven by Playwright against a live test server.

Every scenario fails on any console error or uncaught page error, and saves a screenshot under
``browser-screenshots/`` (git-ignored; `make screenshots` copies two of them into docs/img for the README).
Without a chromium on the machine these tests skip and say so; in CI a skip fails the run.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.urls import reverse

from tests.analytics import kpi_world
from tests.factories import BrandFactory, CampaignFactory
from tests.workspace.conftest import period_params, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory
SHOTS = settings.BASE_DIR / "browser-screenshots"


@pytest.fixture
def world(live_server):
    brand = BrandFactory(name="Glow Lab Beauty")
    campaigns = kpi_world.build(brand)
    user = staff_member(brand, "viewer", username="marketer")
    return brand, campaigns, user


@pytest.fixture
def console(page):
    """Every console error and uncaught exception of the test's pages; none may happen."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield problems
    assert problems == []


def sign_in(page, live_server, username="marketer"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")


def query_string(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def shot(page, name: str):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def run_graphql(page, query: str) -> dict:
    """The query through /graphql from the page, as GraphiQL and marketing tools send it (session + CSRF)."""
    return page.evaluate("""async (query) => {
        const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='))?.split('=')[1];
        const response = await fetch('/graphql', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}, body: JSON.stringify({query})});
        return await response.json();
    }""", query)


def chart_size(page, panel: str) -> tuple[int, int]:
    canvas = page.locator(f"#{panel} canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    return int(box["width"]), int(box["height"])


def test_overview_shows_charts_and_the_numbers_graphql_gives(world, live_server, page, console):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/?{query_string(period_params())}")
    width, height = chart_size(page, "panel-chart")
    assert width > 300 and height > 200
    query = page.locator("#panel-cards pre[data-query]").text_content()
    answer = run_graphql(page, query)["data"]["brandKpis"]["comparison"]
    cards = page.locator(".rb-card")
    assert cards.count() == len(answer) == 8
    for i, row in enumerate(answer):
        assert cards.nth(i).get_attribute("data-kpi") == row["kpi"].lower()
        assert Decimal(cards.nth(i).get_attribute("data-value")) == Decimal(row["value"])
    assert int(page.locator('.rb-card[data-kpi="views"]').get_attribute("data-value")) == \
        kpi_world.expected_sums(world[0])["views"]
    shot(page, "overview-en")


def test_campaign_dashboard_range_granularity_personas_and_csv(world, live_server, page, console, tmp_path):
    brand, campaigns, _user = world
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/?{query_string(period_params())}")
    page.locator("#panel-campaigns table a", has_text=campaigns[0].name).click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(f"{live_server.url}{reverse('admin:workspace-campaign', args=[campaigns[0].pk])}")

    # A narrower custom range and weekly buckets, through the controls as a person uses them.
    page.fill("input[name=date_from]", "2026-10-05")
    page.fill("input[name=date_to]", "2026-10-11")
    page.select_option("select[name=granularity]", "week")
    page.click("#rb-controls button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "date_from=2026-10-05" in page.url and "granularity=week" in page.url
    assert page.locator("h2.rb-title").text_content().count("2026-10-05 – 2026-10-11") == 1
    assert chart_size(page, "panel-chart")[0] > 300

    page.click('.rb-subtabs a[data-by="persona"]')
    page.wait_for_load_state("networkidle")
    assert "by=persona" in page.url
    cells = page.locator('table[data-table="breakdown"] tbody tr').evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.getAttribute('data-raw')))")
    assert cells, "the persona breakdown shows rows"
    with page.expect_download() as download:
        page.locator("#panel-breakdown a.rb-csv").click()
    path = tmp_path / "breakdown.csv"
    download.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[1:] == cells

    # Sorting a column by clicking its header puts the largest value first.
    page.locator('table[data-table="breakdown"] th').nth(2).click()
    first = page.locator('table[data-table="breakdown"] tbody tr').first.locator("td").nth(2)
    assert Decimal(first.get_attribute("data-raw")) == max(Decimal(r[2]) for r in cells if r[2])
    shot(page, "campaign-en")


def test_viewer_cannot_reach_another_brands_dashboard(world, live_server, page, console):
    other = CampaignFactory(brand=BrandFactory(name="Rival Brand"))
    sign_in(page, live_server)
    console_404 = page.goto(f"{live_server.url}{reverse('admin:workspace-campaign', args=[other.pk])}")
    assert console_404.status == 404
    console.clear()  # the browser logs the 404 document itself; that is the expected answer
    page.goto(f"{live_server.url}/admin/")
    assert "Rival Brand" not in page.content()
    shot(page, "other-brand-404")


def test_graphiql_runs_the_panels_query_with_every_other_host_blocked(world, live_server, page, console):
    own = urlparse(live_server.url).netloc
    blocked: list[str] = []

    def only_this_host(route):
        if urlparse(route.request.url).netloc == own:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_host)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/?{query_string(period_params())}")
    page.locator("#panel-cards summary").click()
    href = page.locator("#panel-cards a.rb-graphiql").get_attribute("href")
    page.goto(f"{live_server.url}{href}")
    page.locator(".graphiql-query-editor").get_by_text("BrandKpiCards").first.wait_for(timeout=60_000)
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    try:
        result.get_by_text("relativeChange").first.wait_for(timeout=60_000)
    finally:
        shot(page, "graphiql-offline")
    text = result.text_content()
    assert '"brandKpis"' in text and '"comparison"' in text and "errors" not in text
    assert blocked == []


def test_presets_switch_the_range(world, live_server, page, console):
    brand = world[0]
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    assert page.locator("select[name=range]").input_value() == "30d"  # the default the page was computed for
    page.locator("#rb-controls").screenshot(path=str(SHOTS / "controls-default-en.png"))
    page.select_option("select[name=range]", "7d")  # a preset submits the form by itself
    page.wait_for_url(re.compile(r"range=7d"))
    from workspace.forms import brand_today

    today = brand_today(brand)
    assert f"{(today - timedelta(days=6)).isoformat()} – {today.isoformat()}" in page.locator("h2.rb-title").text_content()


def test_switching_to_chinese_translates_the_dashboard(world, live_server, page, console):
    _brand, campaigns, _user = world
    sign_in(page, live_server)
    page.goto(f"{live_server.url}{reverse('admin:workspace-campaign', args=[campaigns[0].pk])}?"
              f"{query_string(period_params(by='gender'))}")
    assert page.locator('.rb-card[data-kpi="views"] .rb-card-label').text_content().strip() == "Views"
    page.select_option("#language-switcher-select", "zh-hans")
    page.locator("#language-switcher button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    labels = {card.get_attribute("data-kpi"): card.locator(".rb-card-label").text_content().strip()
              for card in page.locator(".rb-card").all()}
    assert labels["views"] == "播放量"
    assert labels["engagement_rate"] == "互动率"
    assert labels["ctr"] == "点击率"
    assert labels["reach"] == "覆盖人数"
    assert page.locator("#panel-budget h3").text_content().strip() == "消耗与预算"
    assert page.locator('.rb-subtabs a[data-by="gender"]').text_content().strip() == "性别"
    assert chart_size(page, "panel-chart")[0] > 300  # the page still draws after the switch (same URL)
    assert "date_from=2026-10-01" in page.url
    shot(page, "campaign-zh")
    page.goto(f"{live_server.url}/admin/?{query_string(period_params())}")
    assert page.locator(".rb-tabs a.active").text_content().strip() == "品牌总览"
    shot(page, "overview-zh")


def test_platform_metrics_panel_in_english_and_chinese(world, live_server, page, console):
    from datetime import date

    from tests.analytics.platform_world import account, stat

    brand, campaigns, _user = world
    campaign = campaigns[0]
    ocean, kwai = account(brand, "oceanengine", "1001"), account(brand, "kuaishou_ads", "2002")
    for offset in range(5):
        day = date(2026, 10, 2) + timedelta(days=offset)
        stat(ocean, campaign, day, spend="120.00", impressions=5_000 + offset * 100, clicks=80, plays=3_000,
             effective_plays=700, plays_25=1_900, plays_100=450, avg_play_time_s=7.25, conversions=4)
        stat(kwai, campaign, day, spend="60.00", impressions=2_000, clicks=20, plays=1_500, plays_3s=900,
             plays_10s=400, effective_plays=900, plays_75=500, conversions=3)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}{reverse('admin:workspace-campaign', args=[campaign.pk])}?"
              f"{query_string(period_params())}")
    panel = page.locator("#panel-platform")
    assert panel.locator("h3").first.text_content().strip() == "Ad platform metrics"
    headers = panel.locator('table[data-table="platform"] th').all_text_contents()
    assert headers == ["Platform KPI", "Ocean Engine 巨量引擎", "Kuaishou 磁力引擎"]
    effective = panel.locator('table[data-table="platform"] tr', has_text="Effective plays").locator("td")
    assert effective.all_text_contents() == ["Effective plays (platform definition)", "3,500", "4,500"]
    ten = panel.locator('table[data-table="platform"] tr', has_text="10-second plays").locator("td")
    assert ten.all_text_contents() == ["10-second plays", "—", "2,000"]  # Ocean Engine does not report it
    assert panel.locator('table[data-table="reconciliation"] tbody tr').count() == 5
    panel.scroll_into_view_if_needed()
    shot(page, "campaign-platform-en")
    panel.screenshot(path=str(SHOTS / "platform-panel-en.png"))
    page.select_option("#language-switcher-select", "zh-hans")
    page.locator("#language-switcher button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#panel-platform h3").first.text_content().strip() == "广告平台指标"
    headers = page.locator('#panel-platform table[data-table="platform"] th').all_text_contents()
    assert headers == ["平台指标", "巨量引擎", "快手磁力引擎"]
    assert page.locator('#panel-platform table[data-table="platform"] td').first.text_content() == "平台消耗"
    shot(page, "campaign-platform-zh")
    page.locator("#panel-platform").screenshot(path=str(SHOTS / "platform-panel-zh.png"))
    page.locator("#panel-budget").screenshot(path=str(SHOTS / "budget-panel-zh.png"))
def test_online_metrics_and_experiments_panels_in_english_and_chinese(world, live_server, page, console):
    from django.utils import timezone

    from recommendations.attribution import attribute_new
    from recommendations.models import RecommenderExperiment, RecommenderModel, ServedList
    from tests.factories import InteractionFactory, VideoFactory, ViewerFactory

    brand = world[0]
    videos = [VideoFactory(brand=brand) for _ in range(4)]
    viewers = [ViewerFactory(brand=brand) for _ in range(3)]
    served_at = timezone.now() - timedelta(hours=3)
    for i, viewer in enumerate(viewers):
        for version in (1, 2):
            ServedList.objects.create(brand=brand, viewer=viewer, model_version=version, surface="feed",
                                      video_ids=[v.pk for v in videos[i:i + 2]], n_items=2, served_at=served_at)
    InteractionFactory(brand=brand, viewer=viewers[0], video=videos[0], kind="view", watch_ms=8000,
                       occurred_at=served_at + timedelta(minutes=2))
    InteractionFactory(brand=brand, viewer=viewers[1], video=videos[2], kind="conversion",
                       occurred_at=served_at + timedelta(minutes=5))
    attribute_new(brand_id=brand.pk, now=timezone.now() + timedelta(hours=1))
    RecommenderExperiment.objects.create(
        brand=brand, control=RecommenderModel.objects.create(brand=brand, version=1, status="ready"),
        candidate=RecommenderModel.objects.create(brand=brand, version=2, status="ready"), traffic_share=0.5,
        primary_metric="engaged_viewers", mde=0.05, baseline=0.3, required_sample_size=1471, started_at=served_at)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}{reverse('admin:workspace-recommendations')}")
    query = page.locator("#panel-online pre[data-query]").text_content()
    answer = run_graphql(page, query)["data"]["recommendationMetrics"]
    cells = [[td.get_attribute("data-raw") for td in row.locator("td").all()]
             for row in page.locator("#panel-online tbody tr").all()]
    assert [row[:3] for row in cells] == [[r["key"], str(r["servedLists"]), str(r["itemsServed"])]
                                          for r in answer] == [["1", "3", "6"], ["2", "3", "6"]]
    assert [float(row[3]) for row in cells] == [r["ctr"] for r in answer] == [0.166667, 0.0]  # 1 view of 6 items
    assert page.locator("#panel-experiments tbody tr").count() == 1
    shot(page, "recommendations-online-en")
    page.select_option("#language-switcher-select", "zh-hans")
    page.locator("#language-switcher button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#panel-online h3").text_content().strip() == "观众对推荐内容的反馈（近 28 天，按模型版本）"
    assert page.locator("#panel-experiments th").nth(6).text_content().strip() == "结论"
    shot(page, "recommendations-online-zh")

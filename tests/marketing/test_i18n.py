"""English and Simplified Chinese: catalogues complete and compiled, the admin, GraphQL and generated texts
follow the chosen language, charts render Chinese with the committed font."""

import json
import shutil
import warnings

import polib
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from analytics import reports
from analytics.kpis import BY_NAME
from analytics.personas.models import Persona
from analytics.personas.profiles import persona_label
from marketing import catalogues
from marketing.models import Role
from tests.factories import BrandFactory, UserFactory, make_token

ZH = "zh_Hans"


# --- Catalogues ---------------------------------------------------------------------------------


def test_every_catalogued_string_is_translated_and_not_fuzzy():
    assert [e.msgid for e in catalogues.untranslated(ZH)] == []


def test_the_committed_mo_holds_exactly_the_po_translations():
    assert catalogues.mo_is_current(ZH), "run `make messages` (or `manage.py catalogues compile`)"


def test_a_po_edited_after_compiling_is_detected_and_compiling_fixes_it(settings, tmp_path):
    target = tmp_path / ZH / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(catalogues.po_path(ZH), target / "django.po")
    shutil.copy(catalogues.mo_path(ZH), target / "django.mo")
    settings.LOCALE_PATHS = [tmp_path]
    po = polib.pofile(str(target / "django.po"))
    po.find("Views").msgstr = "观看次数"
    po.save()
    assert not catalogues.mo_is_current(ZH)
    catalogues.compile_catalogue(ZH)
    assert catalogues.mo_is_current(ZH)
    assert polib.mofile(str(target / "django.mo")).find("Views").msgstr == "观看次数"


def test_an_empty_or_fuzzy_translation_is_reported(settings, tmp_path):
    target = tmp_path / ZH / "LC_MESSAGES"
    target.mkdir(parents=True)
    po = polib.pofile(str(catalogues.po_path(ZH)))
    po.find("Views").msgstr = ""
    po.find("Reach").flags.append("fuzzy")
    po.save(str(target / "django.po"))
    settings.LOCALE_PATHS = [tmp_path]
    assert [e.msgid for e in catalogues.untranslated(ZH)] == ["Views", "Reach"]


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_makemessages_finds_no_product_string_missing_from_the_catalogue():
    catalogued = {(e.msgctxt, e.msgid) for e in polib.pofile(str(catalogues.po_path(ZH))) if e.msgid}
    missing = catalogues.extracted_msgids(ZH) - catalogued
    assert missing == set(), "new strings: run `make messages` and translate them in the .po"


# --- The admin ----------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_index_speaks_the_accept_language(superuser_client):
    chinese = superuser_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">品牌</a>" in chinese and ">视频</a>" in chinese and ">广告计划</a>" in chinese
    assert "Reelboard 管理后台" in chinese
    english = superuser_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Brands</a>" in english and ">Videos</a>" in english and "品牌" not in english


def test_the_language_switcher_keeps_the_choice(superuser_client):
    page = superuser_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'action="{reverse("set_language")}"' in page and '<option value="zh-hans"' in page
    response = superuser_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    # the cookie now wins over the browser's Accept-Language
    page = superuser_client.get("/admin/marketing/campaign/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>选择 广告计划 来修改 | Reelboard 后台</title>" in page
    assert '<option value="zh-hans" selected lang="zh-hans">简体中文</option>' in page


# --- GraphQL --------------------------------------------------------------------------------------


def kpi_definitions(language: str) -> dict:
    _, raw = make_token(brand=BrandFactory(), role=Role.VIEWER)
    response = Client().post("/graphql", data=json.dumps({"query": "{ kpiDefinitions { name label description } }"}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}",
                             HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return {d["name"]: d for d in response.json()["data"]["kpiDefinitions"]}


@pytest.mark.django_db
def test_kpi_definitions_follow_accept_language_and_enums_stay_english():
    zh = kpi_definitions("zh-hans,zh;q=0.9,en;q=0.5")
    assert {name: zh[name]["label"] for name in ("VIEWS", "COMPLETION_RATE", "ENGAGEMENT_RATE", "CTR", "CVR", "CPM",
                                                  "ROAS", "SPEND")} == {
        "VIEWS": "播放量", "COMPLETION_RATE": "完播率", "ENGAGEMENT_RATE": "互动率", "CTR": "点击率", "CVR": "转化率",
        "CPM": "千次展示费用", "ROAS": "投入产出比", "SPEND": "消耗"}
    assert zh["COMPLETION_RATE"]["description"] == "观看至视频时长 95% 及以上的播放占比。"
    en = kpi_definitions("en-US,en;q=0.9")
    assert en["VIEWS"]["label"] == "Views" and en["CPM"]["label"] == "CPM"
    assert list(zh) == list(en)  # enum values do not change with the language
    assert kpi_definitions("zh-CN,zh;q=0.9")["VIEWS"]["label"] == "播放量"  # browsers in mainland China send zh-CN


# --- Generated texts ----------------------------------------------------------------------------


PROFILE = {
    "demographics": {
        "gender": [{"value": "female", "share": 0.8, "population_share": 0.5, "dominant": True}],
        "age_band": [{"value": "18-24", "share": 0.7, "population_share": 0.3, "dominant": True}],
        "region": [{"value": "Guangdong", "share": 0.6, "population_share": 0.2, "dominant": True},
                   {"value": "Fujian", "share": 0.1, "population_share": 0.1, "dominant": False}],
    },
    "top_tags": [{"tag": "beauty", "lift": 2.0}, {"tag": "skincare", "lift": 1.5}, {"tag": "food", "lift": 1.0}],
    "engagement": {"completion_rate": {"ratio": 2.0}, "conversion_rate": {"ratio": 1.5},
                   "like_rate": {"ratio": 1.0}, "activity": {"ratio": 1.1}},
}
ENGLISH_LABEL = "Women 18–24 in Guangdong · beauty, skincare · finish videos and buy"
CHINESE_LABEL = "18–24岁女性（Guangdong） · beauty、skincare · 完播和购买"


def test_persona_labels_are_built_from_translated_pieces():
    with translation.override("en"):
        assert persona_label(PROFILE) == ENGLISH_LABEL
    with translation.override("zh-hans"):
        assert persona_label(PROFILE) == CHINESE_LABEL
        mixed = {"demographics": {}, "top_tags": [], "engagement": {"activity": {"ratio": 0.5}}}
        assert persona_label(mixed) == "混合人群 · 兴趣广泛 · 偶尔观看"


def test_a_stored_persona_label_is_shown_in_the_active_language_with_its_suffix():
    persona = Persona(label=f"{ENGLISH_LABEL} (2)", profile=PROFILE)
    with translation.override("zh-hans"):
        assert persona.display_label == f"{CHINESE_LABEL} (2)" and str(persona) == f"{CHINESE_LABEL} (2)"
    with translation.override("en"):
        assert persona.display_label == f"{ENGLISH_LABEL} (2)"
    older = Persona(label="Hand-written label", profile=PROFILE)
    with translation.override("zh-hans"):
        assert older.display_label == "Hand-written label"  # not what the generator makes: shown as stored


# --- Charts ---------------------------------------------------------------------------------------


def test_charts_draw_chinese_with_the_committed_font_and_no_missing_glyph():
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    reports.chart_font()
    found = font_manager.findfont(font_manager.FontProperties(family=reports.CJK_FONT_FAMILY),
                                  fallback_to_default=False)
    assert found == str(reports.CJK_FONT)
    with translation.override("zh-hans"):
        labels = [str(BY_NAME[name].label) for name in reports.CHART_KPIS]
        assert labels == ["播放量", "互动率", "转化数", "消耗"]
        cmap = TTFont(str(reports.CJK_FONT))["cmap"].getBestCmap()
        assert [c for c in "".join(labels) + "双十一美妆周报" if ord(c) not in cmap] == []
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for tofu
            png = reports.series_chart([], title="双十一美妆周报 · 抖音")
    assert png.startswith(b"\x89PNG")

"""The matcher: normalisation, allow-lists, disguises, boundaries and spans (pure, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.matching import RuleBook, normalise, rule_from_data
from compliance.rulesets import builtin


def hits(text, **scope):
    return [(h.rule.id, h.start, h.end, h.text) for h in builtin().book.check(text, **scope)]


def test_a_superlative_is_flagged_with_its_span_and_reason():
    found = builtin().book.check("全网最低价！今天只要39.9", platform="douyin", language="zh-hans")
    assert [(h.rule.id, h.start, h.end, h.text) for h in found] == [("adlaw.superlative", 0, 5, "全网最低价")]
    assert found[0].rule.severity == "block"
    assert found[0].rule.reason["en"].startswith("Ads must not use absolute superlatives")
    assert "第九条" in found[0].rule.source


@pytest.mark.parametrize("text", ["最近上新的香水", "最后三小时", "第一次用就爱上了", "第一步洁面", "最好提前一天预约",
                                  "最终解释权归本店所有", "最多可减50元", "小区楼下的第一家烘焙店"])
def test_allowed_words_containing_a_term_are_not_hits(text):
    assert hits(text, platform="douyin", language="zh-hans") == []


@pytest.mark.parametrize(("text", "span"), [
    ("最 佳拍档", (0, 3, "最 佳")),  # spacing
    ("最*强续航", (0, 3, "最*强")),  # filler character
    ("zui佳拍档", (0, 4, "zui佳")),  # pinyin for one character
    ("zuijia拍档", (0, 6, "zuijia")),  # full pinyin
])
def test_disguised_superlatives_are_found_with_the_original_span(text, span):
    assert hits(text, platform="douyin", language="zh-hans") == [("adlaw.superlative", *span)]


def test_full_width_and_traditional_characters_are_normalised():
    assert hits("ＮＯ．１的国民零食", platform="douyin", language="zh-hans") == [("adlaw.ranking", 0, 4, "ＮＯ．１")]
    assert hits("這款面膜能根治痘痘", platform="douyin", category="beauty", language="zh-hans") == [
        ("efficacy.medical", 5, 7, "根治")]


def test_pinyin_initials_and_variants_of_wechat_are_diversion():
    assert hits("wx搜索店名", platform="douyin", language="zh-hans") == [("diversion.wechat", 0, 2, "wx")]
    assert hits("加威信领优惠", platform="kuaishou", language="zh-hans") == [("diversion.wechat", 0, 3, "加威信")]


def test_latin_terms_do_not_match_inside_longer_words():
    assert hits("novxmas sale", platform="douyin", language="zh-hans") == []
    assert hits("my best friend", platform="tiktok", language="en") == []
    assert hits("the best friend ever is the best gift", platform="tiktok", language="en") == [
        ("en.absolute", 24, 32, "the best")]


def test_platform_scope_diversion_is_allowed_on_the_marketplace_itself():
    text = "复制淘口令打开淘宝就能下单"
    assert {h[0] for h in hits(text, platform="douyin", language="zh-hans")} == {"diversion.marketplace-token"}
    assert hits(text, platform="taobao", language="zh-hans") == []


def test_category_scope_weight_loss_applies_to_food_not_to_sports():
    assert hits("燃脂瘦身奶昔", platform="douyin", category="snacks", language="zh-hans") == [
        ("efficacy.weight-loss", 0, 2, "燃脂"), ("efficacy.weight-loss", 2, 4, "瘦身")]
    assert hits("燃脂瘦身训练", platform="douyin", category="sports", language="zh-hans") == []


def test_a_required_disclosure_is_a_flag_when_missing():
    book = RuleBook([rule_from_data({"id": "brand.1.ad", "severity": "block", "terms": ["广告"], "required": True},
                                    rule_set="brand-1")])
    assert [(h.rule.id, h.start, h.end) for h in book.check("好吃的薯片")] == [("brand.1.ad", 0, 0)]
    assert book.check("广告｜好吃的薯片") == []


def test_every_rule_has_reasons_in_both_languages_and_a_source():
    for rule in builtin().book.rules:
        assert set(rule.reason) == {"zh-hans", "en"} and all(rule.reason.values()), rule.id
        assert rule.source, rule.id
        assert rule.severity in ("block", "warn"), rule.id


@given(st.text(max_size=200))
def test_spans_always_index_the_original_text(text):
    for h in builtin().book.check(text):
        assert 0 <= h.start <= h.end <= len(text)
        assert h.text == text[h.start:h.end]


@given(st.text(max_size=100))
def test_normalised_index_maps_into_the_original(text):
    n = normalise(text)
    assert len(n.light) == len(n.light_index) and len(n.compact) == len(n.compact_index)
    assert all(0 <= i < len(text) for i in n.compact_index)
    assert list(n.compact_index) == sorted(n.compact_index)

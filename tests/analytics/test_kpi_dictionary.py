"""The KPI dictionary: every KPI's value from a set of sums, written out here independently."""

from decimal import ROUND_HALF_UP, Decimal

from analytics.kpis import BY_NAME, KPIS, ROLLUP_SUMS, change, compute_all, empty_sums

SIX = Decimal("0.000001")


def q(value) -> Decimal:
    return Decimal(value).quantize(SIX, rounding=ROUND_HALF_UP)


SUMS = {"impressions": 4000, "views": 1600, "watch_ms_sum": 12_345_678, "completed_views": 301, "views_2s": 1200,
        "views_6s": 700, "likes": 90, "comments": 7, "shares": 11, "follows": 3, "clicks": 64, "conversions": 9,
        "purchases": 5, "revenue": Decimal("1234.56"), "reach": 950, "spend": Decimal("800.00")}


def test_every_kpi_from_sums():
    expected = {
        "impressions": 4000, "views": 1600, "reach": 950, "watch_time_ms": 12_345_678,
        "avg_watch_time_ms": q(Decimal(12_345_678) / 1600), "completion_rate": q(Decimal(301) / 1600),
        "view_rate_2s": q(Decimal(1200) / 1600), "view_rate_6s": q(Decimal(700) / 1600),
        "likes": 90, "comments": 7, "shares": 11, "follows": 3,
        "engagement_rate": q(Decimal(90 + 7 + 11 + 3) / 1600), "clicks": 64, "ctr": q(Decimal(64) / 4000),
        "conversions": 9, "cvr": q(Decimal(9) / 64), "purchases": 5, "revenue": Decimal("1234.56"),
        "spend": Decimal("800.00"), "cpm": q(Decimal("800") / 4000 * 1000), "cpv": q(Decimal("800") / 1600),
        "cpc": q(Decimal("800") / 64), "cpa": q(Decimal("800") / 9), "roas": q(Decimal("1234.56") / 800),
        "roi": q((Decimal("1234.56") - 800) / 800),
    }
    assert compute_all(SUMS) == expected


def test_every_kpi_is_documented():
    for kpi in KPIS:
        assert kpi.formula and kpi.description and kpi.unit in {"count", "ms", "ratio", "money"}, kpi.name
    assert set(BY_NAME) == {k.name for k in KPIS} and len(BY_NAME) == len(KPIS)


def test_zero_denominators_give_none_not_zero():
    values = compute_all(empty_sums())
    assert {name for name, value in values.items() if value is None} == {
        "avg_watch_time_ms", "completion_rate", "view_rate_2s", "view_rate_6s", "engagement_rate", "ctr", "cvr",
        "cpm", "cpv", "cpc", "cpa", "roas", "roi"}
    assert values["views"] == 0 and values["revenue"] == Decimal("0.00")


def test_unattributable_spend_empties_spend_kpis():
    values = compute_all({name: SUMS[name] for name in ROLLUP_SUMS} | {"reach": 1, "spend": None})
    assert [values[n] for n in ("spend", "cpm", "cpv", "cpc", "cpa", "roas", "roi")] == [None] * 7
    assert values["ctr"] == q(Decimal(64) / 4000)


def test_money_is_decimal_at_cents():
    values = compute_all(SUMS | {"revenue": 0.1 + 0.2, "spend": Decimal("3")})  # SQLite may sum to floats
    assert values["revenue"] == Decimal("0.30") and values["spend"] == Decimal("3.00")


def test_change_absolute_and_relative():
    assert change(150, 120) == (Decimal(30), q(Decimal(30) / 120))
    assert change(5, 0) == (Decimal(5), None)
    assert change(None, 3) == (None, None)

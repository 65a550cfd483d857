"""Issue 15, items 12 and 13: client-error log lines carry no input values; with introspection off the
answers carry no "Did you mean ...?" suggestions (they spell out the schema)."""

import logging

import pytest

from tests.factories import make_token
from tests.marketing.graphql_helpers import error_messages, gql

pytestmark = pytest.mark.django_db
RAW = 13800138000  # a phone-number-like platform user id


@pytest.mark.parametrize(("query", "variables"), [
    ("query($v: ID!) { recommendations(viewer: $v) { videoId } }", {"v": RAW}),
    (f"{{ recommendations(viewer: {RAW}) {{ videoId }} }}", None),
    (f'{{ recommendations(viewer: "{RAW}") {{ videoId }} }}', None),
    ('query($v: ID!) { recommendations(viewer: $v) { videoId } }', {"v": f"viewer-{RAW}"}),
    ("query($f: VideoFilter) { videos(filters: $f) { totalCount } }", {"f": {"title": {"exact": RAW}}}),
])
def test_client_error_log_lines_carry_no_input_values(brand, caplog, query, variables):
    _, raw = make_token(brand=brand)
    with caplog.at_level(logging.DEBUG):
        body = gql(query, variables, token=raw)
    assert body["errors"]  # the client is told, with its value
    lines = [r.getMessage() for r in caplog.records if r.name == "reelboard.graphql"]
    assert lines and all(line.startswith("GraphQL client error: ") for line in lines)
    assert str(RAW) not in caplog.text


def test_a_client_error_log_line_names_the_path_and_code(brand, caplog):
    _, raw = make_token(brand=brand)
    with caplog.at_level(logging.INFO, logger="reelboard.graphql"):
        gql('{ top: topVideos(brand: "QnJhbmQ6OTk5OTk5", dateFrom: "2026-01-01", dateTo: "2026-01-02") { title } }',
            token=raw)
    assert [r.getMessage() for r in caplog.records if r.name == "reelboard.graphql"] == [
        "GraphQL client error: code=NOT_FOUND field=brand path=top at=1:3"]


@pytest.mark.parametrize(("query", "variables", "with_suggestion", "without"), [
    ("{ brandz { totalCount } }", None,
     "Cannot query field 'brandz' on type 'Query'. Did you mean 'brands'?",
     "Cannot query field 'brandz' on type 'Query'."),
    ("{ brands(frist: 1) { totalCount } }", None,
     "Unknown argument 'frist' on field 'Query.brands'. Did you mean 'first' or 'last'?",
     "Unknown argument 'frist' on field 'Query.brands'."),
    ("query($k: KpiNme) { kpiDefinitions { name } }", None,
     "Unknown type 'KpiNme'. Did you mean 'KpiName', 'KpiRow', 'KpiSet', or 'Time'?",
     "Unknown type 'KpiNme'."),
])
def test_suggestions_are_stripped_when_introspection_is_off(brand, settings, query, variables, with_suggestion,
                                                             without):
    _, raw = make_token(brand=brand)
    settings.GRAPHQL_INTROSPECTION = True
    on = error_messages(gql(query, variables, token=raw))
    settings.GRAPHQL_INTROSPECTION = False
    off = error_messages(gql(query, variables, token=raw))
    assert (with_suggestion in on, without in off, len(on) == len(off)) == (True, True, True)
    assert [m for m in off if "Did you mean" in m] == []


def test_enum_value_suggestions_in_variables_are_stripped_when_introspection_is_off(brand, settings):
    _, raw = make_token(brand=brand)
    settings.GRAPHQL_INTROSPECTION = False
    body = gql("query($k: KpiName!) { topVideos(brand: \"QnJhbmQ6MA==\", dateFrom: \"2026-01-01\", "
               "dateTo: \"2026-01-02\", kpi: $k) { title } }", {"k": "VIEW"}, token=raw)
    assert [m for m in error_messages(body) if "Did you mean" in m] == []
    assert len(body["errors"]) == 1

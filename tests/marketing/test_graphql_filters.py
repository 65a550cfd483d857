"""Property test: the video filters return exactly what a plain-Python filter of the same rows returns."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marketing.models import ModerationStatus, Platform, Role, Tag
from tests.conftest import member
from tests.factories import BrandFactory, VideoFactory
from tests.marketing.graphql_helpers import gql, ok

pytestmark = pytest.mark.django_db

WORDS = ["summer", "winter", "Dress", "tea"]
TAGS = ["a", "b", "c"]
STATUSES = list(ModerationStatus.values)
DAY0 = datetime(2026, 1, 1, tzinfo=UTC)

video_rows = st.lists(st.fixed_dictionaries({
    "own": st.booleans(),
    "word": st.sampled_from(WORDS),
    "status": st.sampled_from(STATUSES),
    "platform": st.integers(0, 1),
    "tags": st.sets(st.sampled_from(TAGS)),
    "day": st.none() | st.integers(0, 9),
}), max_size=8)
video_filters = st.fixed_dictionaries({}, optional={
    "moderationStatus": st.sampled_from(STATUSES),
    "tags": st.lists(st.sampled_from(TAGS + ["A", " b"]), min_size=1, max_size=3),
    "search": st.sampled_from(["summer", "DRESS", "ea", "nothing"]),
    "platform": st.lists(st.integers(0, 1), min_size=1, max_size=2, unique=True),
    "publishedAt": st.integers(0, 9),
})


def expected_titles(rows: list[dict], f: dict) -> list[str]:
    def keep(row: dict) -> bool:
        if not row["own"]:
            return False
        if "moderationStatus" in f and row["status"] != f["moderationStatus"]:
            return False
        if "tags" in f and not row["tags"] & {t.strip().lower() for t in f["tags"]}:
            return False
        if "search" in f and f["search"].lower() not in row["title"].lower():
            return False
        if "platform" in f and row["platform"] not in f["platform"]:
            return False
        if "publishedAt" in f and (row["day"] is None or row["day"] < f["publishedAt"]):
            return False
        return True

    return sorted(row["title"] for row in rows if keep(row))


def as_graphql(f: dict, platforms: list[Platform]) -> dict:
    out = dict(f)
    if "moderationStatus" in f:
        out["moderationStatus"] = f["moderationStatus"].upper()
    if "platform" in f:
        out["platform"] = [platforms[i].code for i in f["platform"]]
    if "publishedAt" in f:
        out["publishedAt"] = {"gte": (DAY0 + timedelta(days=f["publishedAt"])).isoformat()}
    return out


QUERY = """query($f: VideoFilter) { videos(filters: $f, ordering: [{title: ASC}]) {
  totalCount edges { node { title } } } }"""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=video_rows, f=video_filters)
@example(rows=[{"own": True, "word": "tea", "status": "approved", "platform": 0, "tags": {"a", "b"}, "day": 1}],
         f={"tags": ["a", "b"]})  # a video matching two of the tags is listed once
def test_video_filters_match_a_plain_python_filter(db, rows, f):
    platforms = list(Platform.objects.order_by("code")[:2])
    with transaction.atomic():
        brand, other = BrandFactory(), BrandFactory()
        tags = {(b.pk, name): Tag.objects.get_or_create(brand=b, name=name)[0] for b in (brand, other) for name in TAGS}
        for i, row in enumerate(rows):
            row["title"] = f"{row['word']} {i}"
            video = VideoFactory(
                brand=brand if row["own"] else other, title=row["title"], moderation_status=row["status"],
                platform=platforms[row["platform"]],
                published_at=None if row["day"] is None else DAY0 + timedelta(days=row["day"]),
                moderation_reason="x" if row["status"] == ModerationStatus.REJECTED else "",
            )
            video.tags.set([tags[video.brand_id, t] for t in row["tags"]])
        client = Client()
        client.force_login(member(brand, Role.VIEWER))
        data = ok(gql(QUERY, {"f": as_graphql(f, platforms)}, client=client))["videos"]
        expected = expected_titles(rows, f)
        assert [e["node"]["title"] for e in data["edges"]] == expected
        assert data["totalCount"] == len(expected)
        transaction.set_rollback(True)

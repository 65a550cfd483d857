"""The ORM additions of ``analytics.aggregates``, on whichever database the tests run on."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.aggregates import IntegerList
from marketing.models import Video
from tests.factories import BrandFactory, VideoFactory


@pytest.fixture
def videos(db):
    brand = BrandFactory()
    return [VideoFactory(brand=brand) for _ in range(5)]


def test_any_matches_exactly_the_listed_ids(videos):
    wanted = [videos[0].pk, videos[3].pk, videos[4].pk, 10**12]  # an id that does not exist matches nothing
    assert sorted(Video.objects.filter(pk__any=wanted).values_list("pk", flat=True)) == sorted(wanted[:3])
    assert sorted(Video.objects.filter(pk__any=wanted).values_list("pk", flat=True)) == sorted(
        Video.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert list(Video.objects.filter(pk__any=[])) == []
    assert Video.objects.exclude(pk__any=wanted[:3]).filter(pk__any=[v.pk for v in videos]).count() == 2


def test_any_sends_one_array_parameter_on_postgresql(videos):
    ids = [v.pk for v in videos]
    with CaptureQueriesContext(connection) as queries:
        list(Video.objects.filter(pk__any=ids))
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_integer_list_collects_the_groups_values(videos):
    brand_id = videos[0].brand_id
    (row,) = Video.objects.filter(brand_id=brand_id).values("brand_id").annotate(ids=IntegerList("id")).order_by()
    assert sorted(row["ids"]) == sorted(v.pk for v in videos)

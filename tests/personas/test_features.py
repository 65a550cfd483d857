from datetime import timedelta

import numpy as np
import pytest
import scipy.sparse as sp
from django.utils import timezone

from analytics.personas.features import (
    BEHAVIOUR_COLUMNS,
    DEMOGRAPHIC_COLUMNS,
    PersonaFeaturizer,
    ViewerArrays,
)
from analytics.personas.loading import load_viewer_arrays
from marketing.models import InteractionKind, Tag
from tests.factories import InteractionFactory, VideoFactory, ViewerFactory


def synthetic(n: int = 50, n_tags: int = 6, seed: int = 0) -> ViewerArrays:
    rng = np.random.default_rng(seed)
    behaviour = rng.random((n, len(BEHAVIOUR_COLUMNS)))
    behaviour[::7, 0] = np.nan
    return ViewerArrays(
        viewer_ids=np.arange(n), demographics=rng.integers(-1, 3, size=(n, 4)),
        demographic_vocab=[["a", "b", "c"]] * 4, behaviour=behaviour,
        tag_weights=sp.random(n, n_tags, density=0.3, random_state=seed, format="csr"),
        tag_vocab=[f"t{i}" for i in range(n_tags)], platform_mix=rng.dirichlet([1, 1], size=n),
        platform_vocab=["douyin", "kuaishou"],
    )


def test_state_round_trip_gives_the_same_features():
    data = synthetic(n_tags=40)
    fitted = PersonaFeaturizer(svd_components=8).fit(data)
    restored = PersonaFeaturizer.from_state(*fitted.get_state())
    np.testing.assert_allclose(restored.transform(data), fitted.transform(data), rtol=1e-6, atol=1e-6)


def test_svd_reduces_the_tag_block_when_there_are_more_tags_than_components():
    data = synthetic(n_tags=40)
    assert PersonaFeaturizer(svd_components=8).fit(data).transform(data).shape == (50, 3 * 4 + 11 + 8 + 2)


def test_a_missing_demographic_is_all_zeros_in_its_columns():
    data = synthetic()
    data.demographics[0] = [-1, 0, 0, 0]
    X = PersonaFeaturizer(svd_components=None).fit(data).transform(data)
    half = np.float32(0.5)  # 1 / sqrt(4 demographic columns)
    assert X[0, :12].tolist() == [0, 0, 0, half, 0, 0, half, 0, 0, half, 0, 0]


def test_undefined_rates_are_imputed_with_the_median():
    data = synthetic()
    fitted = PersonaFeaturizer().fit(data)
    median = np.nanmedian(data.behaviour[:, 0])
    assert fitted.behaviour_.named_steps["impute"].statistics_[0] == pytest.approx(median)


@pytest.fixture
def small_world(brand):
    beauty, cooking = (Tag.objects.create(brand=brand, name="beauty"),
                       Tag.objects.create(brand=brand, name="cooking"))
    v1 = VideoFactory(brand=brand, duration_ms=10_000)
    v1.tags.set([beauty, cooking])
    v2 = VideoFactory(brand=brand, duration_ms=20_000)
    v2.tags.set([cooking])
    viewer = ViewerFactory(brand=brand, gender="female", age_band="18-24", region="Guangdong")
    now = timezone.now()
    for kind, video, watch, value in [
        (InteractionKind.IMPRESSION, v1, None, None), (InteractionKind.IMPRESSION, v2, None, None),
        (InteractionKind.IMPRESSION, v2, None, None),
        (InteractionKind.VIEW, v1, 5_000, None), (InteractionKind.VIEW, v2, 20_000, None),
        (InteractionKind.LIKE, v1, None, None), (InteractionKind.CLICK, v2, None, None),
        (InteractionKind.PURCHASE, v2, None, 30),
    ]:
        InteractionFactory(brand=brand, viewer=viewer, video=video, kind=kind, watch_ms=watch, value=value,
                           occurred_at=now - timedelta(days=2))
    other = ViewerFactory(brand=brand)  # gender etc. unknown
    InteractionFactory(brand=brand, viewer=other, video=v1, kind=InteractionKind.IMPRESSION,
                       occurred_at=now - timedelta(days=1))
    return viewer, other, now


@pytest.mark.django_db
def test_loader_computes_behaviour_per_viewer(small_world, brand):
    viewer, _, now = small_world
    data = load_viewer_arrays(brand_id=brand.pk, window_start=None, window_end=now)
    row = dict(zip(BEHAVIOUR_COLUMNS, data.behaviour[list(data.viewer_ids).index(viewer.pk)], strict=True))
    # 2 views (0.5 and 1.0 watched), 1 complete, 1 like, 3 impressions, 1 click, 1 purchase of 30, 8 events.
    assert {k: round(float(v), 4) for k, v in row.items()} == {
        "avg_watch_ratio": 0.75, "completion_rate": 0.5, "like_rate": 0.5, "comment_rate": 0.0,
        "share_rate": 0.0, "follow_rate": 0.0, "click_rate": round(1 / 3, 4), "conversion_rate": round(1 / 3, 4),
        "purchase_value": 30.0, "activity": 8.0, "recency_days": 2.0}


@pytest.mark.django_db
def test_loader_weights_tags_by_kind_and_watch_ratio(small_world, brand):
    viewer, other, now = small_world
    data = load_viewer_arrays(brand_id=brand.pk, window_start=None, window_end=now)
    weights = dict(zip(data.tag_vocab, data.tag_weights.toarray()[list(data.viewer_ids).index(viewer.pk)],
                       strict=True))
    # v1 (beauty, cooking): view 0.5 + like 2; v2 (cooking): view 1.0 + click 2 + purchase 5.
    assert weights == {"beauty": 2.5, "cooking": 10.5}


@pytest.mark.django_db
def test_loader_reports_unknown_demographics_as_missing(small_world, brand):
    _, other, now = small_world
    data = load_viewer_arrays(brand_id=brand.pk, window_start=None, window_end=now)
    assert data.demographics[list(data.viewer_ids).index(other.pk)].tolist() == [-1, -1, -1, 0]


@pytest.mark.django_db
def test_loader_rates_without_views_are_undefined(small_world, brand):
    _, other, now = small_world
    data = load_viewer_arrays(brand_id=brand.pk, window_start=None, window_end=now)
    row = data.behaviour[list(data.viewer_ids).index(other.pk)]
    assert np.isnan(row[:6]).all() and row[6:].tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]


@pytest.mark.django_db
def test_loader_respects_the_window(small_world, brand):
    _, other, now = small_world
    data = load_viewer_arrays(brand_id=brand.pk, window_start=now - timedelta(days=1, hours=1), window_end=now)
    assert data.viewer_ids.tolist() == [other.pk]


@pytest.mark.django_db
def test_loader_query_count_does_not_grow_with_viewers(small_world, brand, django_assert_num_queries):
    _, _, now = small_world
    with django_assert_num_queries(4):
        load_viewer_arrays(brand_id=brand.pk, window_start=None, window_end=now)


def test_demographic_columns_are_the_documented_ones():
    assert DEMOGRAPHIC_COLUMNS == ("gender", "age_band", "region", "platform")

"""Re-ranking after scoring (exposure caps, MMR on content vectors) against hand-worked cases."""

import numpy as np
import pytest
import scipy.sparse as sp

from analytics.interaction_data import InteractionData
from recommendations.estimators import ContentRecommender, EASERecommender, HybridRecommender
from recommendations.evaluation import EvaluationSet, recommend_for, rerank_for
from recommendations.reranking import ExposureWindow, RerankPolicy, content_vectors_of, rerank

# Items 0 and 1 share one content vector; item 2 is orthogonal to both.
VECTORS = sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))


def test_strength_zero_is_the_relevance_order_without_excluded_items():
    scores = np.array([0.2, -np.inf, 0.9, 0.2, 0.5])
    items, values = rerank(scores, n=3, policy=RerankPolicy(strength=0.0), item_vectors=VECTORS,
                           exposure=np.array([9.0, 0, 0, 0, 0]))
    assert (items.tolist(), values.tolist()) == ([2, 4, 0], [0.9, 0.5, 0.2])


def test_mmr_swaps_in_the_dissimilar_item_at_full_strength():
    # rel = [1, 0.8, 0]; after item 0: item 1 scores 0.8 - 1 * cos 1 = -0.2, item 2 scores 0 - 0 = 0.
    items, values = rerank(np.array([1.0, 0.9, 0.5]), n=2, policy=RerankPolicy(strength=1.0), item_vectors=VECTORS)
    assert items.tolist() == [0, 2] and values.tolist() == pytest.approx([1.0, 0.0])


def test_mmr_keeps_relevance_when_weak():
    # strength 0.1: item 1 scores 0.8 - 0.1 = 0.7 > item 2's 0.
    items, values = rerank(np.array([1.0, 0.9, 0.5]), n=2, policy=RerankPolicy(strength=0.1), item_vectors=VECTORS)
    assert items.tolist() == [0, 1] and values.tolist() == pytest.approx([1.0, 0.7])


def test_an_over_exposed_video_is_pushed_down():
    # Item 0 had all recent exposure: share 1 against a cap of 0.5 -> penalty clip(1 / 0.5 - 1) = 1.
    # strength 0.5: item 0 scores 1 - 0.5 = 0.5, below item 1's 0.8, above item 2's 0.
    policy = RerankPolicy(strength=0.5, video_cap=0.5, category_cap=1.0)
    items, values = rerank(np.array([1.0, 0.9, 0.5]), n=3, policy=policy, exposure=np.array([10.0, 0.0, 0.0]))
    assert items.tolist() == [1, 0, 2] and values.tolist() == pytest.approx([0.8, 0.5, 0.0])


def test_an_over_exposed_category_is_pushed_down():
    # Category 0 (items 0, 1) had all exposure through item 1: share 1, cap 0.25 -> penalty 1 on items 0 and 1;
    # item 1's own share 1 is within its cap of 1. rel = [1, 0, 0.8]: item 2 (0.8) beats item 0 (1 - 1 = 0).
    policy = RerankPolicy(strength=1.0, video_cap=1.0, category_cap=0.25)
    items, _ = rerank(np.array([1.0, 0.5, 0.9]), n=1, policy=policy, exposure=np.array([0.0, 4.0, 0.0]),
                      item_categories=np.array([0, 0, 1]))
    assert items.tolist() == [2]


def test_a_catalogue_without_categories_is_capped_by_video_only():
    # No item has a category (all -1): the category share is 0 everywhere, so only the video cap acts:
    # the same result as the video-only policy above.
    policy = RerankPolicy(strength=0.5, video_cap=0.5, category_cap=0.25)
    items, values = rerank(np.array([1.0, 0.9, 0.5]), n=3, policy=policy, exposure=np.array([10.0, 0.0, 0.0]),
                           item_categories=np.array([-1, -1, -1]))
    assert items.tolist() == [1, 0, 2] and values.tolist() == pytest.approx([0.8, 0.5, 0.0])


def test_a_list_holds_at_most_its_category_cap():
    # cap 0.5 of n = 2 -> one item per category; the second pick skips items 1 and 2 (category 0) for item 3.
    items, _ = rerank(np.array([1.0, 0.9, 0.8, 0.1]), n=2, policy=RerankPolicy(strength=1.0, category_cap=0.5),
                      item_categories=np.array([0, 0, 0, 1]))
    assert items.tolist() == [0, 3]


def test_values_never_increase_along_the_list():
    rng = np.random.default_rng(3)
    vectors = sp.csr_matrix(rng.random((40, 6)))
    items, values = rerank(rng.random(40), n=15, policy=RerankPolicy(strength=0.7, category_cap=0.2),
                           item_vectors=vectors, exposure=rng.integers(0, 5, 40).astype(float),
                           item_categories=rng.integers(-1, 4, 40))
    assert len(set(items.tolist())) == 15 and np.all(np.diff(values) <= 1e-12)


@pytest.mark.parametrize("bad", [{"strength": -0.1}, {"strength": 1.5}, {"video_cap": 0.0}, {"pool_factor": 0}])
def test_policy_rejects_values_out_of_range(bad):
    with pytest.raises(ValueError):
        RerankPolicy(**bad)


def test_exposure_window_counts_the_last_lists_only():
    window = ExposureWindow(4, size=2)
    window.add(np.array([0, 1]))
    window.add(np.array([1, 2, -1]))
    window.add(np.array([3]))  # the first list leaves the window
    assert window.counts.tolist() == [0.0, 1.0, 1.0, 1.0]


def test_content_vectors_come_from_the_content_component_of_a_hybrid():
    content = ContentRecommender().fit(sp.csr_matrix((2, 2)), item_texts=["red fox", "blue whale"])
    hybrid = HybridRecommender(components={"content": content}, weights={"content": 1.0})
    assert content_vectors_of(hybrid) is content.item_vectors_ and content_vectors_of(EASERecommender()) is None


def _world(seed: int = 5) -> InteractionData:
    rng = np.random.default_rng(seed)
    rows, cols = np.nonzero(rng.random((30, 25)) < 0.3)
    return InteractionData(
        user_ids=np.arange(30), item_ids=np.arange(25), rows=rows, cols=cols, values=np.ones(len(rows)),
        timestamps=np.arange(len(rows), dtype=float), item_titles=[f"v{i}" for i in range(25)],
        item_texts=[f"topic{i % 4} word{i}" for i in range(25)], item_tags=sp.csr_matrix((25, 1)),
        tag_names=["t"], item_brands=np.zeros(25, dtype=np.int64), item_categories=np.arange(25) % 4,
        category_names=["a", "b", "c", "d"])


def test_offline_rerank_at_strength_zero_serves_the_recommenders_own_lists():
    data = _world()
    train = np.random.default_rng(1).random(data.n_events) < 0.7
    test_set = EvaluationSet.from_masks(data, train, ~train, binary=True)
    estimator = EASERecommender(l2=5.0).fit(test_set.train)
    assert np.array_equal(rerank_for(estimator, test_set, data, 5, RerankPolicy(strength=0.0)),
                          recommend_for(estimator, test_set, 5))

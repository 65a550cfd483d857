import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from analytics.personas.clustering import assign, choose_k, fit_personas, merge_small_clusters


def blobs(n=400, centers=4, seed=0):
    return make_blobs(n_samples=n, centers=centers, n_features=5, cluster_std=0.6, random_state=seed)


def test_choose_k_picks_the_number_of_blobs_by_silhouette():
    X, _ = blobs()
    k, scores = choose_k(X, k_range=(2, 8), random_state=0)
    assert (k, max(scores, key=scores.get), sorted(scores)) == (4, 4, [2, 3, 4, 5, 6, 7, 8])


def test_fit_recovers_blobs_and_is_reproducible():
    X, truth = blobs()
    first = fit_personas(X, k_range=(2, 8), min_size=5, random_state=3)
    second = fit_personas(X, k_range=(2, 8), min_size=5, random_state=3)
    assert (adjusted_rand_score(truth, first.labels) == 1.0, (first.labels == second.labels).all()) == (True, True)


def test_the_smallest_cluster_merges_into_the_nearest_centroid():
    labels = np.array([0] * 30 + [1] * 25 + [2] * 5)
    centroids = np.array([[0.0, 0.0], [10.0, 0.0], [9.0, 0.0]])
    new_labels, new_centroids, merged = merge_small_clusters(labels, centroids, min_size=20)
    # cluster 2 (5 members) joins cluster 1; the merged centroid is the size-weighted mean 9.8333.
    assert (merged, np.bincount(new_labels).tolist(), new_centroids.round(4).tolist()) == (
        1, [30, 30], [[0.0, 0.0], [9.8333, 0.0]])


def test_merging_relabels_by_decreasing_size():
    labels = np.array([0] * 20 + [1] * 40)
    new_labels, _, merged = merge_small_clusters(labels, np.array([[0.0], [1.0]]), min_size=20)
    assert (merged, new_labels[:20].tolist(), new_labels[20:].tolist()) == (0, [1] * 20, [0] * 40)


def test_assign_picks_the_nearest_centroid():
    centroids = np.array([[0.0, 0.0], [5.0, 5.0]])
    assert assign(np.array([[1.0, 1.0], [4.0, 4.5], [2.4, 2.4]]), centroids).tolist() == [0, 1, 0]


def test_fixed_k_skips_the_search():
    X, _ = blobs()
    result = fit_personas(X, k=2, min_size=5)
    assert (result.k, result.k_scores) == (2, {})


@given(sizes=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=12),
       min_size=st.integers(min_value=1, max_value=80))
def test_merging_leaves_no_persona_below_min_size_and_keeps_every_viewer(sizes, min_size):
    labels = np.repeat(np.arange(len(sizes)), sizes)
    centroids = np.random.default_rng(len(sizes)).random((len(sizes), 3))
    new_labels, new_centroids, merged = merge_small_clusters(labels, centroids, min_size)
    final = np.bincount(new_labels)
    assert (final.sum(), len(new_centroids), merged) == (sum(sizes), len(final), len(sizes) - len(final))
    assert len(final) == 1 or final.min() >= min_size

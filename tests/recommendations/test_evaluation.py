"""Metrics against hand-computed values, and the properties of the splits."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.evaluation import (
    EASE_MAX_ITEMS,
    catalogue_coverage,
    chronological_split,
    default_candidates,
    intra_list_diversity,
    popularity_percentiles,
    ranking_metrics,
    stratified_split,
)


def relevance(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    r = [u for u, items in enumerate(rows) for _ in items]
    c = [i for items in rows for i in items]
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), n_items))


# User A: list [1, 2, 3], relevant {2, 4}: one hit at rank 2.  User B: list [5, 0, -], relevant {5}: hit at rank 1.
RECOMMENDED = np.array([[1, 2, 3], [5, 0, -1]])
RELEVANT = relevance([[2, 4], [5]], n_items=6)


def test_precision_counts_hits_over_k():
    assert ranking_metrics(RECOMMENDED, RELEVANT, 3)["precision@3"] == pytest.approx((1 / 3 + 1 / 3) / 2)


def test_recall_counts_hits_over_all_relevant_items():
    assert ranking_metrics(RECOMMENDED, RELEVANT, 3)["recall@3"] == pytest.approx((1 / 2 + 1 / 1) / 2)


def test_ndcg_uses_log_discounts_and_ideal_over_min_relevant_k():
    user_a = (1 / math.log(3)) / (1 / math.log(2) + 1 / math.log(3))
    user_b = 1.0
    assert ranking_metrics(RECOMMENDED, RELEVANT, 3)["ndcg@3"] == pytest.approx((user_a + user_b) / 2)


def test_map_divides_precision_at_hits_by_number_of_relevant_items():
    # A: precision at its hit (rank 2) = 1/2, over 2 relevant -> 0.25; B: 1/1 over 1 -> 1.
    assert ranking_metrics(RECOMMENDED, RELEVANT, 3)["map@3"] == pytest.approx((0.25 + 1.0) / 2)


def test_map_min_divides_by_min_of_relevant_and_k():
    recommended = np.array([[0, 9]])
    relevant = relevance([[0, 1, 2, 3]], n_items=10)  # 4 relevant, k = 2: denominator 2, not 4
    metrics = ranking_metrics(recommended, relevant, 2)
    assert (metrics["map@2"], metrics["map_min@2"]) == pytest.approx((1 / 4, 1 / 2))


def test_catalogue_coverage_is_distinct_recommended_over_catalogue():
    assert catalogue_coverage(np.array([[0, 1], [1, 2], [2, -1]]), n_items=10) == pytest.approx(0.3)


def test_intra_list_diversity_is_mean_pairwise_one_minus_cosine():
    tags = sp.csr_matrix(np.array([[1, 0], [1, 0], [0, 1]], dtype=float))  # items 0, 1 share a tag
    # list [0, 1, 2]: similarities 1, 0, 0 -> mean 1/3 -> 2/3;  list [0, 2, -]: one pair, similarity 0 -> 1.
    assert intra_list_diversity(np.array([[0, 1, 2], [0, 2, -1]]), tags) == pytest.approx((2 / 3 + 1) / 2)


def test_popularity_percentile_ranks_items_by_training_count():
    train = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 0]], dtype=float))  # counts 3, 1, 1, 0
    assert popularity_percentiles(train).tolist() == pytest.approx([1.0, 1 / 3, 1 / 3, 0.0])


# --- splits -----------------------------------------------------------------------------------


def test_stratified_split_reproduces_the_per_group_seeded_shuffle():
    # Two users of 4 events each, interleaved. Each group is shuffled by RandomState(42).permutation(4)
    # = [1, 3, 0, 2] (what pandas' sample(frac=1, random_state=42) draws); the first round(0.75 * 4) = 3
    # shuffled events train. User 5 sits at [0, 2, 3, 6] -> trains 2, 6, 0, tests 3; user 9 at
    # [1, 4, 5, 7] -> trains 4, 7, 1, tests 5.
    groups = np.array([5, 9, 5, 5, 9, 9, 5, 9])
    assert np.flatnonzero(~stratified_split(groups, ratio=0.75, seed=42)).tolist() == [3, 5]


def test_stratified_split_keeps_round_ratio_of_each_group_in_training():
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 40, size=2000)
    train = stratified_split(groups, ratio=0.75, seed=42)
    sizes = np.bincount(groups, minlength=40)
    expected = np.array([round(0.75 * int(n)) for n in sizes])  # Python round: 4.5 -> 4, 1.5 -> 2
    assert np.bincount(groups[train], minlength=40).tolist() == expected.tolist()


def test_stratified_split_is_deterministic_for_a_seed_and_changes_with_it():
    groups = np.random.default_rng(1).integers(0, 30, size=600)
    first, again = stratified_split(groups, seed=42), stratified_split(groups, seed=42)
    other = stratified_split(groups, seed=7)
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_chronological_split_holds_out_each_users_latest_events():
    groups = np.array([1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    times = np.array([50, 10, 40, 20, 30, 5, 4, 3, 2, 1])
    train = chronological_split(groups, times, ratio=0.8)
    # round(0.8 * 5) = 4 train each: user 1 holds out time 50 (index 0), user 2 time 5 (index 5).
    assert np.flatnonzero(~train).tolist() == [0, 5]


def test_ease_is_left_out_above_its_item_limit():
    assert "ease" in {c.name for c in default_candidates(n_items=EASE_MAX_ITEMS)}
    assert "ease" not in {c.name for c in default_candidates(n_items=EASE_MAX_ITEMS + 1)}
    assert "ease" not in {c.name for c in default_candidates(quick=True, n_items=EASE_MAX_ITEMS + 1)}

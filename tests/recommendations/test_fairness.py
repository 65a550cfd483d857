"""Fairness and exposure figures of the offline evaluation, against values computed by hand."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.datasets import age_band
from recommendations.evaluation import activity_terciles, exposure_metrics, gini, group_metrics


def relevance(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    r = [u for u, items in enumerate(rows) for _ in items]
    c = [i for items in rows for i in items]
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), n_items))


def mean_difference_gini(values: list[float]) -> float:
    """Gini as the mean absolute difference over all ordered pairs / (2 * mean) (a second formula)."""
    n, mean = len(values), sum(values) / len(values)
    return sum(abs(a - b) for a in values for b in values) / (2 * n * n * mean)


def test_gini_is_zero_for_equal_exposure_and_n_minus_one_over_n_for_one_winner():
    assert (gini(np.array([2, 2, 2, 2])), gini(np.array([0, 0, 0, 4]))) == pytest.approx((0.0, 3 / 4))


def test_gini_matches_the_mean_difference_formula():
    assert gini(np.array([3, 1, 2, 0, 7])) == pytest.approx(mean_difference_gini([3, 1, 2, 0, 7]))


def test_gini_of_no_exposure_is_zero():
    assert gini(np.zeros(3)) == 0.0


def test_exposure_gini_counts_every_slot_over_videos_and_categories():
    # Slots: item 0 three times, items 1 and 2 once, item 3 never; categories 0, 0, 1 and none.
    recommended = np.array([[0, 1], [0, 2], [0, -1]])
    metrics = exposure_metrics(recommended, n_items=4, item_categories=np.array([0, 0, 1, -1]), n_categories=2)
    assert metrics == pytest.approx({"gini_videos": mean_difference_gini([3, 1, 1, 0]),
                                     "gini_categories": mean_difference_gini([4, 1])})


def test_exposure_gini_over_categories_is_none_without_categories():
    assert exposure_metrics(np.array([[0]]), n_items=1, item_categories=None, n_categories=0)["gini_categories"] is None


# U0 hits at rank 1 of {0}; U1 hits at rank 2 of {3}; U2 misses both of {0, 4}; U3 (gender unknown) hits at rank 1.
GROUP_RECOMMENDED = np.array([[0, 1], [2, 3], [1, 2], [4, 0]])
GROUP_RELEVANT = relevance([[0], [3], [0, 4], [4]], n_items=5)


def test_group_metrics_average_each_group_and_leave_unknown_labels_out():
    report = group_metrics(GROUP_RECOMMENDED, GROUP_RELEVANT, 2, {"gender": np.array(["F", "M", "F", ""], dtype=object)})
    ndcg_u1 = (1 / math.log(3)) / (1 / math.log(2))
    assert report["gender"]["groups"] == {
        "F": pytest.approx({"users": 2, "precision@2": (0.5 + 0) / 2, "recall@2": (1 + 0) / 2, "ndcg@2": (1 + 0) / 2}),
        "M": pytest.approx({"users": 1, "precision@2": 0.5, "recall@2": 1.0, "ndcg@2": ndcg_u1}),
    }


def test_group_gap_is_best_minus_worst_group():
    report = group_metrics(GROUP_RECOMMENDED, GROUP_RELEVANT, 2, {"gender": np.array(["F", "M", "F", ""], dtype=object)})
    ndcg_u1 = math.log(2) / math.log(3)
    assert report["gender"]["gap"] == pytest.approx({"precision@2": 0.25, "recall@2": 0.5, "ndcg@2": ndcg_u1 - 0.5})


def test_group_gap_is_none_with_a_single_known_group():
    report = group_metrics(GROUP_RECOMMENDED, GROUP_RELEVANT, 2, {"age_band": np.array(["18-24", "", "", ""], dtype=object)})
    assert report["age_band"]["gap"] == {"precision@2": None, "recall@2": None, "ndcg@2": None}


def test_activity_terciles_cut_users_sorted_by_training_events_into_thirds():
    # Sorted (stable): rows 5 (0), 1 (1), 6 (2), 2 (3), 3 (3), 0 (5), 4 (9); 7 users -> parts of 3, 2, 2.
    labels = activity_terciles(np.array([5, 1, 3, 3, 9, 0, 2]))
    assert labels.tolist() == ["high", "low", "mid", "mid", "high", "low", "low"]


@pytest.mark.parametrize(("age", "band"), [(7, "<13"), (13, "13-17"), (17, "13-17"), (18, "18-24"), (30, "25-30"),
                                           (31, "31-40"), (50, "41-50"), (51, "50+")])
def test_age_band_follows_the_viewer_age_bands(age, band):
    assert age_band(age) == band

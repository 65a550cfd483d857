"""Estimators on a small planted-block world: users of group g like the items of group g."""

import io
import json

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.estimators import (
    REASON_POPULAR,
    REASON_SIMILAR_TO_SEEN,
    ContentRecommender,
    EASERecommender,
    EstimatorState,
    HybridRecommender,
    ImplicitALSRecommender,
    ItemKNNRecommender,
    PopularityRecommender,
    estimator_from_state,
)
from recommendations.evaluation import ranking_metrics

GROUPS, USERS_PER_GROUP, ITEMS_PER_GROUP, SEEN_PER_USER = 3, 30, 15, 10
N_USERS, N_ITEMS = GROUPS * USERS_PER_GROUP, GROUPS * ITEMS_PER_GROUP
WORDS = ["space rocket alien", "love wedding romance", "goal football stadium"]


def group_of_item(item: int) -> int:
    return item // ITEMS_PER_GROUP


@pytest.fixture(scope="module")
def world():
    """Each user trains on 10 of their group's 15 items plus 1 random other item; the test is the
    5 group items they have not seen, so a perfect model scores precision@5 = 1."""
    rng = np.random.default_rng(3)
    train_rows, train_cols, test_rows, test_cols = [], [], [], []
    for user in range(N_USERS):
        g = user // USERS_PER_GROUP
        own = g * ITEMS_PER_GROUP + rng.permutation(ITEMS_PER_GROUP)
        noise = rng.choice([i for i in range(N_ITEMS) if group_of_item(i) != g])
        train_rows += [user] * (SEEN_PER_USER + 1)
        train_cols += [*own[:SEEN_PER_USER], noise]
        test_rows += [user] * (ITEMS_PER_GROUP - SEEN_PER_USER)
        test_cols += list(own[SEEN_PER_USER:])
    train = sp.csr_matrix((np.ones(len(train_rows), np.float32), (train_rows, train_cols)), shape=(N_USERS, N_ITEMS))
    test = sp.csr_matrix((np.ones(len(test_rows)), (test_rows, test_cols)), shape=(N_USERS, N_ITEMS))
    texts = [f"{WORDS[group_of_item(i)]} video{i}" for i in range(N_ITEMS)]
    return train, test, texts


def fitted(name: str, train, texts):
    builders = {
        "popularity": lambda: PopularityRecommender(half_life_days=None).fit(train),
        "item_knn": lambda: ItemKNNRecommender(k=20, shrinkage=1.0).fit(train),
        "ease": lambda: EASERecommender(l2=10.0).fit(train),
        "als": lambda: ImplicitALSRecommender(factors=3, regularization=1.0, alpha=10.0, random_state=0).fit(train),
        "content": lambda: ContentRecommender().fit(train, item_texts=texts),
    }
    return builders[name]()


def precision_at_5(estimator, train, test) -> float:
    recommended = estimator.recommend(train, n=5).items
    return ranking_metrics(recommended, test, 5)["precision@5"]


@pytest.mark.parametrize("name", ["ease", "item_knn", "als"])
def test_collaborative_models_recover_planted_groups(world, name):
    train, test, texts = world
    assert precision_at_5(fitted(name, train, texts), train, test) >= 0.9


def test_popularity_cannot_recover_planted_groups(world):
    train, test, texts = world
    assert precision_at_5(fitted("popularity", train, texts), train, test) <= 0.5


@pytest.mark.parametrize("name", ["popularity", "item_knn", "ease", "als", "content"])
def test_exclude_seen_never_returns_seen_items(world, name):
    train, _, texts = world
    recommended = fitted(name, train, texts).recommend(train, n=20).items
    seen = train.toarray() > 0
    assert not np.take_along_axis(seen, recommended, axis=1).any()


def test_content_recommender_serves_an_item_nobody_interacted_with(world):
    train, _, texts = world
    cold_item = 44  # group 2's last item
    train = train.tolil()
    train[:, cold_item] = 0
    train = train.tocsr()
    train.eliminate_zeros()
    model = ContentRecommender().fit(train, item_texts=texts)
    group_2_user = train[2 * USERS_PER_GROUP]
    assert cold_item in model.recommend(group_2_user, n=ITEMS_PER_GROUP - SEEN_PER_USER + 1).items[0]


def roundtrip(estimator) -> object:
    """Through the storage formats the serving layer will use: npz (no pickle) + JSON."""
    state = estimator.to_arrays()
    buffer = io.BytesIO()
    np.savez(buffer, **state.arrays)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    params = json.loads(state.params_json())
    return estimator_from_state(EstimatorState(kind=params["kind"], params=params["params"], arrays=arrays,
                                               meta=params["meta"]))


@pytest.mark.parametrize("name", ["popularity", "item_knn", "ease", "als", "content"])
def test_to_arrays_round_trip_gives_identical_scores(world, name):
    train, _, texts = world
    model = fitted(name, train, texts)
    assert np.array_equal(roundtrip(model).score(train), model.score(train))


def test_hybrid_round_trip_gives_identical_scores(world):
    train, _, texts = world
    hybrid = HybridRecommender({"ease": fitted("ease", train, texts), "content": fitted("content", train, texts)},
                               weights={"ease": 1.0, "content": 0.3}).fit(train)
    assert np.array_equal(roundtrip(hybrid).score(train), hybrid.score(train))


def test_hybrid_serves_a_cold_user_the_popularity_ranking(world):
    train, _, texts = world
    popularity = fitted("popularity", train, texts)
    hybrid = HybridRecommender({"ease": fitted("ease", train, texts), "popularity": popularity},
                               weights={"ease": 1.0, "popularity": 0.1}).fit(train)
    nobody = sp.csr_matrix((1, N_ITEMS), dtype=np.float32)
    expected = np.argsort(-popularity.item_scores_, kind="stable")[:5]
    assert hybrid.recommend(nobody, n=5).items[0].tolist() == expected.tolist()


def test_ease_explains_with_a_seen_item_of_the_same_group(world):
    train, _, texts = world
    model = fitted("ease", train, texts)
    user = train[0]
    item = int(model.recommend(user, n=1).items[0, 0])
    reason = model.explain(user, item)
    assert (reason.kind, reason.because_item in user.indices, group_of_item(reason.because_item)) == (
        REASON_SIMILAR_TO_SEEN, True, group_of_item(item))


def test_popularity_explains_as_popular(world):
    train, _, texts = world
    assert fitted("popularity", train, texts).explain(train[0], 3).kind == REASON_POPULAR


def test_popularity_decays_old_interactions_by_half_life():
    now, day = 1_000_000_000.0, 86_400.0
    X = sp.csr_matrix(np.array([[1, 1], [1, 1], [1, 0]], dtype=np.float32))  # item 0: 3 viewers, item 1: 2
    times = sp.csr_matrix(np.array([[now - 28 * day, now], [now - 28 * day, now], [now - 28 * day, 0]]))
    model = PopularityRecommender(half_life_days=14.0).fit(X, interaction_times=times, now=now)
    # item 0: 3 x 0.5 ** (28 / 14) = 0.75, item 1: 2 x 1 = 2 -> scaled by the best (2).
    assert model.item_scores_.tolist() == pytest.approx([0.375, 1.0])


def test_similar_items_stay_in_the_items_group(world):
    train, _, texts = world
    similar = fitted("item_knn", train, texts).similar_items(0, n=5).items[0]
    assert [group_of_item(int(i)) for i in similar] == [0] * 5


@pytest.mark.parametrize("name", ["popularity", "content", "item_knn", "ease", "als", "hybrid"])
def test_explain_many_gives_the_reasons_explain_gives_one_by_one(world, name):
    train, _, texts = world
    if name == "hybrid":
        estimator = HybridRecommender({n: fitted(n, train, texts) for n in ("item_knn", "content", "popularity")},
                                      weights={"item_knn": 1.0, "content": 0.5, "popularity": 0.2}).fit(train)
    else:
        estimator = fitted(name, train, texts)
    history = train[3]
    items = estimator.recommend(history, n=8).items[0]
    assert estimator.explain_many(history, items) == [estimator.explain(history, int(i)) for i in items]

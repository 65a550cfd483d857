"""Re-ranking at serving time: per request (rerankStrength), per brand (RecommenderSettings), exposure window."""

import numpy as np
import pytest
import scipy.sparse as sp
from strawberry import relay

from marketing.models import AuditEntry, Interaction, Role, Video
from recommendations import exposure, serving
from recommendations.models import RecommenderSettings
from recommendations.reranking import RerankPolicy, content_vectors_of, rerank
from tests.factories import BrandFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok
from tests.personas.world import build_world

TRAIN = """mutation($b: ID!) { trainRecommender(input: {brandId: $b, k: 5}) { errors { code } } }"""
RECOMMEND = """query($v: ID!, $s: Float) { recommendations(viewer: $v, first: 6, rerankStrength: $s) { videoId } }"""
SIMILAR = """query($v: ID!, $s: Float) { similarVideos(video: $v, first: 5, rerankStrength: $s) { videoId } }"""
UPDATE = """mutation($i: UpdateRecommenderSettingsInput!) { updateRecommenderSettings(input: $i) {
  settings { rerankEnabled rerankStrength videoCap categoryCap } errors { field code message } } }"""


@pytest.fixture
def world(db, brand, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    serving._loaded.clear()
    exposure.forget_exposure()
    planted = build_world(brand, seed=4)
    _, editor_token = make_token(brand=brand, role=Role.EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        assert ok(gql(TRAIN, {"b": gid(brand)}, token=editor_token))["trainRecommender"]["errors"] == []
    viewer_id = next(iter(planted.truth))
    yield relay.GlobalID("Viewer", str(viewer_id)), viewer_id, editor_token
    exposure.forget_exposure()


def _ids(items) -> list[int]:
    return [int(relay.GlobalID.from_id(r["videoId"]).node_id) for r in items]


def _served(token, viewer, strength=None) -> list[int]:
    return _ids(ok(gql(RECOMMEND, {"v": str(viewer), "s": strength}, token=token))["recommendations"])


def _expected_reranked(brand, viewer_id: int, n: int, policy: RerankPolicy) -> list[int]:
    """The re-ranked list computed directly: the model's scores, seen videos removed, categories from the videos."""
    loaded = serving.active_model(brand.pk)
    history = serving.viewer_history(viewer_id=viewer_id, column_of=loaded.column_of, n_items=len(loaded.video_ids))
    scores = loaded.estimator.score(history.matrix)[0].astype(np.float64)
    seen = Interaction.objects.filter(viewer_id=viewer_id).exclude(kind="impression").values_list("video_id", flat=True)
    scores[[loaded.column_of[v] for v in set(seen) if v in loaded.column_of]] = -np.inf
    category = dict(Video.objects.values_list("pk", "category"))
    names = sorted({category[int(v)] for v in loaded.video_ids if category[int(v)]})
    categories = np.array([names.index(category[int(v)]) if category[int(v)] else -1 for v in loaded.video_ids])
    items, _ = rerank(scores, n=n + 10, policy=policy, item_vectors=content_vectors_of(loaded.estimator),
                      item_categories=categories)
    return [int(loaded.video_ids[c]) for c in items[:n]]


def test_strength_zero_serves_the_relevance_order(world):
    viewer, _, token = world
    assert _served(token, viewer, 0.0) == _served(token, viewer)


def test_full_strength_serves_the_reranked_list(world, brand):
    viewer, viewer_id, token = world
    served = _served(token, viewer, 1.0)  # first list of the process: no exposure history yet
    assert served == _expected_reranked(brand, viewer_id, 6, RerankPolicy(strength=1.0))
    assert served != _served(token, viewer, 0.0)


def test_served_lists_count_as_recent_exposure(world, brand):
    viewer, _, token = world
    served = _served(token, viewer)
    loaded = serving.active_model(brand.pk)
    counts = exposure.recent_exposure(brand_id=brand.pk, loaded=loaded)
    expected = np.zeros(len(loaded.video_ids))
    expected[[loaded.column_of[v] for v in served]] = 1
    assert np.array_equal(counts, expected)


def test_exposure_window_forgets_lists_beyond_its_size(world, brand, settings):
    settings.RECOMMENDER_EXPOSURE_WINDOW_LISTS = 2
    viewer, _, token = world
    for _ in range(3):
        _served(token, viewer)
    loaded = serving.active_model(brand.pk)
    assert exposure.recent_exposure(brand_id=brand.pk, loaded=loaded).sum() == 2 * 6


def test_exposure_counts_the_lists_other_processes_logged_and_this_ones_not_yet_logged(world, brand, settings):
    from django.utils import timezone

    from recommendations.models import ServedList

    loaded = serving.active_model(brand.pk)
    videos = [int(v) for v in loaded.video_ids[:4]]
    # two lists another API process served (in the log, never noted here)
    for ids in (videos[:3], videos[1:4]):
        ServedList.objects.create(brand=brand, model_version=loaded.version, surface="feed", video_ids=ids,
                                  n_items=len(ids), served_at=timezone.now())
    counts = exposure.recent_exposure(brand_id=brand.pk, loaded=loaded)
    assert [counts[loaded.column_of[v]] for v in videos] == [1, 2, 2, 1] and counts.sum() == 6
    # a list this process served, still in its write buffer: counted at once, and kept by the next read
    exposure.note_served(brand_id=brand.pk, model_id=loaded.model_id, n_items=len(loaded.video_ids),
                         columns=np.array([loaded.column_of[videos[0]]]))
    assert exposure.recent_exposure(brand_id=brand.pk, loaded=loaded)[loaded.column_of[videos[0]]] == 2
    # another process logs one more: seen once the refresh interval has passed, not before; this process's
    # unlogged list is older than it and drops out (in production it is in the log within a flush interval)
    ServedList.objects.create(brand=brand, model_version=loaded.version, surface="similar", video_ids=[videos[3]],
                              n_items=1, served_at=timezone.now())
    assert exposure.recent_exposure(brand_id=brand.pk, loaded=loaded)[loaded.column_of[videos[3]]] == 1
    settings.RECOMMENDER_EXPOSURE_REFRESH_SECONDS = 0
    refreshed = exposure.recent_exposure(brand_id=brand.pk, loaded=loaded)
    assert [refreshed[loaded.column_of[v]] for v in videos] == [1, 2, 2, 2] and refreshed.sum() == 7


def test_brand_setting_applies_without_a_request_strength_and_a_request_overrides_it(world, brand):
    viewer, viewer_id, token = world
    relevance = _served(token, viewer, 0.0)
    from recommendations.models import ServedList

    ServedList.objects.all().delete()  # no history: the expected list is computed without exposure
    exposure.forget_exposure()
    RecommenderSettings.objects.create(brand=brand, rerank_enabled=True, rerank_strength=0.8, category_cap=0.5)
    assert _served(token, viewer) == _expected_reranked(brand, viewer_id, 6,
                                                        RerankPolicy(strength=0.8, category_cap=0.5))
    assert _served(token, viewer, 0.0) == relevance


@pytest.mark.parametrize("strength", [-0.01, 1.5])
def test_a_strength_outside_zero_one_is_a_bad_input_naming_the_argument(world, brand, strength):
    viewer, _, token = world
    body = gql(RECOMMEND, {"v": str(viewer), "s": strength}, token=token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "rerankStrength"}
    video = Video.objects.filter(brand=brand).first()
    body = gql(SIMILAR, {"v": gid(video), "s": strength}, token=token)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "rerankStrength"}


def test_similar_videos_rerank_with_mmr(world, brand):
    _, _, token = world
    loaded = serving.active_model(brand.pk)
    video_id = int(loaded.video_ids[0])
    served = _ids(ok(gql(SIMILAR, {"v": str(relay.GlobalID("Video", str(video_id))), "s": 1.0},
                         token=token))["similarVideos"])
    category = dict(Video.objects.values_list("pk", "category"))
    names = sorted({category[int(v)] for v in loaded.video_ids if category[int(v)]})
    categories = np.array([names.index(category[int(v)]) if category[int(v)] else -1 for v in loaded.video_ids])
    items, _ = rerank(loaded.estimator.similarity_row(0)[0], n=15, policy=RerankPolicy(strength=1.0),
                      item_vectors=content_vectors_of(loaded.estimator), item_categories=categories)
    assert served == [int(loaded.video_ids[c]) for c in items[:5]]


def test_brand_admin_sets_the_brand_reranking(world, brand):
    _, admin_token = make_token(brand=brand, role=Role.ADMIN)
    payload = ok(gql(UPDATE, {"i": {"brandId": gid(brand), "rerankEnabled": True, "rerankStrength": 0.4,
                                    "videoCap": 0.01}}, token=admin_token))["updateRecommenderSettings"]
    assert payload == {"settings": {"rerankEnabled": True, "rerankStrength": 0.4, "videoCap": 0.01,
                                    "categoryCap": 0.3}, "errors": []}
    saved = RecommenderSettings.objects.get(brand=brand)
    assert (saved.rerank_enabled, saved.rerank_strength, saved.video_cap, saved.category_cap) == (True, 0.4, 0.01, 0.3)
    assert AuditEntry.objects.filter(action="updateRecommenderSettings", succeeded=True).count() == 1
    read = ok(gql("query($b: ID!) { recommenderSettings(brand: $b) { rerankEnabled rerankStrength } }",
                  {"b": gid(brand)}, token=admin_token))
    assert read == {"recommenderSettings": {"rerankEnabled": True, "rerankStrength": 0.4}}


def test_settings_default_when_never_set(world, brand):
    _, _, token = world
    read = ok(gql("query($b: ID!) { recommenderSettings(brand: $b) { rerankEnabled rerankStrength videoCap categoryCap } }",
                  {"b": gid(brand)}, token=token))
    assert read == {"recommenderSettings": {"rerankEnabled": False, "rerankStrength": 0.5, "videoCap": 0.005,
                                            "categoryCap": 0.3}}


def test_out_of_range_settings_are_typed_errors_and_change_nothing(world, brand):
    _, admin_token = make_token(brand=brand, role=Role.ADMIN)
    payload = ok(gql(UPDATE, {"i": {"brandId": gid(brand), "rerankEnabled": True, "rerankStrength": 1.2,
                                    "categoryCap": 0.0}}, token=admin_token))["updateRecommenderSettings"]
    assert payload["settings"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("rerankStrength", "OUT_OF_RANGE"),
                                                                     ("categoryCap", "OUT_OF_RANGE")]
    assert not RecommenderSettings.objects.exists()


def test_editors_and_other_brands_cannot_set_the_reranking(world, brand):
    _, _, editor_token = world
    _, other_token = make_token(brand=BrandFactory(), role=Role.ADMIN)
    for token, code in ((editor_token, "PERMISSION_DENIED"), (other_token, "NOT_FOUND")):
        payload = ok(gql(UPDATE, {"i": {"brandId": gid(brand), "rerankEnabled": True}}, token=token))
        assert payload["updateRecommenderSettings"]["errors"][0]["code"] == code
    assert not RecommenderSettings.objects.exists()
    body = gql("query($b: ID!) { recommenderSettings(brand: $b) { rerankEnabled } }", {"b": gid(brand)},
               token=other_token)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_reranking_with_no_content_vectors_uses_exposure_only():
    # A model without a content component: MMR has nothing to compare, the exposure caps still apply.
    policy = RerankPolicy(strength=1.0, video_cap=0.5, category_cap=1.0)
    items, _ = rerank(np.array([1.0, 0.9, 0.5]), n=2, policy=policy, item_vectors=None,
                      exposure=np.array([4.0, 0.0, 0.0]))
    assert items.tolist() == [1, 0] and content_vectors_of(object()) is None and sp.issparse(sp.csr_matrix((1, 1)))

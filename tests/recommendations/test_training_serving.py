"""Recommender versions trained from the database and served with brand scoping and reasons."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from analytics.trained.models import TrainingStatus
from marketing.auth import principal_for_user
from marketing.jobs.models import Job, JobStatus
from marketing.models import Interaction, ModerationStatus, Role, Video
from marketing.services.errors import ServiceValidationError
from recommendations import services, serving, training
from recommendations.models import RecommenderModel
from tests.conftest import member
from tests.factories import BrandFactory, VideoFactory, ViewerFactory
from tests.personas.world import build_world


@pytest.fixture
def world(db, brand, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    serving._loaded.clear()
    return build_world(brand, seed=3)


@pytest.fixture
def trained(world, brand, django_capture_on_commit_callbacks):
    editor = principal_for_user(member(brand, Role.EDITOR))
    with django_capture_on_commit_callbacks(execute=True):
        job = services.recommender_training_start(principal=editor, brand_id=brand.pk, params={"k": 5})
    return editor, job


def seen_video_ids(viewer_id):
    return set(Interaction.objects.filter(viewer_id=viewer_id).exclude(kind="impression")
               .values_list("video_id", flat=True))


def test_training_job_produces_one_ready_active_version(trained, brand):
    _, job = trained
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    model = RecommenderModel.objects.get(brand=brand)
    assert (model.version, model.status, model.is_active) == (1, TrainingStatus.READY, True)
    assert job.result == {"model_id": model.pk, "version": 1, "is_active": True}
    assert model.n_videos == Video.objects.filter(brand=brand).count()
    assert model.artefact.name.endswith(".npz")
    assert {"popularity", "ease", "item_knn", "content", "hybrid"} <= set(model.metrics["recommenders"])


def test_a_redelivered_training_task_changes_nothing(trained, brand):
    model = RecommenderModel.objects.get(brand=brand)
    before = (model.artefact.name, model.trained_at)
    again = training.train_recommender(model_id=model.pk)
    assert (again.artefact.name, again.trained_at) == before
    assert RecommenderModel.objects.filter(brand=brand).count() == 1


def test_recommendations_follow_the_planted_tastes(trained, world, brand):
    editor, _ = trained
    tagged = {t: set(ids) for t, ids in world.videos_by_tag.items()}
    beauty_viewers = [v for v, seg in world.truth.items() if seg == "beauty buyers"]
    hits = total = 0
    for viewer_id in beauty_viewers[:40]:
        recs = serving.recommend_for_viewer(principal=editor, viewer_id=viewer_id, n=1)
        if recs:
            total += 1
            hits += recs[0].video.pk in tagged["beauty"] | tagged["skincare"]
    assert total > 0
    assert hits / total >= 0.8


def test_reasons_name_a_video_the_viewer_watched(trained, world, brand):
    editor, _ = trained
    viewer_id = next(iter(world.truth))
    recs = serving.recommend_for_viewer(principal=editor, viewer_id=viewer_id, n=5)
    watched_titles = set(Video.objects.filter(pk__in=seen_video_ids(viewer_id)).values_list("title", flat=True))
    assert recs and all(r.reasons for r in recs)
    similar = [r.reasons[0] for r in recs if r.reasons[0].startswith("Similar to")]
    assert all(any(f"“{t}”" in text for t in watched_titles) for text in similar)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.integers(min_value=0, max_value=10_000), n=st.integers(min_value=1, max_value=30),
       exclude_seen=st.booleans(), platform=st.sampled_from([None, "douyin", "kuaishou"]))
def test_never_unapproved_foreign_or_seen_videos(trained, world, brand, pick, n, exclude_seen, platform):
    editor, _ = trained
    if not Video.objects.filter(brand=brand, moderation_status=ModerationStatus.REJECTED).exists():
        ids = list(Video.objects.filter(brand=brand).order_by("pk").values_list("pk", flat=True))
        Video.objects.filter(pk=ids[0]).update(moderation_status=ModerationStatus.REJECTED, moderation_reason="x")
        Video.objects.filter(pk=ids[1]).update(moderation_status=ModerationStatus.PENDING)
        VideoFactory(brand=BrandFactory())
    viewers = sorted(world.truth)
    viewer_id = viewers[pick % len(viewers)]
    recs = serving.recommend_for_viewer(principal=editor, viewer_id=viewer_id, n=n, exclude_seen=exclude_seen,
                                        platform=platform)
    assert len(recs) <= n
    for rec in recs:
        assert rec.video.brand_id == brand.pk
        assert rec.video.moderation_status == ModerationStatus.APPROVED
        assert platform is None or rec.video.platform.code == platform
    if exclude_seen:
        assert not {r.video.pk for r in recs} & seen_video_ids(viewer_id)


def test_cold_viewer_gets_popular_videos(trained, brand):
    editor, _ = trained
    newcomer = ViewerFactory(brand=brand)
    recs = serving.recommend_for_viewer(principal=editor, viewer_id=newcomer.pk, n=5)
    assert len(recs) == 5
    assert all(r.reasons[0] in ("Popular right now",) or r.reasons[0].startswith("Trending") for r in recs)


def test_without_a_model_popularity_comes_from_the_database(world, brand):
    editor = principal_for_user(member(brand, Role.EDITOR))
    newcomer = ViewerFactory(brand=brand)
    recs = serving.recommend_for_viewer(principal=editor, viewer_id=newcomer.pk, n=3)
    views = {}
    for video_id in Interaction.objects.filter(brand=brand, kind="view").values_list("video_id", flat=True):
        views[video_id] = views.get(video_id, 0) + 1
    expected = sorted(views.values(), reverse=True)[:3]
    assert [views[r.video.pk] for r in recs] == expected


def test_other_brands_viewer_is_not_found(trained, other_brand):
    editor, _ = trained
    stranger = ViewerFactory(brand=other_brand)
    with pytest.raises(ServiceValidationError) as exc:
        serving.recommend_for_viewer(principal=editor, viewer_id=stranger.pk)
    assert exc.value.errors[0].code == "not_found"


def test_serving_reloads_only_when_the_active_version_changes(trained, brand, django_capture_on_commit_callbacks):
    editor, _ = trained
    first = serving.active_model(brand.pk)
    assert serving.active_model(brand.pk) is first
    with django_capture_on_commit_callbacks(execute=True):
        job = services.recommender_training_start(principal=editor, brand_id=brand.pk, params={"k": 5})
    second_model = RecommenderModel.objects.get(pk=Job.objects.get(pk=job.pk).result["model_id"])
    assert not second_model.is_active  # later versions are switched explicitly
    assert serving.active_model(brand.pk) is first
    services.activate_recommender(principal=editor, model_id=second_model.pk)
    reloaded = serving.active_model(brand.pk)
    assert reloaded is not first and reloaded.model_id == second_model.pk


def test_similar_videos_stay_in_the_brand_and_approved(trained, world, brand):
    editor, _ = trained
    video_id = world.videos_by_tag["gaming"][0]
    similar = serving.similar_videos(principal=editor, video_id=video_id, n=3)
    assert len(similar) == 3
    assert video_id not in {s.video.pk for s in similar}
    assert all(s.video.brand_id == brand.pk and s.video.moderation_status == "approved" for s in similar)


def test_bad_training_parameters_are_typed_errors(world, brand):
    editor = principal_for_user(member(brand, Role.EDITOR))
    with pytest.raises(ServiceValidationError) as exc:
        services.recommender_training_start(principal=editor, brand_id=brand.pk, params={"grid": "huge"})
    assert (exc.value.errors[0].field, exc.value.errors[0].code) == ("grid", "invalid_choice")
    assert not RecommenderModel.objects.exists()

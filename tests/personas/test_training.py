import json

import pytest
from django.db import IntegrityError, transaction
from django_celery_beat.models import PeriodicTask
from sklearn.metrics import adjusted_rand_score

from analytics.personas import services
from analytics.personas.models import Persona, PersonaAssignment, PersonaModel
from analytics.trained.models import TrainingStatus
from marketing.jobs.models import Job, JobStatus
from marketing.models import Viewer
from tests.factories import BrandFactory
from tests.personas.conftest import train
from tests.personas.world import BEAUTY, PLANTED, Segment, add_segment, build_world

pytestmark = pytest.mark.django_db

TINY = Segment("anglers", 10, "other", "50+", "Xinjiang", ("fishing",), 0.99, like_p=0.9, share_p=0.9)


def assignments(model) -> dict[int, int]:
    return dict(PersonaAssignment.objects.filter(model=model).values_list("viewer_id", "persona__index"))


def ari_vs_truth(model, world) -> float:
    found = assignments(model)
    viewers = sorted(found)
    return adjusted_rand_score([world.truth[v] for v in viewers], [found[v] for v in viewers])


def test_training_recovers_the_planted_segments(trained):
    world, model, _ = trained
    assert ari_vs_truth(model, world) >= 0.9


def test_automatic_k_is_the_planted_number_of_segments(trained):
    _, model, _ = trained
    scores = {int(k): s for k, s in model.metrics["k_scores"].items()}
    assert (model.k, max(scores, key=scores.get), sorted(scores)) == (3, 3, list(range(2, 11)))


def test_metrics_record_sizes_and_viewers(trained):
    _, model, _ = trained
    assert (model.status, model.n_viewers, model.metrics["sizes"], model.metrics["merged_small"]) == (
        TrainingStatus.READY, 300, [100, 100, 100], 0)


def test_job_succeeds_with_the_model_in_its_result(trained):
    _, model, job = trained
    assert (job.status, job.progress, job.result) == (
        JobStatus.SUCCEEDED, 1.0,
        {"persona_model_id": model.pk, "version": 1, "k": 3, "silhouette": model.metrics["silhouette"],
         "is_active": True})


def test_labels_name_demographics_tags_and_behaviour(trained):
    _, model, _ = trained
    labels = sorted(Persona.objects.filter(model=model).values_list("label", flat=True))
    assert labels == [
        "Men 25–30 in Beijing · tech, gaming · comment and like",
        "Women 18–24 in Guangdong · beauty, skincare · buy and finish videos",
        "Women 41–50 in Shanghai · cooking, home · share",
    ]


def test_two_seeds_agree(trained, brand, editor_principal, django_capture_on_commit_callbacks):
    _, first, _ = trained
    _, second = train(editor_principal, brand, django_capture_on_commit_callbacks, random_state=12345)
    a, b = assignments(first), assignments(second)
    viewers = sorted(a)
    assert adjusted_rand_score([a[v] for v in viewers], [b[v] for v in viewers]) >= 0.9


def test_first_model_is_activated_and_a_retrained_version_is_not(
        trained, brand, editor_principal, django_capture_on_commit_callbacks):
    _, first, _ = trained
    _, second = train(editor_principal, brand, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert (first.version, first.is_active, second.version, second.is_active) == (1, True, 2, False)


def test_activation_switches_the_active_model(trained, brand, editor_principal, django_capture_on_commit_callbacks):
    _, first, _ = trained
    _, second = train(editor_principal, brand, django_capture_on_commit_callbacks)
    services.persona_model_activate(persona_model_id=second.pk, principal=editor_principal)
    active = list(PersonaModel.objects.filter(brand=brand, is_active=True).values_list("version", flat=True))
    assert active == [2]


def test_the_database_allows_one_active_model_per_brand(
        trained, brand, editor_principal, django_capture_on_commit_callbacks):
    _, second = train(editor_principal, brand, django_capture_on_commit_callbacks)
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonaModel.objects.filter(pk=second.pk).update(is_active=True)


def test_small_personas_are_merged_into_the_nearest(brand, editor_principal, django_capture_on_commit_callbacks):
    build_world(brand, PLANTED + (TINY,))
    _, model = train(editor_principal, brand, django_capture_on_commit_callbacks, k=4)
    sizes = sorted(Persona.objects.filter(model=model).values_list("size", flat=True))
    assert (model.k, model.metrics["merged_small"], sum(sizes), min(sizes) >= 20) == (3, 1, 310, True)


def test_outputs_hold_no_viewer_identifiers(trained):
    _, model, _ = trained
    stored = json.dumps([model.metrics, model.feature_spec] + list(
        Persona.objects.filter(model=model).values_list("label", "profile", "tag_affinity")))
    keys = Viewer.objects.values_list("viewer_key", flat=True)
    assert [k for k in keys if k in stored or k[:16] in stored] == []


def test_new_viewers_are_assigned_with_the_active_model_without_retraining(trained):
    world, model, _ = trained
    new = add_segment(world, Segment(**{**BEAUTY.__dict__, "size": 25}), seed=999)
    assigned = services.assign_new_viewers(brand_id=model.brand_id)
    beauty = Persona.objects.get(model=model, label__startswith="Women 18–24")
    personas = set(PersonaAssignment.objects.filter(viewer_id__in=new).values_list("persona_id", flat=True))
    assert (assigned, personas, PersonaModel.objects.filter(brand_id=model.brand_id).count()) == (
        25, {beauty.pk}, 1)


def test_assigning_twice_adds_nothing(trained):
    world, model, _ = trained
    add_segment(world, Segment(**{**BEAUTY.__dict__, "size": 5}), seed=998)
    services.assign_new_viewers(brand_id=model.brand_id)
    assert services.assign_new_viewers(brand_id=model.brand_id) == 0


def test_too_few_viewers_fails_the_job_and_the_model(brand, editor_principal, django_capture_on_commit_callbacks):
    build_world(brand, (Segment(**{**BEAUTY.__dict__, "size": 8}),))
    job, model = train(editor_principal, brand, django_capture_on_commit_callbacks)
    assert (job.status, model.status, job.error) == (
        JobStatus.FAILED, TrainingStatus.FAILED,
        "brand_id: 8 viewers with interactions in the window; at least 20 are needed.")


def test_training_twice_is_a_no_op(trained):
    _, model, _ = trained
    before = assignments(model)
    services.persona_model_train(persona_model_id=model.pk)
    assert assignments(model) == before


def test_retrain_all_brands_queues_one_job_per_brand_with_enough_viewers(
        world, brand, django_capture_on_commit_callbacks):
    small = BrandFactory()
    build_world(small, (Segment(**{**BEAUTY.__dict__, "size": 5}),))
    with django_capture_on_commit_callbacks(execute=False):
        job_ids = services.retrain_personas_all_brands()
    assert list(Job.objects.filter(pk__in=job_ids).values_list("brand_id", "kind")) == [(brand.pk, "personas.train")]


def test_weekly_retraining_is_scheduled_with_celery_beat():
    task = PeriodicTask.objects.get(task="personas.retrain_personas_all_brands")
    assert (task.enabled, task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == (True, "0", "3", "1")


def test_hourly_assignment_is_scheduled_with_celery_beat():
    task = PeriodicTask.objects.get(task="personas.assign_new_viewers_all_brands")
    assert (task.enabled, task.crontab.minute, task.crontab.hour) == (True, "15", "*")


def test_assign_all_brands_fans_out_to_brands_with_an_active_model(trained):
    from analytics.personas.tasks import assign_new_viewers_all_brands

    world, model, _ = trained
    add_segment(world, Segment(**{**BEAUTY.__dict__, "size": 3}), seed=997)
    BrandFactory()  # no model: not visited
    assert assign_new_viewers_all_brands.delay().get() == 1
    assert PersonaAssignment.objects.filter(model=model).count() == 303


def test_a_model_created_with_no_params_uses_the_documented_defaults(brand):
    model = services.persona_model_create(brand_id=brand.pk, params={"k": 4})
    assert model.params == {**services.DEFAULT_PARAMS, "k": 4}

"""The shared trained-model lifecycle (analytics.trained) on both concrete models: version numbers,
one active version per brand, failures, and artefacts through the configured storage."""

from __future__ import annotations

import importlib
import io

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.test import override_settings

from analytics.personas.models import PersonaModel
from analytics.trained import services as lifecycle
from analytics.trained.artefacts import load_artefact, save_artefact
from analytics.trained.models import TrainingStatus
from marketing.services.errors import ErrorCode, ServiceValidationError
from recommendations.models import RecommenderModel
from tests.factories import BrandFactory

MODELS = [PersonaModel, RecommenderModel]


@pytest.fixture
def artefact_dir(tmp_path, settings):
    """A storage alias of its own, named by MODEL_ARTEFACT_STORAGE (as a shared-storage deployment does)."""
    settings.STORAGES = {**settings.STORAGES, "models": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    settings.MODEL_ARTEFACT_STORAGE = "models"
    return tmp_path


def ready(model_class, brand, **fields):
    model = lifecycle.create_version(model_class, brand_id=brand.pk, params={})
    model_class.objects.filter(pk=model.pk).update(status=TrainingStatus.READY, **fields)
    model.refresh_from_db()
    return model


@pytest.mark.parametrize("model_class", MODELS)
def test_versions_count_up_per_brand(db, model_class):
    brand, other = BrandFactory(), BrandFactory()
    versions = [lifecycle.create_version(model_class, brand_id=brand.pk, params={}).version for _ in range(3)]
    assert versions == [1, 2, 3]
    assert lifecycle.create_version(model_class, brand_id=other.pk, params={}).version == 1
    assert lifecycle.next_version(model_class, brand_id=brand.pk) == 4


@pytest.mark.parametrize("model_class", MODELS)
def test_activating_a_version_switches_the_previous_one_off(db, model_class):
    brand = BrandFactory()
    first, second = ready(model_class, brand), ready(model_class, brand)
    lifecycle.activate(model_class, model_id=first.pk)
    activated = lifecycle.activate(model_class, model_id=second.pk)
    assert activated.is_active and activated.activated_at is not None
    assert list(model_class.objects.filter(brand=brand, is_active=True).values_list("pk", flat=True)) == [second.pk]


@pytest.mark.parametrize("model_class", MODELS)
def test_the_database_keeps_one_active_version_per_brand(db, model_class):
    brand = BrandFactory()
    first, second = ready(model_class, brand), ready(model_class, brand)
    model_class.objects.filter(pk=first.pk).update(is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        model_class.objects.filter(pk=second.pk).update(is_active=True)


@pytest.mark.parametrize("model_class", MODELS)
def test_only_a_ready_version_can_be_activated(db, model_class):
    queued = lifecycle.create_version(model_class, brand_id=BrandFactory().pk, params={})
    with pytest.raises(ServiceValidationError) as raised:
        lifecycle.activate(model_class, model_id=queued.pk, field="model")
    assert [(e.field, e.code) for e in raised.value.errors] == [("model", ErrorCode.INVALID)]
    assert not model_class.objects.get(pk=queued.pk).is_active


@pytest.mark.parametrize("model_class", MODELS)
def test_the_first_ready_version_goes_live_and_later_ones_wait(db, model_class):
    brand = BrandFactory()
    first = lifecycle.create_version(model_class, brand_id=brand.pk, params={})
    lifecycle.finish_training(first, started=lifecycle.begin_training(first))
    second = lifecycle.create_version(model_class, brand_id=brand.pk, params={})
    lifecycle.finish_training(second, started=lifecycle.begin_training(second))
    rows = {m.version: (m.status, m.is_active) for m in model_class.objects.filter(brand=brand)}
    assert rows == {1: (TrainingStatus.READY, True), 2: (TrainingStatus.READY, False)}
    third = lifecycle.create_version(model_class, brand_id=brand.pk, params={})
    lifecycle.finish_training(third, started=lifecycle.begin_training(third), activate=True)
    assert list(model_class.objects.filter(brand=brand, is_active=True).values_list("version", flat=True)) == [3]


@pytest.mark.parametrize("model_class", MODELS)
def test_a_failure_is_recorded_and_never_undoes_a_ready_version(db, model_class):
    brand = BrandFactory()
    failing = lifecycle.create_version(model_class, brand_id=brand.pk, params={})
    lifecycle.begin_training(failing)
    lifecycle.fail_training(model_class, model_id=failing.pk, error="x" * 6000)
    failing.refresh_from_db()
    assert (failing.status, failing.error) == (TrainingStatus.FAILED, "x" * 5000)
    done = ready(model_class, brand)
    lifecycle.fail_training(model_class, model_id=done.pk, error="late redelivery")
    done.refresh_from_db()
    assert (done.status, done.error) == (TrainingStatus.READY, "")


@pytest.mark.parametrize("model_class", MODELS)
def test_artefact_round_trip_through_the_configured_storage(db, artefact_dir, model_class):
    model = lifecycle.create_version(model_class, brand_id=BrandFactory().pk, params={})
    arrays = {"centroids": np.array([[0.1, -2.5], [3.0, 1e-9]], dtype=np.float32),
              "ids": np.array([7, 3, 2**40], dtype=np.int64), "vocab": np.array(["a", "bé"])}
    save_artefact(model, arrays)
    model.save()
    name = f"{model._meta.app_label}/brand-{model.brand_id}/v1.npz"
    assert model.artefact.name == name
    assert (artefact_dir / name).is_file()
    loaded = load_artefact(model_class.objects.get(pk=model.pk))
    assert sorted(loaded) == ["centroids", "ids", "vocab"]
    for key, array in arrays.items():
        assert loaded[key].dtype == array.dtype
        assert np.array_equal(loaded[key], array)


def test_a_version_without_artefact_loads_no_arrays(db):
    assert load_artefact(lifecycle.create_version(PersonaModel, brand_id=BrandFactory().pk, params={})) == {}


def test_saving_refuses_arrays_that_would_be_pickled(db, artefact_dir):
    model = lifecycle.create_version(PersonaModel, brand_id=BrandFactory().pk, params={})
    with pytest.raises(ValueError, match="Object arrays would be pickled: labels"):
        save_artefact(model, {"ok": np.zeros(2), "labels": np.array([{"a": 1}, None], dtype=object)})
    assert not model.artefact
    assert list(artefact_dir.rglob("*.npz")) == []


def test_loading_refuses_a_stored_pickle(db, artefact_dir):
    model = lifecycle.create_version(RecommenderModel, brand_id=BrandFactory().pk, params={})
    buffer = io.BytesIO()
    np.savez(buffer, payload=np.array([object()], dtype=object))  # numpy pickles object arrays
    model.artefact.save("artefact.npz", ContentFile(buffer.getvalue()), save=True)
    with pytest.raises(ValueError, match="allow_pickle=False"):
        load_artefact(RecommenderModel.objects.get(pk=model.pk))


@override_settings(MODEL_ARTEFACT_STORAGE="default")
def test_the_setting_defaults_to_the_default_storage(settings):
    from django.core.files.storage import storages

    from analytics.trained.models import artefact_storage

    assert artefact_storage.target() is storages["default"]


# --- migration personas 0005: BinaryField blobs become files ------------------------------------

migration = importlib.import_module("analytics.personas.migrations.0005_trained_model_lifecycle")


def test_the_migration_moves_a_blob_to_a_file_byte_for_byte(db, artefact_dir):
    arrays = {"tag_idf": np.array([1.5, 2.25, 0.0]), "centroids": np.arange(6, dtype=np.float32).reshape(2, 3)}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # what PersonaModel.set_arrays stored in the BinaryField
    row = lifecycle.create_version(PersonaModel, brand_id=BrandFactory().pk, params={})
    row.artefacts = memoryview(buffer.getvalue())  # the old column, as the historical model reads it

    assert migration.blob_to_file(row) is True

    row = PersonaModel.objects.get(pk=row.pk)
    assert row.artefact.name == f"personas/brand-{row.brand_id}/v1.npz"
    assert (artefact_dir / row.artefact.name).read_bytes() == buffer.getvalue()
    loaded = load_artefact(row)
    assert all(np.array_equal(loaded[k], v) and loaded[k].dtype == v.dtype for k, v in arrays.items())


def test_the_migration_gives_up_a_pickled_blob_and_asks_for_a_retrain(db, artefact_dir):
    brand = BrandFactory()
    row = ready(PersonaModel, brand, is_active=True)
    buffer = io.BytesIO()
    np.savez(buffer, spec=np.array([{"vocab": ["a"]}], dtype=object))
    row.artefacts = buffer.getvalue()

    assert migration.blob_to_file(row) is False

    row = PersonaModel.objects.get(pk=row.pk)
    assert (row.status, row.is_active, row.error, row.artefact.name) == (
        TrainingStatus.FAILED, False, migration.PICKLED_ERROR, "")
    assert list(artefact_dir.rglob("*.npz")) == []


def test_the_migration_leaves_a_row_without_blob_alone(db, artefact_dir):
    row = lifecycle.create_version(PersonaModel, brand_id=BrandFactory().pk, params={})
    row.artefacts = None
    assert migration.blob_to_file(row) is True
    assert PersonaModel.objects.get(pk=row.pk).artefact.name == ""


# --- engagement weights: one definition for personas, recommender training and serving ---------


def test_engagement_weights_of_grouped_and_single_interactions():
    from analytics.engagement import engagement_weight, engagement_weights

    kinds = np.array(["view", "like", "impression", "purchase", "unknown"], dtype=object)
    weights = engagement_weights(kinds, counts=np.array([3, 2, 9, 1, 4]), watched=np.array([1.75, 0, 0, 0, 0]))
    assert weights.tolist() == [1.75, 4.0, 0.0, 5.0, 0.0]
    assert [engagement_weight("view", 0.25), engagement_weight("comment", 0.25)] == [0.25, 3.0]

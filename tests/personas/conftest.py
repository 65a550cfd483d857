import pytest

from analytics.personas.models import PersonaModel
from analytics.personas.services import persona_training_start
from marketing.jobs.models import Job
from tests.personas.world import build_world


def train(principal, brand, capture, **params):
    """Queue a training run and execute it (eagerly) when the transaction's on_commit fires."""
    with capture(execute=True):
        job = persona_training_start(principal=principal, brand_id=brand.pk, **params)
    job = Job.objects.get(pk=job.pk)
    return job, PersonaModel.objects.get(pk=job.params["persona_model_id"])


@pytest.fixture
def world(brand):
    return build_world(brand)


@pytest.fixture
def trained(world, brand, editor_principal, django_capture_on_commit_callbacks):
    job, model = train(editor_principal, brand, django_capture_on_commit_callbacks)
    return world, model, job

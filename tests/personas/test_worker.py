import time

import pytest

from analytics.personas.models import PersonaModel
from analytics.personas.services import persona_training_start
from marketing.auth import principal_for_user
from marketing.jobs.models import Job, JobStatus
from tests.conftest import member
from tests.factories import BrandFactory
from tests.personas.world import build_world


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_trains_personas_and_the_job_can_be_polled(celery_worker_process):
    brand = BrandFactory()
    build_world(brand)
    job = persona_training_start(principal=principal_for_user(member(brand, "editor")), brand_id=brand.pk)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.5)
    model = PersonaModel.objects.get(pk=job.params["persona_model_id"])
    assert (job.status, job.progress, job.task_id != "", model.k, model.is_active) == (
        JobStatus.SUCCEEDED, 1.0, True, 3, True)
    assert Job.objects.filter(pk=job.pk, started_at__isnull=False, finished_at__isnull=False).exists()

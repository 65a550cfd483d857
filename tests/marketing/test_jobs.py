import pytest

from marketing.jobs import services
from marketing.jobs.models import Job, JobStatus


@pytest.mark.django_db
def test_job_lifecycle_and_clamped_progress(brand):
    job = services.job_create(brand_id=brand.pk, kind="personas.train", params={"k": 5})
    services.job_progress(job_id=job.pk, progress=0.5)  # not running yet: ignored
    assert Job.objects.get(pk=job.pk).progress == 0.0
    services.job_start(job_id=job.pk)
    services.job_progress(job_id=job.pk, progress=1.7, message="clustering")
    job.refresh_from_db()
    assert (job.status, job.progress, job.message) == (JobStatus.RUNNING, 1.0, "clustering")
    services.job_succeed(job_id=job.pk, result={"model_id": 3})
    job.refresh_from_db()
    assert (job.status, job.result, job.finished_at is not None) == (JobStatus.SUCCEEDED, {"model_id": 3}, True)


@pytest.mark.django_db
def test_a_redelivered_task_does_not_restart_a_finished_job(brand):
    job = services.job_create(brand_id=brand.pk, kind="personas.train")
    services.job_start(job_id=job.pk)
    services.job_succeed(job_id=job.pk, result={"model_id": 1})
    assert services.job_start(job_id=job.pk).status == JobStatus.SUCCEEDED

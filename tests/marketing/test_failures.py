"""Failures: operators get the detail, brand viewers a short classified message (never an exception's text)."""

import pytest

from analytics import reports
from analytics.models import KpiReport
from analytics.personas import services as persona_services
from analytics.personas.models import PersonaModel
from analytics.personas.tasks import train_persona_model
from marketing.jobs.failures import FailureCode, failure_of
from marketing.jobs.models import Job
from marketing.models import Role
from marketing.services.errors import ErrorCode, ServiceValidationError
from tests.analytics.test_reports import PERIOD, Hook, mail_dir, schedule, webhook  # noqa: F401 (fixtures)
from tests.conftest import member
from tests.marketing.graphql_helpers import gql, ok

INTERNAL = "An internal error stopped this. The operators have the details."
LEAK = "could not connect to 10.0.0.5:5432 as reelboard (password=hunter2)"


@pytest.mark.django_db
def test_a_crashed_job_shows_viewers_a_classified_message_and_operators_the_detail(brand, monkeypatch):
    from strawberry import relay

    model = PersonaModel.objects.create(brand=brand, version=1)
    job = Job.objects.create(brand=brand, kind="personas.train", params={"persona_model_id": model.pk})

    def crash(**kwargs):
        raise RuntimeError(LEAK)

    monkeypatch.setattr(persona_services, "persona_model_train", crash)
    with pytest.raises(RuntimeError):
        train_persona_model(job.pk, model.pk)
    data = ok(gql("query($id: ID!) { job(id: $id) { status error } }",
                  {"id": str(relay.GlobalID("Job", str(job.pk)))}, user=member(brand, Role.VIEWER)))
    job.refresh_from_db()
    model.refresh_from_db()
    assert data["job"] == {"status": "FAILED", "error": INTERNAL}
    assert (job.error, model.error) == (f"RuntimeError: {LEAK}", INTERNAL)


def test_a_failed_report_delivery_shows_viewers_a_classified_message(schedule, mail_dir):  # noqa: F811
    report = reports.generate_report(schedule_id=schedule.pk, period=PERIOD)
    Hook.fail = True
    with pytest.raises(Exception):  # noqa: B017 (the task retries it)
        reports.deliver(report_id=report.pk)
    data = ok(gql("{ reports { edges { node { error } } } }", user=member(schedule.brand, Role.VIEWER)))
    assert (data["reports"]["edges"], KpiReport.objects.get().error) == (
        [{"node": {"error": "The report could not be delivered; it is retried automatically."}}],
        "webhook answered 500")


@pytest.mark.parametrize(("exc", "code"), [
    (ServiceValidationError.single("k", ErrorCode.OUT_OF_RANGE, "k must be 2 to 20."), FailureCode.INVALID_INPUT),
    (TimeoutError("read timed out"), FailureCode.TIMED_OUT),
    (ConnectionRefusedError(LEAK), FailureCode.DELIVERY_FAILED),
    (KeyError("artefacts"), FailureCode.INTERNAL),
])
def test_failures_are_classified(exc, code):
    failure = failure_of(exc)
    assert (failure.code, LEAK in failure.message) == (code, False)


def test_a_services_validation_message_is_kept_for_people():
    failure = failure_of(ServiceValidationError.single("k", ErrorCode.OUT_OF_RANGE, "k must be 2 to 20."))
    assert failure.message == "k must be 2 to 20."

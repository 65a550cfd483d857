import pytest
from django.urls import reverse

from analytics.personas.models import PersonaModel
from tests.factories import UserFactory
from tests.personas.conftest import train

pytestmark = pytest.mark.django_db


def test_admin_action_switches_the_active_model(trained, brand, editor_principal, client,
                                               django_capture_on_commit_callbacks):
    _, first, _ = trained
    _, second = train(editor_principal, brand, django_capture_on_commit_callbacks)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:personas_personamodel_changelist"),
                           {"action": "activate", "_selected_action": [second.pk]})
    active = list(PersonaModel.objects.filter(brand=brand, is_active=True).values_list("pk", flat=True))
    assert (response.status_code, active) == (302, [second.pk])


def test_admin_lists_models_with_their_personas(trained, client):
    _, model, _ = trained
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:personas_personamodel_change", args=[model.pk])).content.decode()
    assert "Women 18–24 in Guangdong · beauty, skincare · buy and finish videos" in page

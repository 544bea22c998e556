"""A commune's « Demande de formation » becomes, in one step, people waiting for its module."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Status
from tests.factories import ContactFactory, ReferentFactory, request_of
from tests.trainings.factories import module
from tests.trainings.followup_helpers import page_text
from trainings.demand import demands_from_request
from trainings.models import TrainingDemand

pytestmark = pytest.mark.django_db


@pytest.fixture
def training_request(agent_a, commune):
    return request_of(
        agent_a,
        commune,
        category="training",
        training_module=module("m2-actes"),
        subject="Former nos agents aux actes",
        description="Deux agents arrivent à l'accueil de la mairie.",
    )


def test_the_referent_puts_the_ticked_people_on_the_waiting_list_of_the_module(
    client, training_request, referent, agent_a, agent_b, agent_c
):
    client.force_login(referent)
    detail = client.get(reverse("requests_relay:detail", args=[training_request.reference]))
    text = page_text(detail)
    assert "Mettre en attente d'une session" in text
    assert "Anne Aubry" in text and "Bruno Bellec" in text
    assert "Chloé Corre" not in text  # another commune's agent
    # The submitter is ticked already.
    assert re.search(rf'value="{agent_a.contact.pk}"[^>]*checked', detail.content.decode())
    assert not re.search(rf'value="{agent_b.contact.pk}"[^>]*checked', detail.content.decode())
    OutgoingEmail.objects.all().delete()

    url = reverse("trainings:demand_from_request", args=[training_request.reference])
    response = client.post(url, {"contacts": [agent_a.contact.pk, agent_b.contact.pk]})
    assert response.status_code == 302
    demands = TrainingDemand.objects.order_by("contact__last_name")
    assert [(d.contact, d.module.code, d.commune, d.status) for d in demands] == [
        (agent_a.contact, "m2-actes", training_request.commune, "waiting"),
        (agent_b.contact, "m2-actes", training_request.commune, "waiting"),
    ]
    training_request.refresh_from_db()
    assert training_request.status == Status.IN_PROGRESS
    assert training_request.assigned_to == referent
    [message] = training_request.messages.all()
    assert not message.internal
    assert message.body.startswith(
        "Anne Aubry, Bruno Bellec attendent désormais une session du module « Télétransmettre "
        "les actes à la préfecture »."
    )
    [email] = OutgoingEmail.objects.filter(kind="requests.message")
    assert email.to == agent_a.email
    # The page now lists them, and offers only the others.
    text = page_text(
        client.get(reverse("requests_relay:detail", args=[training_request.reference]))
    )
    assert "Déjà mis en attente grâce à cette demande : Anne Aubry — En attente d'une session" in (
        text
    )


def test_nobody_ticked_or_someone_already_waiting_saves_nothing(
    client, training_request, referent, agent_a, agent_b
):
    client.force_login(referent)
    url = reverse("trainings:demand_from_request", args=[training_request.reference])
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Choisissez au moins une personne." in page_text(response)

    demands_from_request(request=training_request, contacts=[agent_a.contact], by=referent)
    with pytest.raises(ValidationError) as error:
        demands_from_request(
            request=training_request, contacts=[agent_b.contact, agent_a.contact], by=referent
        )
    assert "Anne Aubry : pas un contact actif de la commune, ou déjà en attente" in str(error.value)
    assert list(TrainingDemand.objects.values_list("contact", flat=True)) == [agent_a.contact.pk]
    # Through the page, the form refuses a contact it does not offer, and keeps the ticks.
    response = client.post(url, {"contacts": [agent_a.contact.pk, agent_b.contact.pk]})
    assert response.status_code == 400
    assert TrainingDemand.objects.count() == 1


def test_a_contact_of_another_commune_cannot_be_put_on_the_list(
    training_request, referent, agent_c
):
    with pytest.raises(ValidationError):
        demands_from_request(request=training_request, contacts=[agent_c.contact], by=referent)
    stranger = ContactFactory()
    with pytest.raises(ValidationError):
        demands_from_request(request=training_request, contacts=[stranger], by=referent)
    assert not TrainingDemand.objects.exists()


def test_another_epci_and_the_agents_get_404_or_403(client, training_request, agent_a):
    url = reverse("trainings:demand_from_request", args=[training_request.reference])
    client.force_login(ReferentFactory())
    assert client.post(url, {"contacts": [agent_a.contact.pk]}).status_code == 404
    client.force_login(agent_a)
    assert client.post(url, {"contacts": [agent_a.contact.pk]}).status_code == 403
    detail = client.get(reverse("requests_relay:detail", args=[training_request.reference]))
    assert "Mettre en attente d'une session" not in page_text(detail)
    assert not TrainingDemand.objects.exists()


def test_other_requests_do_not_offer_it(client, agent_a, commune, referent):
    setup = request_of(agent_a, commune)
    client.force_login(referent)
    detail = client.get(reverse("requests_relay:detail", args=[setup.reference]))
    assert "Mettre en attente d'une session" not in page_text(detail)
    url = reverse("trainings:demand_from_request", args=[setup.reference])
    assert client.post(url, {"contacts": [agent_a.contact.pk]}).status_code == 404

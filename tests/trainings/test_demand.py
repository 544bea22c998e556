"""Demand per module over the EPCI: the threshold, and the session created and filled in one
step from it."""

import pytest
from django.urls import reverse
from freezegun import freeze_time

from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Status
from tests.factories import CommuneFactory, ContactFactory, ReferentFactory, agent_of, request_of
from tests.trainings.factories import module
from tests.trainings.followup_helpers import page_text
from trainings.demand import demand_by_module, demands_from_request
from trainings.models import Enrolment, TrainingDemand, TrainingSession

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def midday():
    """A Monday at midday (Europe/Paris): the session below is in three weeks."""
    with freeze_time("2026-03-02 12:00:00+01:00"):
        yield


SESSION = {
    "day": "2026-03-26",
    "start_time": "09:30",
    "end_time": "12:30",
    "venue": "epci",
    "place": "Salle du conseil communautaire",
    "trainer_name": "Claire Le Goff",
    "capacity": "12",
    "registration_deadline": "2026-03-19",
    "reminder_days": "7, 1",
    "open_now": "on",
}


def training_request(agent, commune, code="m2-actes"):
    return request_of(
        agent,
        commune,
        category="training",
        training_module=module(code),
        subject="Formation demandée",
        description="Nos agents en ont besoin.",
    )


@pytest.fixture
def waiting(referent, epci):
    """Five people of three communes of the EPCI wait for the acts module, from 3 requests."""
    communes = [CommuneFactory(epci=epci, name=name) for name in ("Hénon", "Bréhand", "Quessoy")]
    requests, people = [], []
    for commune, count in zip(communes, (2, 2, 1), strict=True):
        agent = agent_of(commune)
        request = training_request(agent, commune)
        contacts = [agent.contact] + [
            ContactFactory(epci=epci, communes=[commune]) for _ in range(count - 1)
        ]
        demands_from_request(request=request, contacts=contacts, by=referent)
        requests.append(request)
        people += contacts
    return {"communes": communes, "requests": requests, "people": people}


def test_demand_accumulates_per_module_over_the_whole_epci(waiting, referent, settings):
    settings.TRAINING_DEMAND_THRESHOLD = 5
    # Another EPCI's demand and an open request nobody turned into demands yet.
    elsewhere = CommuneFactory(name="Ailleurs")
    demands_from_request(
        request=training_request(agent_of(elsewhere), elsewhere),
        contacts=list(elsewhere.contacts.all()),
        by=ReferentFactory(epci=elsewhere.epci),
    )
    pending = training_request(
        agent_of(waiting["communes"][0]), waiting["communes"][0], "m3-helios"
    )

    by_code = {item.module.code: item for item in demand_by_module(referent.epci)}
    acts = by_code["m2-actes"]
    assert (acts.waiting, acts.reached) == (5, True)
    assert [c.name for c in acts.communes] == ["Bréhand", "Hénon", "Quessoy"]
    helios = by_code["m3-helios"]
    assert (helios.waiting, helios.reached, helios.pending_requests) == (0, False, [pending])


def test_the_offer_appears_at_the_threshold(client, waiting, referent, settings):
    client.force_login(referent)
    url = reverse("trainings:demand")
    settings.TRAINING_DEMAND_THRESHOLD = 6
    text = page_text(client.get(url))
    assert "5 personnes en attente (seuil : 6)" in text
    assert "Proposer une session quand même" in text
    settings.TRAINING_DEMAND_THRESHOLD = 5
    text = page_text(client.get(url))
    assert "5 personnes en attente (seuil : 5)" in text
    assert "Proposer une session — Télétransmettre" in text
    assert "Proposer une session quand même" not in text


def test_proposing_a_session_creates_it_and_enrols_everyone_in_one_step(client, waiting, referent):
    client.force_login(referent)
    url = reverse("trainings:demand_propose", args=["m2-actes"])
    form = client.get(url)
    assert form.status_code == 200
    text = page_text(form)
    assert "5 personnes attendent ce module." in text
    OutgoingEmail.objects.all().delete()

    demands = list(TrainingDemand.objects.order_by("pk"))
    response = client.post(url, {**SESSION, "demands": [d.pk for d in demands[:4]]})
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert response["Location"] == reverse("trainings:session_detail", args=[session.pk])
    assert (session.module.code, session.status, session.seats_taken) == ("m2-actes", "open", 4)
    assert session.created_by == referent
    enrolled = {e.contact_id: e for e in session.enrolments.all()}
    assert set(enrolled) == {d.contact_id for d in demands[:4]}
    assert {e.commune_id for e in enrolled.values()} == {c.pk for c in waiting["communes"][:2]}
    for demand in TrainingDemand.objects.filter(pk__in=[d.pk for d in demands[:4]]):
        assert demand.status == "enrolled"
        assert demand.enrolment == enrolled[demand.contact_id]
    assert TrainingDemand.objects.get(pk=demands[4].pk).status == "waiting"
    # Each enrolled person is told (trainings' confirmation, with the invitation).
    assert OutgoingEmail.objects.filter(kind="trainings.confirmed").count() == 4
    # Their requests got the date and moved on; Quessoy's (nobody enrolled) did not.
    henon, brehand, quessoy = (r.__class__.objects.get(pk=r.pk) for r in waiting["requests"])
    for request in (henon, brehand):
        assert request.status == Status.RESOLVED
        last = request.messages.order_by("pk").last()
        assert "Une session du module « Télétransmettre les actes à la préfecture » est " in (
            last.body
        )
        assert "26 mars 2026" in last.body
    assert quessoy.status == Status.IN_PROGRESS


def test_a_full_session_puts_the_last_ones_on_its_waiting_list(client, waiting, referent):
    client.force_login(referent)
    demands = list(TrainingDemand.objects.order_by("pk"))
    response = client.post(
        reverse("trainings:demand_propose", args=["m2-actes"]),
        {**SESSION, "capacity": "3", "demands": [d.pk for d in demands]},
        follow=True,
    )
    assert (
        "La session est créée et 3 personnes y sont inscrites. 2 personnes sont sur la liste"
        in (page_text(response))
    )
    statuses = sorted(Enrolment.objects.values_list("status", flat=True))
    assert statuses == ["enrolled"] * 3 + ["waiting"] * 2


def test_bad_input_keeps_what_was_typed_and_saves_nothing(client, waiting, referent):
    client.force_login(referent)
    url = reverse("trainings:demand_propose", args=["m2-actes"])
    demands = list(TrainingDemand.objects.order_by("pk"))
    response = client.post(
        url, {**SESSION, "day": "2026-02-01", "demands": [demands[0].pk, demands[1].pk]}
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "La session n'est pas créée." in text
    assert "Une nouvelle session commence dans le futur." in text
    html = response.content.decode()
    assert 'value="Claire Le Goff"' in html
    assert not TrainingSession.objects.exists()
    assert not Enrolment.objects.exists()
    assert TrainingDemand.objects.filter(status="waiting").count() == 5

    response = client.post(url, {**SESSION})
    assert response.status_code == 400
    assert "Choisissez au moins une personne à inscrire." in page_text(response)
    assert not TrainingSession.objects.exists()


def test_a_demand_withdrawn_meanwhile_undoes_the_whole_step(client, waiting, referent):
    client.force_login(referent)
    demands = list(TrainingDemand.objects.order_by("pk"))
    TrainingDemand.objects.filter(pk=demands[0].pk).update(status="withdrawn")
    response = client.post(
        reverse("trainings:demand_propose", args=["m2-actes"]),
        {**SESSION, "demands": [d.pk for d in demands]},
    )
    assert response.status_code == 400
    assert not TrainingSession.objects.exists()


def test_another_epci_cannot_see_or_withdraw_the_demand(client, waiting, referent, agent_a):
    demand = TrainingDemand.objects.first()
    client.force_login(ReferentFactory())
    text = page_text(client.get(reverse("trainings:demand")))
    assert "5 personnes en attente" not in text
    assert demand.contact.full_name not in text
    assert client.post(reverse("trainings:demand_withdraw", args=[demand.pk])).status_code == 404
    assert client.get(reverse("trainings:demand_propose", args=["m2-actes"])).status_code == 302
    client.force_login(agent_a)
    assert client.get(reverse("trainings:demand")).status_code == 403
    demand.refresh_from_db()
    assert demand.status == "waiting"
    client.force_login(referent)
    client.post(reverse("trainings:demand_withdraw", args=[demand.pk]))
    demand.refresh_from_db()
    assert demand.status == "withdrawn"


def test_nobody_waiting_sends_back_to_the_demand_page(client, referent):
    client.force_login(referent)
    response = client.get(reverse("trainings:demand_propose", args=["m2-actes"]), follow=True)
    assert "Personne n'attend plus de session de ce module." in page_text(response)

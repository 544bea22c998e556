"""Pages of the trainings: who sees what, forms that keep what was typed, actions that redirect."""

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from freezegun import freeze_time

from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, SyndicatFactory
from tests.trainings.conftest import plain_agent, secretary
from tests.trainings.factories import TrainingSessionFactory, module
from trainings.models import Enrolment, TrainingSession

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PARIS = ZoneInfo("Europe/Paris")
Seat = Enrolment.Status


@pytest.fixture
def frozen():
    with freeze_time("2026-11-30 12:00:00+01:00") as clock:
        yield clock


@pytest.fixture
def session(referent):
    return TrainingSessionFactory(
        created_by=referent,
        starts_at=datetime(2026, 12, 14, 9, 30, tzinfo=PARIS),
        ends_at=datetime(2026, 12, 14, 12, 30, tzinfo=PARIS),
        registration_deadline=date(2026, 12, 7),
        capacity=1,
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_catalogue_shows_the_four_modules_and_the_epcis_open_sessions(
    client, agent_a, session, referent
):
    elsewhere = TrainingSessionFactory(created_by=ReferentFactory(), place="Ailleurs-sur-Mer")
    planned = TrainingSessionFactory(
        created_by=referent, status=TrainingSession.Status.PLANNED, place="Salle secrète"
    )
    client.force_login(agent_a)

    response = client.get(reverse("trainings:catalogue"))

    assert response.status_code == 200
    page = text(response)
    for code in ("m1-marches", "m2-actes", "m3-helios", "m4-signature"):
        assert module(code).title in page
    assert reverse("trainings:session_detail", args=[session.pk]) in page
    assert "1 place libre" in page
    assert reverse("trainings:session_detail", args=[elsewhere.pk]) not in page
    assert reverse("trainings:session_detail", args=[planned.pk]) not in page


def test_a_retired_module_leaves_the_catalogue(client, agent_a):
    retired = module("m3-helios")
    retired.is_active = False
    retired.save()
    client.force_login(agent_a)
    assert retired.title not in text(client.get(reverse("trainings:catalogue")))


def test_the_catalogue_asks_for_a_login(client):
    response = client.get(reverse("trainings:catalogue"))
    assert response.status_code == 302


def test_another_epcis_session_is_a_404(client, agent_a, referent):
    elsewhere = TrainingSessionFactory(created_by=ReferentFactory())
    for user in (agent_a, referent):
        client.force_login(user)
        assert (
            client.get(reverse("trainings:session_detail", args=[elsewhere.pk])).status_code == 404
        )
        assert client.post(reverse("trainings:enrol_self", args=[elsewhere.pk])).status_code == 404
    assert not elsewhere.enrolments.exists()


def test_an_agent_enrols_then_a_second_is_wait_listed(client, session, agent_a, agent_b):
    client.force_login(agent_a)
    response = client.post(reverse("trainings:enrol_self", args=[session.pk]), follow=True)
    assert "Vous êtes inscrit(e)" in text(response)

    client.force_login(agent_b)
    page = text(client.get(reverse("trainings:session_detail", args=[session.pk])))
    assert "M'inscrire sur la liste d'attente" in page
    response = client.post(reverse("trainings:enrol_self", args=[session.pk]), follow=True)
    page = text(response)
    assert "liste d'attente, en position 1" in page
    assert "En liste d'attente — position 1" in page


def test_an_agent_withdraws_after_a_confirmation_page(client, session, agent_a):
    client.force_login(agent_a)
    client.post(reverse("trainings:enrol_self", args=[session.pk]))
    enrolment = session.enrolments.get()
    url = reverse("trainings:enrolment_withdraw", args=[enrolment.pk])

    assert client.get(url).status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.status == Seat.ENROLLED

    response = client.post(url, follow=True)
    assert "Votre désistement est enregistré." in text(response)
    enrolment.refresh_from_db()
    assert enrolment.status == Seat.WITHDRAWN


def test_a_late_withdrawal_is_refused_with_a_message(client, session, agent_a, frozen):
    client.force_login(agent_a)
    client.post(reverse("trainings:enrol_self", args=[session.pk]))
    enrolment = session.enrolments.get()
    frozen.move_to("2026-12-09 10:00:00+01:00")

    response = client.post(reverse("trainings:enrolment_withdraw", args=[enrolment.pk]))

    assert response.status_code == 400
    assert "prévenez le référent" in text(response)
    enrolment.refresh_from_db()
    assert enrolment.status == Seat.ENROLLED


def test_an_agent_cannot_see_a_colleagues_enrolment(client, session, agent_a, agent_b):
    client.force_login(agent_a)
    client.post(reverse("trainings:enrol_self", args=[session.pk]))
    enrolment = session.enrolments.get()
    client.force_login(agent_b)
    url = reverse("trainings:enrolment_withdraw", args=[enrolment.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_a_secretary_enrols_her_agents_and_only_sees_her_communes_people(
    client, session, commune, agent_a, agent_b, agent_c
):
    session.capacity = 5
    session.save()
    clerk = secretary(commune)
    client.force_login(clerk)
    url = reverse("trainings:enrol_others", args=[session.pk])

    page = text(client.get(url))
    assert "Anne Aubry" in page and "Bruno Bellec" in page
    assert "Chloé Corre" not in page

    response = client.post(url, {"contacts": [agent_a.contact.pk, agent_b.contact.pk]})
    assert response.status_code == 302
    assert set(session.enrolments.values_list("contact__last_name", flat=True)) == {
        "Aubry",
        "Bellec",
    }
    response = client.post(url, {"contacts": [agent_c.contact.pk]})
    assert response.status_code == 400
    assert session.enrolments.count() == 2


def test_a_plain_agent_cannot_enrol_others(client, session, agent_a):
    client.force_login(agent_a)
    assert client.get(reverse("trainings:enrol_others", args=[session.pk])).status_code == 403


def test_the_referent_creates_a_session_and_a_bad_form_keeps_what_was_typed(
    client, referent, commune
):
    client.force_login(referent)
    url = reverse("trainings:session_create")
    data = {
        "module": module("m4-signature").pk,
        "day": "2026-12-16",
        "start_time": "14:00",
        "end_time": "13:00",
        "venue": "mairie",
        "host_commune": "",
        "place": "Salle du conseil",
        "trainer_name": "Yann Morvan",
        "capacity": "10",
        "registration_deadline": "2026-12-10",
        "reminder_days": "7, 1",
        "open_now": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    page = text(response)
    assert "L'heure de fin doit suivre l'heure de début." in page
    assert "Choisissez la commune qui accueille la session." in page
    assert 'value="Yann Morvan"' in page
    assert not TrainingSession.objects.exists()

    data.update(end_time="17:00", host_commune=commune.pk)
    response = client.post(url, data)
    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("trainings:session_detail", args=[session.pk])
    assert session.starts_at == datetime(2026, 12, 16, 14, 0, tzinfo=PARIS)
    assert session.host_commune == commune
    assert session.status == TrainingSession.Status.OPEN


def test_the_referents_session_page_shows_seats_and_the_waiting_list_in_order(
    client, session, referent, agent_a, agent_b, agent_c
):
    for agent in (agent_a, agent_c, agent_b):
        client.force_login(agent)
        client.post(reverse("trainings:enrol_self", args=[session.pk]))
    client.force_login(referent)

    page = text(client.get(reverse("trainings:session_detail", args=[session.pk])))

    assert "1 / 1" in page
    assert "2 personnes en liste d'attente." in page
    waiting = page[page.index("attente-titre") :]
    assert waiting.index("Chloé Corre") < waiting.index("Bruno Bellec")


def test_raising_the_capacity_from_the_edit_page_promotes(
    client, session, referent, agent_a, agent_b
):
    for agent in (agent_a, agent_b):
        client.force_login(agent)
        client.post(reverse("trainings:enrol_self", args=[session.pk]))
    client.force_login(referent)
    url = reverse("trainings:session_edit", args=[session.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["day"] = "2026-12-14"
    data["start_time"] = "09:30"
    data["end_time"] = "12:30"
    data["capacity"] = "2"

    response = client.post(url, data)

    assert response.status_code == 302
    assert set(session.enrolments.values_list("status", flat=True)) == {Seat.ENROLLED}


def test_the_referent_cancels_after_a_confirmation(client, session, referent, agent_a):
    client.force_login(agent_a)
    client.post(reverse("trainings:enrol_self", args=[session.pk]))
    client.force_login(referent)
    url = reverse("trainings:session_cancel", args=[session.pk])
    page = text(client.get(url))
    assert "Anne Aubry" in page

    response = client.post(url, {"reason": "Salle indisponible"})

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.CANCELLED


def test_referent_pages_are_for_referents(client, agent_a, session):
    client.force_login(agent_a)
    for name, args in [
        ("trainings:session_list", []),
        ("trainings:session_create", []),
        ("trainings:session_edit", [session.pk]),
        ("trainings:session_cancel", [session.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403


def test_the_referent_lists_upcoming_and_past_sessions(client, referent, session):
    cancelled = TrainingSessionFactory(
        created_by=referent, status=TrainingSession.Status.CANCELLED, capacity=3
    )
    client.force_login(referent)
    response = client.get(reverse("trainings:session_list"))
    upcoming = [s.pk for s in response.context["upcoming"]]
    past = [s.pk for s in response.context["past"]]
    assert upcoming == [session.pk]
    assert past == [cancelled.pk]


def test_my_trainings_lists_the_agents_enrolments(client, session, agent_a):
    client.force_login(agent_a)
    client.post(reverse("trainings:enrol_self", args=[session.pk]))
    page = text(client.get(reverse("trainings:my_trainings")))
    assert session.module.title in page
    assert "Inscrit(e)" in page


def test_an_agent_of_another_epci_sees_nothing(client, session):
    stranger = plain_agent(CommuneFactory(epci=EpciFactory()))
    client.force_login(stranger)
    assert client.get(reverse("trainings:session_detail", args=[session.pk])).status_code == 404


def test_the_syndicat_edits_modules_in_the_admin(client):
    officer = SyndicatFactory(is_superuser=True)
    client.force_login(officer)
    item = module("m1-marches")
    response = client.get(reverse("admin:trainings_trainingmodule_change", args=[item.pk]))
    assert response.status_code == 200
    assert client.get(reverse("admin:trainings_trainingsession_changelist")).status_code == 200
    assert client.get(reverse("admin:trainings_enrolment_changelist")).status_code == 200

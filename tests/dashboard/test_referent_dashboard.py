"""The referent's dashboard: what needs doing today, the charts, their CSV, their cost."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communes.adoption.models import Adoption
from communes.drives.services import drive_open
from communes.models import Contact, Service
from communes.suggestions.models import Suggestion
from meetings.models import Invitation, Meeting
from requests_relay.models import Dossier, Relay
from tests.communes.drives.conftest import drive_of
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    agent_of,
    request_of,
)
from tests.meetings.factories import InvitationFactory, MeetingFactory
from trainings.models import Enrolment, TrainingModule, TrainingSession

pytestmark = pytest.mark.django_db

HOME = reverse("dashboard:home")


@pytest.fixture
def referent():
    return ReferentFactory(epci=EpciFactory(name="Lamballe Terre et Mer"))


def session_of(referent, *, capacity=3, days=10, **fields):
    start = timezone.now() + timedelta(days=days)
    return TrainingSession.objects.create(
        epci=referent.epci,
        module=TrainingModule.objects.order_by("position").first(),
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        trainer_name="Formateur du syndicat",
        capacity=capacity,
        registration_deadline=timezone.localdate() + timedelta(days=days - 2),
        status=TrainingSession.Status.OPEN,
        created_by=referent,
        **fields,
    )


def populate(referent, size: int) -> None:
    """`size` items of every kind of work, in the referent's EPCI and in another one."""
    epci = referent.epci
    for index in range(size):
        commune = CommuneFactory(epci=epci)
        agent = agent_of(commune)
        request = request_of(agent, subject=f"Paramétrage n° {index}")
        dossier = Dossier.objects.create(
            reference=f"DOS-{commune.pk}-{index:05d}",
            epci=epci,
            category="setup",
            title=f"Dossier {index}",
            summary="…",
            created_by=referent,
        )
        Relay.objects.create(
            dossier=dossier,
            event="dossier.relayed",
            webhook_id=f"msg_{dossier.pk}",
            endpoint="http://127.0.0.1:9/",
            payload={},
            state=Relay.State.FAILED,
            last_error="HTTP 410",
        )
        meeting = MeetingFactory(
            created_by=referent, starts_at=timezone.now() + timedelta(days=3, hours=index)
        )
        InvitationFactory(meeting=meeting, commune=commune)
        held = MeetingFactory(
            created_by=referent,
            status=Meeting.Status.HELD,
            starts_at=timezone.now() - timedelta(days=30 + index),
        )
        InvitationFactory(meeting=held, commune=commune, attended=True)
        InvitationFactory(meeting=held, commune=commune, attended=False)
        session = session_of(referent)
        Enrolment.objects.create(
            session=session,
            contact=agent.contact,
            commune=commune,
            status=Enrolment.Status.WAITING,
            queued_at=timezone.now(),
        )
        drive = drive_of(referent, [commune], deadline=timezone.localdate() + timedelta(days=3))
        drive_open(drive=drive, by=referent)
        Suggestion.objects.create(
            commune=commune,
            title=f"Adhérer au parapheur n° {index}",
            body="…",
            status=Suggestion.Status.SENT,
            sent_at=timezone.now() - timedelta(days=4),
            created_by=referent,
        )
        Adoption.objects.create(
            commune=commune, service=Service.objects.get(code="parapheur"), status="active"
        )
        assert request.pk


def test_the_referent_lands_on_the_dashboard_with_the_day_s_work(client, referent):
    populate(referent, 2)
    populate(ReferentFactory(), 1)  # another EPCI: none of it shows
    client.force_login(referent)

    response = client.get(HOME)

    todo = response.context["todo"]
    assert (todo["requests"].total, todo["relays"].total, todo["meetings"].total) == (2, 2, 2)
    assert (todo["sessions"].total, todo["drives"].total, todo["suggestions"].total) == (2, 2, 2)
    page = response.content.decode()
    assert "2 demandes à traiter" in page
    assert "Paramétrage n° 0" in page
    assert "2 relais vers le syndicat mixte en difficulté" in page
    assert "1 invité sans réponse" in page
    assert "date limite dans 3 jours" in page
    assert "envoyée il y a 4 jours" in page
    # Each item is one click from where it is handled.
    request = todo["requests"].items[0]
    assert reverse("requests_relay:detail", args=[request.reference]) in page
    assert reverse("meetings:detail", args=[todo["meetings"].items[0].pk]) in page
    assert reverse("trainings:session_detail", args=[todo["sessions"].items[0].pk]) in page


def test_requests_come_oldest_first_with_their_age(client, referent):
    commune = CommuneFactory(epci=referent.epci)
    agent = agent_of(commune)
    old = request_of(agent, subject="La plus ancienne")
    request_of(agent, subject="La plus récente")
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    client.force_login(referent)

    todo = client.get(HOME).context["todo"]

    assert [r.subject for r in todo["requests"].items] == ["La plus ancienne", "La plus récente"]
    assert todo["requests"].items[0].age_days == 9


def test_an_empty_day_says_so(client, referent):
    client.force_login(referent)

    assert "Rien n'attend votre action" in client.get(HOME).content.decode()


def test_the_charts_count_the_territory(client, referent):
    populate(referent, 3)
    client.force_login(referent)

    charts = {chart.key: chart for chart in client.get(HOME).context["charts"]}

    parapheur = next(b for b in charts["adhesions"].bars if b.label.startswith("Parapheur"))
    values = {segment.label: segment.value for segment in parapheur.segments}
    assert values["Active"] == 3 and values["Non adhérente"] == 0
    states = dict(charts["demandes-etat"].rows())
    assert states["Nouvelle"] == [3]
    assert charts["demandes-mois"].rows()[-1][1] == [3]
    presence = charts["presence"].rows()
    assert len(presence) == 3 and all(values == [1, 1] for _label, values in presence)


def test_a_chart_downloads_as_csv(client, referent):
    populate(referent, 1)
    client.force_login(referent)

    response = client.get(reverse("dashboard:chart_csv", args=["adhesions"]))

    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = ["Active", "En déploiement", "Charte signée", "Intéressée", "Non adhérente"]
    assert rows[0][1:] == header
    assert any(row[0].startswith("Parapheur") and row[1] == "1" for row in rows[1:])
    assert client.get(reverse("dashboard:chart_csv", args=["inconnu"])).status_code == 404


def test_the_dashboard_costs_the_same_queries_whatever_the_size(client, referent):
    client.force_login(referent)
    populate(referent, 1)
    with CaptureQueriesContext(connection) as small:
        client.get(HOME)
    populate(referent, 7)

    with CaptureQueriesContext(connection) as large:
        response = client.get(HOME)

    assert response.context["todo"]["requests"].total == 8
    assert response.context["todo"]["requests"].more == 3
    assert len(large) == len(small)


def test_only_the_referent_has_a_dashboard(client):
    agent = agent_of(CommuneFactory())
    client.force_login(agent)

    assert client.get(HOME).url == reverse("dashboard:agent_home")
    assert client.get(reverse("dashboard:chart_csv", args=["adhesions"])).status_code == 403


def test_contacts_are_not_needed_for_the_charts(client, referent):
    ContactFactory(epci=referent.epci, function=Contact.Function.MAIRE)
    client.force_login(referent)

    assert client.get(HOME).status_code == 200


def test_pending_means_invited_and_silent(client, referent):
    meeting = MeetingFactory(created_by=referent, starts_at=timezone.now() + timedelta(days=2))
    InvitationFactory(meeting=meeting, response=Invitation.Response.ACCEPTED)
    InvitationFactory(meeting=meeting, response=Invitation.Response.DECLINED)
    client.force_login(referent)

    assert not client.get(HOME).context["todo"]["meetings"]

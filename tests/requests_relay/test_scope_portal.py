"""The syndicat mixte writes nothing through the portal's other pages either, nor in the name of
a commune.

It reads every EPCI's drives, networks, suggestions and training sessions as the admin site
shows them, and answers in the admin site or through the API; the one portal form it uses is
the adoption of its services (it is the authority on them). Every other POST a role check
inside the view protects is refused, and nothing is written. The platform operator (a superuser
whose role was left at its default, « agent ») is no commune's agent either.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communes.adoption.models import Adoption, AdoptionEvent
from communes.drives.models import Commitment
from communes.drives.services import drive_create, drive_open
from communes.models import Service
from communes.networks.models import Membership
from communes.networks.services import network_create, network_member_add
from communes.suggestions.models import Suggestion
from communes.suggestions.services import suggestion_create
from communes.timeline.models import TimelineEntry
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Message, Request
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of, request_of
from tests.meetings.factories import InvitationFactory, MeetingFactory
from tests.requests_relay.scope_territory import *  # noqa: F403 (fixtures)
from tests.trainings.factories import TrainingSessionFactory
from trainings.models import Enrolment
from trainings.services import enrolment_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    referent = ReferentFactory(epci=epci)
    agent = agent_of(henon)
    service = Service.objects.get(code="parapheur")
    drive = drive_create(
        by=referent,
        service=service,
        title="Parapheur pour tous",
        message="Rejoignez la démarche.",
        deadline=timezone.localdate() + timedelta(days=20),
        communes=[henon],
    )
    drive_open(drive=drive, by=referent)
    network = network_create(by=referent, name="Secrétaires de mairie")
    membership = network_member_add(network=network, contact=agent.contact, by=referent)
    suggestion = suggestion_create(
        by=referent, commune=henon, title="Essayer le parapheur", body="Un mois offert."
    )
    session = TrainingSessionFactory(created_by=referent, capacity=5)
    enrolment = enrolment_create(session=session, contact=agent.contact, by=agent)
    membership_request = request_of(
        agent, category="membership", service=service, subject="Adhérer au parapheur"
    )
    return {
        "henon": henon,
        "agent": agent,
        "drive": drive,
        "network": network,
        "membership": membership,
        "suggestion": suggestion,
        "session": session,
        "enrolment": enrolment,
        "membership_request": membership_request,
    }


def written():
    return (
        sorted(Commitment.objects.values_list("pk", "status")),
        Membership.objects.count(),
        sorted(Suggestion.objects.values_list("pk", "status")),
        sorted(Enrolment.objects.values_list("pk", "status")),
        Adoption.objects.count(),
        AdoptionEvent.objects.count(),
        TimelineEntry.objects.count(),
        Message.objects.count(),
        Request.objects.count(),
        OutgoingEmail.objects.count(),
    )


@pytest.fixture(params=["officer", "operator"])
def reader(request):
    return request.getfixturevalue(request.param)


def test_no_portal_form_of_the_communes_or_trainings_writes_for_the_syndicat(client, world, reader):
    w = world
    posts = [
        (
            reverse("requests_relay:create"),
            {
                "commune": w["henon"].pk,
                "category": "usage",
                "urgency": "normal",
                "subject": "Au nom de Hénon",
                "description": "Une demande que la commune n'a pas écrite.",
            },
            403,
        ),
        (
            reverse("communes:drive_answer", args=[w["drive"].pk, "22076"]),
            {"status": "committed"},
            403,
        ),
        (
            reverse("communes:network_member_add", args=[w["network"].pk]),
            {"contact": w["agent"].contact.pk},
            404,
        ),
        (
            reverse("communes:network_member_remove", args=[w["network"].pk, w["membership"].pk]),
            {},
            404,
        ),
        (reverse("communes:suggestion_confirm", args=[w["suggestion"].pk]), {}, 404),
        (reverse("communes:suggestion_dismiss", args=[w["suggestion"].pk]), {}, 404),
        (
            reverse("communes:suggestion_answer", args=[w["suggestion"].pk]),
            {"answer": "accepted"},
            404,
        ),
        (reverse("trainings:enrol_others", args=[w["session"].pk]), {"contacts": []}, 403),
        (reverse("trainings:enrolment_withdraw", args=[w["enrolment"].pk]), {}, 403),
        (
            reverse("communes:adoption_from_request", args=[w["membership_request"].reference]),
            {"status": "interested", "reason": "Le syndicat mixte s'en occupe."},
            404,
        ),
    ]
    client.force_login(reader)
    before = written()
    for url, data, expected in posts:
        assert client.post(url, data).status_code == expected, url
    # No contact record: the syndicat mixte cannot take a seat (said on the page).
    response = client.post(reverse("trainings:enrol_self", args=[w["session"].pk]), follow=True)
    assert "aucune fiche de contact" in response.content.decode()
    assert written() == before


def test_the_operator_lands_in_the_admin_site_and_reads_the_commune_page_as_the_syndicat(
    client, world, operator, officer
):
    """Neither an agent nor a referent: the operator's home is the admin site, and it reads a
    commune's page (its meetings included) as the syndicat mixte does."""
    meeting = MeetingFactory(title="Réunion des secrétaires à Hénon", host_commune=world["henon"])
    InvitationFactory(meeting=meeting, commune=world["henon"])
    page_url = reverse("communes:detail", args=["22076"])
    for user in (officer, operator):
        client.force_login(user)
        assert client.get(reverse("dashboard:home")).url == reverse("admin:index")
        assert "Réunion des secrétaires à Hénon" in client.get(page_url).content.decode()
    operator.is_staff = False  # even without the admin site: no loop through « Mon espace »
    operator.save()
    client.force_login(operator)
    assert client.get(reverse("dashboard:home")).url == reverse("admin:index")

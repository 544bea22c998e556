from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from communes.models import Commune, Contact, Epci
from referent_portal.accounts.models import User
from referent_portal.outbox.models import OutgoingEmail

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-portail-2026"


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "epcis": list(Epci.objects.values_list("siren", "updated_at")),
        "communes": Commune.objects.count(),
        "users": list(User.objects.order_by("pk").values_list("username", "password", "epci")),
        "contacts": list(
            Contact.objects.order_by("pk").values_list("pk", "email", "function", "updated_at")
        ),
        "memberships": list(
            Contact.communes.through.objects.order_by("pk").values_list("pk", flat=True)
        ),
        "group_permissions": Group.objects.get(name="Syndicat mixte").permissions.count(),
    }


def test_seed_demo_loads_the_epci_and_prints_the_documented_accounts():
    output = seed()
    epci = Epci.objects.get(siren="200069391")
    assert epci.name == "CA Lamballe Terre et Mer"
    assert epci.communes.count() == 38
    for login in ["referent", "agent", "acheteur", "syndicat"]:
        assert login in output
    assert DEMO_PASSWORD in output
    assert reverse("accounts:magic_link") in output

    referent = User.objects.get(username="referent")
    assert referent.is_referent and referent.epci == epci

    agent = User.objects.get(username="agent")
    assert agent.is_agent
    assert agent.contact.function == Contact.Function.SECRETAIRE
    assert agent.contact.communes.count() == 2
    acheteur = User.objects.get(username="acheteur")
    assert list(acheteur.contact.communes.values_list("name", flat=True)) == ["Lamballe-Armor"]

    syndicat = User.objects.get(username="syndicat")
    assert syndicat.is_syndicat and syndicat.is_staff and not syndicat.is_superuser
    assert syndicat.has_perm("communes.change_contact")
    assert syndicat.has_perm("accounts.add_user")
    assert syndicat.has_perm("outbox.view_outgoingemail")

    elus = Contact.objects.filter(epci=epci, function__in=Contact.ELECTED_FUNCTIONS)
    assert elus.filter(function=Contact.Function.MAIRE).count() >= 4
    assert elus.filter(function=Contact.Function.DELEGUE_NUMERIQUE).exists()
    assert not elus.filter(user__isnull=False).exists()
    assert Contact.objects.filter(function=Contact.Function.DGS).exists()
    assert all(
        email.endswith("@demo.invalid") for email in Contact.objects.values_list("email", flat=True)
    )


@pytest.mark.parametrize(
    ("login", "lands_on"),
    [
        ("referent", "dashboard:home"),
        ("agent", "dashboard:agent_home"),
        ("acheteur", "dashboard:agent_home"),
        ("syndicat", "admin:index"),
    ],
)
def test_every_demo_account_logs_in_with_the_documented_password(client, login, lands_on):
    seed()
    credentials = {"username": login, "password": DEMO_PASSWORD}
    response = client.post(reverse("accounts:login"), credentials)
    assert response.status_code == 302
    landing = client.get(response.url, follow=True)
    assert landing.request["PATH_INFO"] == reverse(lands_on)
    assert landing.status_code == 200


def test_the_demo_agents_can_ask_for_a_magic_link():
    from referent_portal.accounts.services import magic_link_request

    seed()
    agent = User.objects.get(username="agent")
    assert magic_link_request(email=agent.email) == 1
    assert OutgoingEmail.objects.filter(to=agent.email).exists()


def test_seed_demo_twice_changes_nothing():
    seed()
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "already up to date" in output


def test_seed_demo_puts_back_what_was_changed():
    seed()
    agent = User.objects.get(username="agent")
    agent.set_password("autre-chose-123")
    agent.save()
    agent.contact.communes.clear()
    seed()
    agent.refresh_from_db()
    assert agent.check_password(DEMO_PASSWORD)
    assert agent.contact.communes.count() == 2


def test_seed_demo_of_an_unknown_epci_is_a_clear_error():
    with pytest.raises(CommandError, match="999999999"):
        seed("--epci", "999999999")
    assert not User.objects.exists()


def test_seed_demo_takes_another_epci_of_the_extract():
    seed()
    seed("--epci", "200067460")  # the EPCI of Allineuc, in the shipped extract
    referent = User.objects.get(username="referent")
    assert referent.epci.siren == "200067460"
    agent = User.objects.get(username="agent")
    assert {c.epci.siren for c in agent.contact.communes.all()} == {"200067460"}


def test_the_demo_shows_where_the_communes_stand_and_keeps_the_referents_changes():
    from communes.adoption.services import adoption_set_status
    from communes.models import Adoption, Network, Suggestion

    seed()
    adoptions = Adoption.objects.filter(commune__epci__siren="200069391")
    assert adoptions.filter(service__code="actes", status="active").count() > 20
    assert adoptions.filter(service__code="archivage").count() < 38
    network = Network.objects.get(name="Acheteurs publics — dématérialisation")
    assert {c.user.username for c in network.members.all()} == {"acheteur", "agent"}
    assert Suggestion.objects.filter(status="proposed").exists()  # the rules had something
    changed = adoptions.filter(service__code="actes").first()
    adoption_set_status(
        commune=changed.commune,
        service=changed.service,
        status="stopped",
        by=User.objects.get(username="referent"),
        reason="Test",
    )
    before = sorted(adoptions.values_list("pk", "status"))
    seed()
    assert sorted(adoptions.values_list("pk", "status")) == before


def test_the_demo_has_meetings_a_campaign_and_a_session_with_a_waiting_list():
    from meetings.models import Campaign, Invitation, Meeting
    from trainings.models import Enrolment

    seed()

    upcoming = Meeting.objects.get(status=Meeting.Status.SCHEDULED)
    assert upcoming.invitations.filter(response=Invitation.Response.ACCEPTED).count() == 1
    assert upcoming.invitations.exclude(email_message=None).count() > 1
    held = Meeting.objects.get(status=Meeting.Status.HELD)
    assert held.invitations.filter(attended=True).exists()
    assert Campaign.objects.get().status == Campaign.Status.DRAFT
    statuses = sorted(Enrolment.objects.values_list("status", flat=True))
    assert statuses == [Enrolment.Status.ENROLLED, Enrolment.Status.WAITING]

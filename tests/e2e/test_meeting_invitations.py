"""A meeting's invitations in a real browser: the referent creates the meeting, chooses every
maire, checks the list and sends; the maire opens the link of his e-mail, without an account,
and accepts; the referent sees it and, on the day, checks him in. axe-core checks every page.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from communes.models import Contact
from meetings.invitations.tokens import invitation_signature
from meetings.models import Invitation, Meeting
from referent_portal.outbox.models import OutgoingEmail
from tests.factories import CommuneFactory, ContactFactory, EpciFactory, ReferentFactory
from tests.meetings.factories import InvitationFactory, MeetingFactory
from tests.outbox.utils import sent_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    maire = ContactFactory(
        epci=epci,
        communes=[henon],
        function=Contact.Function.MAIRE,
        first_name="Yves",
        last_name="Morin",
        email="maire@henon.example.org",
    )
    ContactFactory(
        epci=epci,
        communes=[henon],
        function=Contact.Function.SECRETAIRE,
        first_name="Anne",
        last_name="Rault",
        email="mairie@henon.example.org",
    )
    referent = ReferentFactory(
        epci=epci,
        username="claire.legoff",
        first_name="Claire",
        last_name="Le Goff",
        email="referent@lamballe-terre-mer.example.org",
    )
    return {"maire": maire, "referent": referent}


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/connexion/"))
    page.goto(path)


def test_the_referent_invites_the_maires_and_a_maire_accepts_through_his_email(
    page, territory, assert_accessible
):
    day = timezone.localdate() + timedelta(days=12)

    # The referent creates the meeting with the meeting form.
    log_in(page, "claire.legoff", reverse("meetings:create"))
    page.get_by_label("Intitulé").fill("Le parapheur électronique")
    page.get_by_label("Début").fill(f"{day.isoformat()}T14:00")
    page.get_by_label("Fin").fill(f"{day.isoformat()}T16:00")
    page.get_by_label("Lieu", exact=True).fill("Salle du conseil, mairie de Hénon")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le parapheur électronique")
    expect(page.get_by_text("Personne n'est encore invité.")).to_be_visible()
    meeting = Meeting.objects.get()

    # Every maire: the list first, nothing sent.
    page.get_by_role("link", name="Choisir les invités").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir les invités")
    assert_accessible(page)
    page.get_by_role("button", name="Voir la liste des invités").click()
    expect(page.get_by_text("Choisissez au moins une commune")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Maire", exact=True).check()
    page.get_by_role("button", name="Voir la liste des invités").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier la liste des invités")
    invitees = page.get_by_role("table", name=re.compile("1 personne choisie"))
    expect(invitees).to_contain_text("maire@henon.example.org")
    expect(invitees).not_to_contain_text("mairie@henon.example.org")
    assert_accessible(page)
    assert not OutgoingEmail.objects.exists()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("1 invitation part par courriel.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Yves Morin"))
    expect(row).to_contain_text("Sans réponse")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED

    # The maire opens the link of his e-mail, with no account.
    email = OutgoingEmail.objects.get(to="maire@henon.example.org")
    accept = re.search(r"http://testserver(/reunions/invitation/\S+/accepter/)", sent_text(email))
    page.context.clear_cookies()
    page.goto(accept.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer votre participation")
    assert_accessible(page)
    page.get_by_role("button", name="Je participe").click()
    expect(
        page.get_by_text("Merci, votre réponse est enregistrée : vous participez.")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le parapheur électronique")
    expect(page.get_by_text("Salle du conseil, mairie de Hénon")).to_be_visible()
    assert_accessible(page)
    # Twice: nothing changes, and he is told so.
    page.get_by_role("button", name="Je participe").click()
    expect(page.get_by_text("Votre réponse était déjà enregistrée")).to_be_visible()
    invitation = Invitation.objects.get()
    assert invitation.response == Invitation.Response.ACCEPTED

    # The colleague page, a mistaken form, and a link edited by hand.
    page.get_by_role("link", name="J'envoie un collègue à ma place").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Envoyer un collègue à ma place")
    assert_accessible(page)
    page.get_by_label("Son adresse e-mail").fill("pas-une-adresse")
    page.get_by_role("button", name="Envoyer l'invitation à ma place").click()
    expect(page.get_by_text("Votre collègue n'est pas encore invité.")).to_be_visible()
    assert_accessible(page)
    response = page.goto(accept.group(1).replace("/accepter/", "0/accepter/"))
    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ce lien d'invitation ne fonctionne pas"
    )
    assert_accessible(page)

    # The referent sees the answer.
    log_in(page, "claire.legoff", reverse("meetings:detail", args=[meeting.pk]))
    expect(page.get_by_role("row", name=re.compile("Yves Morin"))).to_contain_text("Accepte")
    assert_accessible(page)

    # On the day (the meeting has just begun), the referent checks the maire in.
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(minutes=90)
    )
    page.goto(reverse("meetings:checkin", args=[meeting.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Émargement")
    page.get_by_role("button", name="Présent : Yves Morin").click()
    expect(page.locator("[data-checkin-counts]")).to_contain_text("1 présent")
    assert_accessible(page)
    invitation.refresh_from_db()
    meeting.refresh_from_db()
    assert invitation.attended is True
    assert meeting.status == Meeting.Status.HELD


def test_the_pages_of_a_link_that_no_longer_works_are_clear_and_accessible(
    page, territory, assert_accessible
):
    referent = territory["referent"]
    past = MeetingFactory(
        created_by=referent,
        title="Réunion passée",
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    cancelled = MeetingFactory(
        created_by=referent,
        title="Réunion annulée",
        status=Meeting.Status.CANCELLED,
        cancel_reason="La salle est en travaux.",
    )
    for meeting, status, heading in (
        (past, 410, "Cette invitation a expiré"),
        (cancelled, 410, "Cette réunion est annulée"),
    ):
        invitation = InvitationFactory(meeting=meeting, name="Yves Morin")
        response = page.goto(reverse("meetings:rsvp", args=[invitation_signature(invitation)]))
        assert response.status == status
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)

"""Pages of the drives: what each role may do, and what it must never see."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from communes.drives.models import Commitment, Drive
from communes.drives.selectors import commitments_awaiting_answer, commune_commitments
from communes.drives.services import commitment_set, drive_close, drive_open
from communes.models import Service
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Dossier
from tests.communes.drives.conftest import drive_of
from tests.factories import (
    CommuneFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

Answer = Commitment.Status
LIST_URL = reverse("communes:drive_list")
CREATE_URL = reverse("communes:drive_create")


def url(name, drive, *args):
    return reverse(f"communes:{name}", args=[drive.pk, *args])


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def drive(referent, communes):
    return drive_of(referent, communes)


@pytest.fixture
def open_drive(drive, referent, contacts):
    return drive_open(drive=drive, by=referent)


# --- the referent ---------------------------------------------------------------------------


def test_the_referent_creates_a_draft_for_all_the_communes_of_the_epci(
    client, referent, communes, contacts
):
    client.force_login(referent)
    deadline = timezone.localdate() + timedelta(days=21)

    response = client.post(
        CREATE_URL,
        {
            "service": Service.objects.get(code="actes").pk,
            "title": "Télétransmission des actes pour toutes les communes",
            "message": "La préfecture ne recevra plus d'actes papier.",
            "deadline": deadline.isoformat(),
            "all_communes": "on",
        },
    )

    drive = Drive.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("drive_detail", drive)
    assert drive.status == Drive.Status.DRAFT
    assert drive.deadline == deadline
    assert drive.commitments.count() == 3
    assert not OutgoingEmail.objects.exists()
    page = client.get(response["Location"])
    assert "est enregistrée en brouillon" in text_of(page)
    assert "Lancer la démarche…" in text_of(page)


def test_a_form_with_mistakes_comes_back_with_what_was_typed(client, referent, communes):
    client.force_login(referent)
    yesterday = timezone.localdate() - timedelta(days=1)

    response = client.post(
        CREATE_URL,
        {"title": "Archivage électronique", "message": "", "deadline": yesterday.isoformat()},
    )

    assert response.status_code == 200
    body = text_of(response)
    assert "La démarche n'est pas enregistrée." in body
    assert 'value="Archivage électronique"' in body
    assert "Choisissez au moins une commune" in body
    assert not Drive.objects.exists()


def test_a_deadline_in_the_past_is_refused_by_the_service_on_its_field(client, referent, henon):
    client.force_login(referent)
    response = client.post(
        CREATE_URL,
        {
            "service": Service.objects.get(code="actes").pk,
            "title": "Actes",
            "message": "…",
            "deadline": timezone.localdate().isoformat(),
            "communes": [henon.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["deadline"] == [
        "La date limite de réponse doit être postérieure à aujourd'hui."
    ]


def test_the_communes_offered_are_those_of_the_referents_epci(client, referent, communes):
    CommuneFactory(epci=EpciFactory(name="Dinan Agglomération"), name="Quévert")
    client.force_login(referent)
    response = client.get(CREATE_URL)
    offered = [c.name for c in response.context["form"].fields["communes"].queryset]
    assert offered == ["Bréhand", "Hénon", "Plédéliac"]


def test_opening_asks_for_confirmation_listing_who_will_be_emailed(
    client, referent, drive, contacts
):
    contacts["dgs_pledeliac"].delete()
    client.force_login(referent)

    response = client.get(url("drive_open", drive))

    assert response.status_code == 200
    body = text_of(response)
    assert "maire@henon.example.org" in body
    assert "secretariat@henon-brehand.example.org" in body
    assert "achats@henon.example.org" not in body
    assert "1 commune ne recevra pas l'invitation" in body  # Plédéliac
    assert not OutgoingEmail.objects.exists()
    drive.refresh_from_db()
    assert drive.status == Drive.Status.DRAFT

    response = client.post(url("drive_open", drive))

    assert response.status_code == 302
    drive.refresh_from_db()
    assert drive.status == Drive.Status.OPEN
    assert OutgoingEmail.objects.filter(kind="drives.invitation").count() == 2
    page = client.get(response["Location"])
    assert "2 invitations partent par courriel" in text_of(page)


def test_the_drive_page_shows_each_communes_answer_and_the_counts(
    client, referent, open_drive, henon, brehand
):
    commitment_set(
        commitment=Commitment.objects.get(drive=open_drive, commune=henon),
        status=Answer.COMMITTED,
        by=referent,
        comment="Vote unanime.",
    )
    client.force_login(referent)

    response = client.get(url("drive_detail", open_drive))

    body = text_of(response)
    assert "1 réponse sur 3 communes invitées ;" in body
    assert "1 commune engagée." in body
    assert "Vote unanime." in body
    assert url("drive_answer", open_drive, brehand.insee_code) in body
    rows = {c.commune.name: c.status for c in response.context["commitments"]}
    assert rows == {"Bréhand": "invited", "Hénon": "committed", "Plédéliac": "invited"}


def test_closing_without_a_committed_commune_says_why(client, referent, open_drive):
    client.force_login(referent)

    response = client.post(url("drive_close", open_drive), {"summary": "Synthèse."})

    assert response.status_code == 400
    assert "Aucune commune n'est engagée" in text_of(response)
    assert not Dossier.objects.exists()


def test_closing_relays_the_dossier_and_links_it(client, referent, open_drive, henon):
    commitment_set(
        commitment=Commitment.objects.get(drive=open_drive, commune=henon),
        status=Answer.COMMITTED,
        by=referent,
    )
    client.force_login(referent)
    form_page = client.get(url("drive_close", open_drive))
    assert "1 commune s&#x27;engage à adhérer au service" in text_of(form_page)

    response = client.post(
        url("drive_close", open_drive),
        {"summary": "Hénon adhère au parapheur.", "arguments": ""},
    )

    dossier = Dossier.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert f"dans le dossier {dossier.reference}" in text_of(page)
    assert reverse("requests_relay:dossier_detail", args=[dossier.reference]) in text_of(page)


def test_closing_warns_of_the_communes_still_deciding(client, referent, open_drive, henon):
    from datetime import date

    commitment_set(
        commitment=Commitment.objects.get(drive=open_drive, commune=henon),
        status=Answer.DELIBERATION,
        by=referent,
        deliberation_date=date.today() + timedelta(days=20),
    )
    client.force_login(referent)
    page = text_of(client.get(url("drive_close", open_drive)))
    assert "n&#x27;a pas encore décidé" in page or "n'a pas encore décidé" in page
    assert "Hénon — Délibération prévue" in page


def test_cancelling_asks_for_confirmation(client, referent, open_drive):
    client.force_login(referent)
    assert client.get(url("drive_cancel", open_drive)).status_code == 200
    open_drive.refresh_from_db()
    assert open_drive.status == Drive.Status.OPEN

    response = client.post(url("drive_cancel", open_drive), {"reason": "Offre revue."})

    assert response.status_code == 302
    open_drive.refresh_from_db()
    assert open_drive.status == Drive.Status.CANCELLED


def test_the_list_separates_current_and_past_drives(client, referent, communes):
    current = drive_of(referent, communes, title="Parapheur")
    past = drive_of(referent, communes, title="Archivage")
    past.status = Drive.Status.CANCELLED
    past.save()
    client.force_login(referent)

    response = client.get(LIST_URL)

    assert [d.title for d in response.context["current"]] == [current.title]
    assert [d.title for d in response.context["past"]] == [past.title]
    assert "0 sur 3" in text_of(response)


# --- scoping --------------------------------------------------------------------------------


def test_another_epcis_referent_gets_404_on_every_page_of_the_drive(client, open_drive, henon):
    client.force_login(ReferentFactory(epci=EpciFactory(name="Dinan Agglomération")))
    for name in ("drive_detail", "drive_open", "drive_close", "drive_cancel"):
        assert client.get(url(name, open_drive)).status_code == 404, name
        assert client.post(url(name, open_drive)).status_code == 404, name
    answer_url = url("drive_answer", open_drive, henon.insee_code)
    assert client.post(answer_url, {"status": "committed"}).status_code == 404
    assert client.get(LIST_URL).context["drives"] == []
    open_drive.refresh_from_db()
    assert open_drive.status == Drive.Status.OPEN


def test_the_referents_pages_are_refused_to_agents_and_the_syndicat(
    client, open_drive, agent_henon
):
    client.force_login(agent_henon)
    assert client.get(LIST_URL)["Location"] == reverse("dashboard:agent_home")
    for name in ("drive_detail", "drive_open", "drive_close", "drive_cancel"):
        assert client.get(url(name, open_drive)).status_code == 403, name
    assert client.get(CREATE_URL).status_code == 403

    client.force_login(SyndicatFactory())
    assert client.get(LIST_URL).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client, open_drive, henon):
    response = client.get(url("drive_answer", open_drive, henon.insee_code))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- the agent ------------------------------------------------------------------------------


def test_the_agent_answers_from_the_link_of_the_invitation(client, open_drive, agent_henon, henon):
    client.force_login(agent_henon)
    answer_url = url("drive_answer", open_drive, henon.insee_code)

    page = client.get(answer_url)
    assert page.status_code == 200
    assert "première année d&#x27;abonnement" in text_of(page)

    response = client.post(
        answer_url,
        {"status": "committed", "deliberation_date": "", "comment": "Délibération du 24 novembre."},
    )

    assert response.status_code == 302
    assert response["Location"] == answer_url
    commitment = Commitment.objects.get(drive=open_drive, commune=henon)
    assert commitment.status == Answer.COMMITTED
    assert commitment.changed_by == agent_henon
    assert "Réponse enregistrée pour Hénon : Engagée." in text_of(client.get(answer_url))


def test_a_planned_deliberation_without_a_date_comes_back_with_the_message(
    client, open_drive, agent_henon, henon
):
    client.force_login(agent_henon)
    answer_url = url("drive_answer", open_drive, henon.insee_code)

    response = client.post(answer_url, {"status": "deliberation", "comment": "Conseil en janvier"})

    assert response.status_code == 400
    body = text_of(response)
    assert "Indiquez la date prévue de la délibération du conseil." in body
    assert "Conseil en janvier" in body
    assert Commitment.objects.get(drive=open_drive, commune=henon).status == Answer.INVITED


def test_an_agent_gets_404_for_another_communes_answer_and_for_a_draft(
    client, referent, open_drive, agent_henon, henon, brehand
):
    client.force_login(agent_henon)
    assert client.get(url("drive_answer", open_drive, brehand.insee_code)).status_code == 404
    response = client.post(
        url("drive_answer", open_drive, brehand.insee_code), {"status": "committed"}
    )
    assert response.status_code == 404
    assert Commitment.objects.get(drive=open_drive, commune=brehand).status == Answer.INVITED

    draft = drive_of(referent, [henon], title="Brouillon")
    assert client.get(url("drive_answer", draft, henon.insee_code)).status_code == 404


def test_once_closed_the_answer_page_is_read_only(client, referent, open_drive, agent_henon, henon):
    commitment_set(
        commitment=Commitment.objects.get(drive=open_drive, commune=henon),
        status=Answer.COMMITTED,
        by=agent_henon,
    )
    drive_close(drive=open_drive, by=referent, summary="Hénon adhère.")
    client.force_login(agent_henon)
    answer_url = url("drive_answer", open_drive, henon.insee_code)

    page = client.get(answer_url)
    assert page.context["form"] is None
    assert "La réponse ne peut plus être modifiée." in text_of(page)

    response = client.post(answer_url, {"status": "declined"}, follow=True)
    assert "figées" in text_of(response)
    assert Commitment.objects.get(drive=open_drive, commune=henon).status == Answer.COMMITTED


# --- partials for pages of other features ---------------------------------------------------


def render_partial(name, user, **context):
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(f"communes/drives/{name}", {"user": user, **context}, request=request)


def test_the_agent_section_invites_to_answer_and_is_empty_without_drives(
    open_drive, agent_henon, henon
):
    html = render_partial(
        "_agent_section.html",
        agent_henon,
        drive_commitments=commitments_awaiting_answer(agent_henon),
    )
    assert "Adhésion groupée au parapheur électronique" in html
    assert "Répondre pour Hénon" in html
    assert url("drive_answer", open_drive, henon.insee_code) in html

    other = agent_of(CommuneFactory(epci=EpciFactory(name="Dinan Agglomération")))
    assert (
        render_partial(
            "_agent_section.html", other, drive_commitments=commitments_awaiting_answer(other)
        ).strip()
        == ""
    )


def test_the_commune_section_lists_the_drives_of_the_commune(referent, open_drive, henon):
    html = render_partial(
        "_commune_section.html",
        referent,
        commune=henon,
        commune_commitments=commune_commitments(referent, henon),
    )
    assert "Adhésion groupée au parapheur électronique" in html
    assert url("drive_detail", open_drive) in html
    assert "Invitée" in html

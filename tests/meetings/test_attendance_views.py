"""The referent's attendance pages: check-in, the sheet as PDF, the rates; and who may see them."""

import html
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time
from pypdf import PdfReader

from meetings.models import Invitation, Meeting
from tests.factories import CommuneFactory, ReferentFactory
from tests.meetings.attendance_territory import *  # noqa: F403 (fixtures)
from tests.meetings.attendance_territory import DURING, MEETING_START, invite
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def checkin_url(meeting):
    return reverse("meetings:checkin", args=[meeting.pk])


def mark_url(meeting, invitation):
    return reverse("meetings:checkin_mark", args=[meeting.pk, invitation.pk])


def sheet_url(meeting):
    return reverse("meetings:attendance_sheet", args=[meeting.pk])


def pdf_text(response) -> str:
    """The PDF's text without any white space: pypdf splits words where the font kerns
    (« T anguy ») and joins others at a line break."""
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return squash("".join(page.extract_text() for page in reader.pages))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def logged_in(client, referent):
    client.force_login(referent)
    return client


# --- check-in ------------------------------------------------------------------------------


def test_the_check_in_page_lists_the_expected_by_commune_with_the_counts(
    logged_in, meeting, invitees
):
    response = logged_in.get(checkin_url(meeting))

    page = text_of(response)
    assert response.status_code == 200
    lists = page[page.index("data-checkin-counts") :]
    assert lists.index("Bréhand") < lists.index("Hénon") < lists.index("Plédéliac")
    assert f'id="invite-{invitees["rault"].pk}"' in page
    assert "sur 6 personnes attendues" in page
    assert "2 personnes ont décliné ou se font remplacer" in page
    assert page.count('value="present"') == 8  # the declined can still be marked present
    assert "Ajouter une personne présente" in page


def test_marking_someone_present_comes_back_to_their_row_and_holds_the_meeting(
    logged_in, meeting, invitees
):
    rault = invitees["rault"]

    response = logged_in.post(mark_url(meeting, rault), {"attended": "present"})

    assert response.status_code == 302
    assert response["Location"] == f"{checkin_url(meeting)}#invite-{rault.pk}"
    rault.refresh_from_db()
    meeting.refresh_from_db()
    assert rault.attended is True
    assert meeting.status == Meeting.Status.HELD
    page = text_of(logged_in.get(response["Location"]))
    assert "Anne Rault : présent." in page


def test_a_mark_without_a_choice_changes_nothing(logged_in, meeting, invitees):
    response = logged_in.post(mark_url(meeting, invitees["rault"]), {"attended": "peut-être"})

    assert response.status_code == 302
    invitees["rault"].refresh_from_db()
    assert invitees["rault"].attended is None
    assert "Choisissez « Présent » ou « Absent »." in text_of(logged_in.get(response["Location"]))


def test_the_day_before_the_page_explains_when_check_in_opens_and_offers_no_buttons(
    logged_in, meeting, invitees
):
    with freeze_time(MEETING_START - timedelta(days=1)):
        page = text_of(logged_in.get(checkin_url(meeting)))
        response = logged_in.post(mark_url(meeting, invitees["rault"]), {"attended": "present"})
        after = text_of(logged_in.get(response["Location"]))

    assert "L'émargement ouvre le jour de la réunion, le 12 mars 2026." in page
    assert 'value="present"' not in page
    assert "Ajouter une personne présente" not in page
    assert "L'émargement ouvre le jour de la réunion" in after
    invitees["rault"].refresh_from_db()
    assert invitees["rault"].attended is None


def test_a_cancelled_meeting_has_no_check_in(logged_in, meeting, invitees):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)

    page = text_of(logged_in.get(checkin_url(meeting)))

    assert "La réunion est annulée : il n'y a pas d'émargement." in page
    assert 'value="present"' not in page


def test_a_walk_in_is_added_from_the_page(logged_in, meeting, invitees, communes):
    response = logged_in.post(
        reverse("meetings:checkin_walk_in", args=[meeting.pk]),
        {"name": "Hervé Le Bihan", "commune": communes["Andel"].pk, "function": "Adjoint"},
    )

    walk_in = Invitation.objects.get(meeting=meeting, walk_in=True)
    assert response["Location"] == f"{checkin_url(meeting)}#invite-{walk_in.pk}"
    assert (walk_in.name, walk_in.commune, walk_in.attended) == (
        "Hervé Le Bihan",
        communes["Andel"],
        True,
    )


def test_a_walk_in_with_bad_input_keeps_what_was_typed(logged_in, meeting, invitees, communes):
    response = logged_in.post(
        reverse("meetings:checkin_walk_in", args=[meeting.pk]),
        {
            "name": "Anne R.",
            "commune": communes["Hénon"].pk,
            "function": "Maire honoraire",
            "email": "anne.rault@mairie.example.org",
        },
    )

    page = text_of(response)
    assert response.status_code == 400
    assert "La personne n'est pas ajoutée." in page
    assert "Anne Rault est déjà sur la liste avec cette adresse" in page
    assert 'value="Maire honoraire"' in page
    assert 'value="Anne R."' in page
    assert not Invitation.objects.filter(walk_in=True).exists()

    response = logged_in.post(
        reverse("meetings:checkin_walk_in", args=[meeting.pk]), {"name": " ", "email": "pas@"}
    )
    assert response.status_code == 400
    assert "Saisissez une adresse e-mail valide." in text_of(response)


# --- the attendance sheet ------------------------------------------------------------------


def test_the_sheet_before_the_meeting_lists_the_expected_under_their_commune(
    logged_in, meeting, invitees
):
    with freeze_time(MEETING_START - timedelta(days=3)):
        response = logged_in.get(sheet_url(meeting))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="emargement-2026-03-12-le-parapheur-electronique-en-pratique.pdf"'
    )
    text = pdf_text(response)
    for line in (
        "Feuille d'émargement",
        "Le parapheur électronique en pratique",
        "jeudi 12 mars 2026, 14:00–16:00",
        "Salle du conseil, Hénon",
        "Nom Fonction Signature",
    ):
        assert squash(line) in text
    assert "Présence" not in text  # nothing to say yet
    order = [
        "Bréhand",
        "Eric Tanguy",
        "Hénon",
        "Anne Rault",
        "Bruno Le Gall",
        "Plédéliac",
        "Fanny Guillou",
        "Gilles Sans Adresse",
        "CA Lamballe Terre et Mer (EPCI)",
        "Gaël Le Goff Président de l'EPCI",
        "Personnes présentes non inscrites",
    ]
    start = text.index("Salleduconseil,Hénon") + len("Salleduconseil,Hénon")
    positions = [text.index(squash(words), start) for words in order]
    assert positions == sorted(positions), text
    assert "ClaudeMorin" not in text  # declined
    assert "DeniseHamon" not in text  # replaced by Eric Tanguy


def test_the_sheet_after_the_meeting_says_who_came(logged_in, meeting, invitees, referent):
    logged_in.post(mark_url(meeting, invitees["rault"]), {"attended": "present"})
    logged_in.post(mark_url(meeting, invitees["le_gall"]), {"attended": "absent"})
    logged_in.post(mark_url(meeting, invitees["morin"]), {"attended": "present"})
    logged_in.post(
        reverse("meetings:checkin_walk_in", args=[meeting.pk]),
        {"name": "Hervé Le Bihan", "function": "Syndicat mixte"},
    )

    text = pdf_text(logged_in.get(sheet_url(meeting)))

    assert "NomFonctionPrésenceSignature" in text
    assert "AnneRaultMairePrésent" in text
    assert "BrunoLeGallSecrétairedemairieAbsent" in text
    # Claude Morin declined but came: on the sheet, with Bréhand.
    start = text.index("Salleduconseil,Hénon") + len("Salleduconseil,Hénon")
    assert text.index("Bréhand", start) < text.index("ClaudeMorin") < text.index("Hénon", start)
    assert text.index("Autresparticipants") < text.index("HervéLeBihan(sansinvitation)")


def test_a_name_that_looks_like_markup_is_printed_as_text(logged_in, meeting, communes):
    invite(meeting, '<img src="file:///etc/passwd"> Zoé', communes["Andel"])

    text = pdf_text(logged_in.get(sheet_url(meeting)))

    assert squash('<img src="file:///etc/passwd"> Zoé') in text


# --- rates ---------------------------------------------------------------------------------


def held(referent, days_ago, attendance):
    start = DURING - timedelta(days=days_ago)
    meeting = MeetingFactory(
        created_by=referent,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=Meeting.Status.HELD,
    )
    for commune, people in attendance.items():
        for n, attended in enumerate(people):
            invite(meeting, f"{commune.name} {n}", commune, attended=attended)


def test_the_rates_page_sorts_by_rate_and_exports_csv(logged_in, referent, communes, frozen):
    held(referent, 10, {communes["Hénon"]: [True], communes["Bréhand"]: [False]})
    held(referent, 5, {communes["Hénon"]: [False], communes["Bréhand"]: [True]})
    held(referent, 3, {communes["Plédéliac"]: [True]})

    page = text_of(logged_in.get(reverse("meetings:attendance_rates") + "?tri=-taux"))

    assert page.index("Plédéliac") < page.index("Bréhand") < page.index("Andel")
    assert 'aria-sort="descending"' in page
    assert "100 %" in page and "50 %" in page
    assert "jamais invitée" in page
    assert 'href="?tri=taux"' in page  # the active column's link reverses the order

    response = logged_in.get(reverse("meetings:attendance_rates_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="presence-reunions-ca-lamballe-terre-et-mer-2026-03-12.csv"'
    )
    assert "Plédéliac;22176;1;1;100,0" in response.content.decode("utf-8-sig")


def test_an_unknown_sort_falls_back_to_the_communes_names(logged_in, referent, communes, frozen):
    held(referent, 3, {communes["Plédéliac"]: [True]})

    response = logged_in.get(reverse("meetings:attendance_rates") + "?tri=drop table")

    page = text_of(response)
    assert response.status_code == 200
    assert page.index("Andel") < page.index("Bréhand") < page.index("Plédéliac")


@pytest.mark.parametrize("size", [1, 10])
def test_the_rates_page_takes_a_fixed_number_of_queries(
    logged_in, referent, communes, frozen, django_assert_num_queries, size
):
    for n in range(size):
        held(referent, n + 1, {c: [n % 2 == 0] for c in communes.values()})
        CommuneFactory(epci=referent.epci, name=f"Commune {n}", insee_code=f"29{n:03d}")

    # The session, the user, their EPCI, the rates.
    with django_assert_num_queries(4):
        response = logged_in.get(reverse("meetings:attendance_rates"))

    assert response.status_code == 200


# --- the meeting page's panel --------------------------------------------------------------


def test_the_meeting_page_shows_the_presence_per_commune_once_held(
    logged_in, meeting, invitees, frozen
):
    frozen.move_to(MEETING_START - timedelta(minutes=20))
    before = text_of(logged_in.get(reverse("meetings:detail", args=[meeting.pk])))
    assert "Ouvrir l'émargement" in before
    assert "Compte rendu" not in before  # the meeting has not started

    frozen.move_to(DURING)
    logged_in.post(mark_url(meeting, invitees["rault"]), {"attended": "present"})
    page = text_of(logged_in.get(reverse("meetings:detail", args=[meeting.pk])))

    assert "Présence par commune" in page
    assert "50 %" in page  # Hénon: Anne Rault of two invitees
    assert "Rédiger le compte rendu" in page
    assert "Noter une suite à donner" in page


# --- who may see what ----------------------------------------------------------------------


def attendance_urls(meeting, invitation=None, follow_up_pk=1):
    urls = [
        checkin_url(meeting),
        sheet_url(meeting),
        reverse("meetings:checkin_walk_in", args=[meeting.pk]),
        reverse("meetings:minutes_edit", args=[meeting.pk]),
        reverse("meetings:minutes_send", args=[meeting.pk]),
        reverse("meetings:follow_up_add", args=[meeting.pk]),
        reverse("meetings:follow_up_request", args=[meeting.pk, follow_up_pk]),
        reverse("meetings:follow_up_suggestion", args=[meeting.pk, follow_up_pk]),
    ]
    if invitation is not None:
        urls.append(mark_url(meeting, invitation))
    return urls


def test_a_meeting_of_another_epci_answers_404_on_every_attendance_page(logged_in, other_meeting):
    other_meeting.follow_ups.create(text="Suite", commune=None)
    follow_up = other_meeting.follow_ups.get()
    invitation = other_meeting.invitations.get()

    for url in attendance_urls(other_meeting, invitation, follow_up.pk):
        assert logged_in.get(url).status_code == 404, url
        assert logged_in.post(url, {"attended": "present", "name": "X"}).status_code == 404, url
    invitation.refresh_from_db()
    assert invitation.attended is None
    assert not Invitation.objects.filter(walk_in=True).exists()


def test_an_invitation_of_another_meeting_answers_404(logged_in, meeting, other_meeting):
    stranger = other_meeting.invitations.get()

    response = logged_in.post(mark_url(meeting, stranger), {"attended": "present"})

    assert response.status_code == 404


def test_a_commune_agent_gets_403_and_a_visitor_the_login_page(client, agent, meeting, invitees):
    client.force_login(agent)
    urls = [*attendance_urls(meeting, invitees["rault"]), reverse("meetings:attendance_rates")]
    for url in urls:
        assert client.get(url).status_code == 403, url

    client.logout()
    for url in urls:
        assert client.get(url)["Location"].startswith("/accounts/connexion/"), url


def test_the_rates_page_shows_only_the_referents_own_communes(logged_in, other_meeting, frozen):
    other_referent = ReferentFactory(epci=other_meeting.epci)
    held(other_referent, 2, {other_meeting.invitations.get().commune: [True]})

    page = text_of(logged_in.get(reverse("meetings:attendance_rates")))

    assert "Dinan" not in page


def test_the_commune_section_tells_how_often_the_commune_came(referent, communes, frozen):
    from django.template.loader import render_to_string

    from meetings.attendance.selectors import commune_attendance

    held(referent, 10, {communes["Hénon"]: [True, False]})
    held(referent, 5, {communes["Hénon"]: [False]})

    page = render_to_string(
        "meetings/attendance/_commune_section.html",
        {"commune_attendance": commune_attendance(communes["Hénon"])},
    )

    assert "Sur 2 réunions tenues où elle était invitée, elle était présente à 1." in " ".join(
        page.split()
    )
    assert "1 présent sur 2" in page

"""The syndicat mixte exports what it selects in the admin site, as a spreadsheet reads it."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from meetings.models import Invitation
from requests_relay.services import dossier_create, dossier_relay
from tests.factories import CommuneFactory, ReferentFactory, SyndicatFactory, agent_of, request_of
from tests.meetings.factories import InvitationFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client):
    officer = SyndicatFactory()
    officer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["requests_relay", "meetings", "trainings"]
        )
    )
    client.force_login(officer)
    return client


def rows_of(response):
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_selected_dossiers_export_with_their_state(officer_client):
    commune = CommuneFactory()
    referent = ReferentFactory(epci=commune.epci)
    dossier = dossier_create(
        by=referent,
        requests=[request_of(agent_of(commune))],
        title='=HYPERLINK("x")',  # typed by someone: a text, not a formula
        summary="…",
    )
    dossier_relay(dossier=dossier, by=referent)  # what the syndicat mixte's inbox lists

    response = officer_client.post(
        reverse("admin:requests_relay_dossier_changelist"),
        {"action": "export_selection", "_selected_action": [dossier.pk]},
    )

    rows = rows_of(response)
    assert rows[0][:4] == ["référence", "EPCI", "intitulé", "état"]
    assert rows[1][0] == dossier.reference
    assert rows[1][2] == '\'=HYPERLINK("x")'


def test_selected_meetings_export_with_their_counts(officer_client):
    meeting = MeetingFactory(title="Réunion du syndicat à Lamballe")
    InvitationFactory(meeting=meeting, response=Invitation.Response.ACCEPTED, attended=True)
    InvitationFactory(meeting=meeting)

    response = officer_client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "export_selection", "_selected_action": [meeting.pk]},
    )

    rows = rows_of(response)
    assert rows[1][1] == "Réunion du syndicat à Lamballe"
    assert rows[1][-3:] == ["2", "1", "1"]

"""The syndicat mixte reads the EPCIs' meetings in the admin site, with their counts."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from meetings.models import Invitation
from tests.factories import SyndicatFactory
from tests.meetings.factories import InvitationFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client):
    officer = SyndicatFactory(username="erwan.guillou")
    officer.user_permissions.set(Permission.objects.filter(content_type__app_label="meetings"))
    client.force_login(officer)
    return client


def test_the_officer_reads_meetings_with_their_counts_and_cannot_edit(officer_client):
    meeting = MeetingFactory(title="Réunion du syndicat mixte à Lamballe")
    InvitationFactory(meeting=meeting, response=Invitation.Response.ACCEPTED, attended=True)
    InvitationFactory(meeting=meeting)

    changelist = officer_client.get(reverse("admin:meetings_meeting_changelist"))
    change = officer_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    assert changelist.status_code == 200
    row = changelist.context["cl"].result_list.get()
    assert (row.invited, row.accepted, row.attended) == (2, 1, 1)
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False

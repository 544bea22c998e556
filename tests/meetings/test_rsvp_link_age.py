"""Every RSVP link carries its purpose and an age; links sent before the age existed keep
working until their meeting is over."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from freezegun import freeze_time

from meetings.invitations.tokens import MAX_AGE, SALT, invitation_signature
from meetings.models import Invitation
from tests.meetings.invitations_territory import *  # noqa: F403
from tests.meetings.invitations_territory import invite
from trainings.survey import SALT as SURVEY_SALT

pytestmark = pytest.mark.django_db

Response = Invitation.Response


@pytest.fixture
def invitation(meeting, people):
    (invitation,) = invite(meeting, people["maire_henon"])
    return invitation


def legacy_link(invitation, suffix=""):
    """A link as the portal sent them before: signed, not timestamped."""
    signed = signing.Signer(salt=SALT).sign(invitation.token.hex)
    return reverse(f"meetings:rsvp{suffix}", args=[signed])


def test_a_link_sent_before_the_timestamp_still_works_until_the_meeting_is_over(
    client, meeting, invitation
):
    assert client.get(legacy_link(invitation)).status_code == 200
    assert client.post(legacy_link(invitation, "_accept")).status_code in (200, 302)
    invitation.refresh_from_db()
    assert invitation.response == Response.ACCEPTED

    with freeze_time(meeting.ends_at + timedelta(days=2)):
        page = client.get(legacy_link(invitation, "_ics"))
    assert page.status_code == 410
    assert "Ce lien a expiré" in page.content.decode()


def test_a_link_older_than_its_age_is_refused_with_a_clear_page(client, invitation):
    with freeze_time() as clock:
        link = reverse("meetings:rsvp", args=[invitation_signature(invitation)])
        assert client.get(link).status_code == 200
        clock.tick(MAX_AGE + timedelta(days=1))
        page = client.get(link)
    assert page.status_code == 410
    assert "Ce lien a expiré" in page.content.decode()


@pytest.mark.parametrize(
    "signed",
    [
        lambda inv: signing.dumps(inv.token.hex, salt=SURVEY_SALT),  # another purpose
        lambda inv: signing.TimestampSigner(salt="other").sign(inv.token.hex),
        lambda inv: signing.TimestampSigner(salt=SALT).sign(str(inv.pk)),  # not a token
        lambda inv: invitation_signature(inv)[:-2] + "xx",  # forged
    ],
)
def test_a_forged_or_other_purpose_link_is_refused_with_400(client, invitation, signed):
    response = client.get(reverse("meetings:rsvp", args=[signed(invitation)]))
    assert response.status_code == 400
    assert "Ce lien d'invitation ne fonctionne pas" in response.content.decode()

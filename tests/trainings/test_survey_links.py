"""A survey link cannot be made for someone else: it is signed over a random key, not an id,
so even the SECRET_KEY (a public default on the embedded setup) does not forge one."""

from datetime import date

import pytest
from django.core import signing
from django.urls import reverse
from freezegun import freeze_time

from meetings.invitations.tokens import SALT as RSVP_SALT
from tests.trainings.followup_helpers import held_session, page_text
from trainings.survey import SALT, survey_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(referent, agent_a, agent_c):
    return held_session(referent, date(2026, 3, 12), attendees=[agent_a.contact, agent_c.contact])


@freeze_time("2026-03-13 12:00:00+01:00")
def test_a_link_signed_over_an_enrolment_id_with_the_secret_key_is_refused(client, session):
    for enrolment in session.enrolments.all():
        forged = signing.dumps(enrolment.pk, salt=SALT)  # what the portal used to send
        response = client.get(reverse("trainings:survey", args=[forged]))
        assert response.status_code == 404
        assert "Ce lien n'est pas valide" in page_text(response)
        assert enrolment.contact.full_name not in page_text(response)


@freeze_time("2026-03-13 12:00:00+01:00")
def test_a_link_made_for_another_purpose_is_refused(client, session, agent_a):
    enrolment = session.enrolments.get(contact=agent_a.contact)
    for other in (
        signing.dumps(enrolment.survey_key.hex, salt=RSVP_SALT),
        signing.TimestampSigner(salt=SALT).sign(enrolment.survey_key.hex),  # not dumps()
        signing.dumps(["a", "list"], salt=SALT),
    ):
        response = client.get(reverse("trainings:survey", args=[other]))
        assert response.status_code == 404
        assert "Ce lien n'est pas valide" in page_text(response)
    assert (
        client.get(reverse("trainings:survey", args=[survey_token(enrolment)])).status_code == 200
    )


def test_each_enrolment_has_its_own_random_key(session):
    keys = list(session.enrolments.values_list("survey_key", flat=True))
    assert len(set(keys)) == len(keys) == 2
    assert all(key is not None for key in keys)


def test_a_survey_link_is_made_only_for_the_attendee_s_current_address(session, agent_a):
    """« Renvoyer » copies the old message's address: after a correction of the contact's
    address, a fresh survey link would go to the old one."""
    from types import SimpleNamespace

    from referent_portal.outbox.secrets import LinkUnavailable
    from trainings.survey import survey_links_for_email

    enrolment = session.enrolments.get(contact=agent_a.contact)
    current = SimpleNamespace(to=agent_a.contact.email.upper())
    assert "survey" in survey_links_for_email(str(enrolment.pk), current)
    with pytest.raises(LinkUnavailable):
        survey_links_for_email(str(enrolment.pk), SimpleNamespace(to="ancienne@mairie.example"))

"""« ² » or « ٣ » pass str.isdigit() but int() refuses them: a number typed in a form or a
query string is checked as ASCII digits, so such a character is a form error or is ignored,
never a server error."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings.forms import ReminderDaysField
from tests.factories import CommuneFactory, ReferentFactory

pytestmark = pytest.mark.django_db

NOT_ASCII = ["²", "٣", "7, ²", "9" * 5000]  # 5,000 digits: more than int() reads


@pytest.mark.parametrize("value", NOT_ASCII)
def test_a_meeting_s_reminder_days_refuse_digits_that_are_not_ascii(value):
    with pytest.raises(ValidationError):
        ReminderDaysField(required=False).clean(value)


@pytest.fixture
def referent(client):
    referent = ReferentFactory(epci=CommuneFactory().epci)
    client.force_login(referent)
    return referent


@pytest.mark.parametrize("value", NOT_ASCII[:3])  # 5,000 characters: the field's max_length
def test_a_session_s_reminder_days_refuse_digits_that_are_not_ascii(client, referent, value):
    response = client.post(reverse("trainings:session_create"), {"reminder_days": value})
    assert response.status_code == 400  # the page's answer to a form with errors
    assert "Indiquez des nombres de jours séparés par des virgules" in response.content.decode()


def test_a_network_id_that_is_not_ascii_digits_is_ignored_on_the_new_meeting_page(client, referent):
    for odd in ("²", "9" * 30, "9" * 5000):  # 5,000 digits: more than int() reads
        response = client.get(reverse("meetings:create"), {"reseau": odd})
        assert response.status_code == 200

"""An agent turns off the optional e-mails; the ones the referent's work needs still go."""

import pytest
from django.urls import reverse

from referent_portal.outbox.models import OutgoingEmail
from tests.factories import CommuneFactory, ReferentFactory, agent_of
from tests.outbox.utils import queue_example

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:email_preferences")


def queue(agent, kind):
    # The address as another app may have typed it.
    return queue_example(to=agent.email.upper(), kind=kind)


@pytest.fixture
def agent():
    return agent_of(CommuneFactory())


def test_an_agent_turns_off_reminders_and_campaigns(client, agent):
    client.force_login(agent)

    client.post(URL, {"receive": ["minutes"]})

    agent.refresh_from_db()
    assert sorted(agent.email_opt_outs) == ["campaigns", "reminders"]
    assert client.get(URL).context["form"].initial["receive"] == ["minutes"]


def test_an_optional_e_mail_refused_is_kept_as_a_row_and_never_sent(
    agent, django_capture_on_commit_callbacks
):
    agent.email_opt_outs = ["reminders"]
    agent.save()

    with django_capture_on_commit_callbacks() as callbacks:
        reminder = queue(agent, "meetings.reminder")
        answer = queue(agent, "requests.resolved")

    assert reminder.status == OutgoingEmail.Status.SKIPPED
    assert "choisi de ne pas recevoir" in reminder.last_error
    assert answer.status == OutgoingEmail.Status.QUEUED
    assert len(callbacks) == 1  # only the answer goes to the worker


def test_only_agents_have_the_page(client):
    client.force_login(ReferentFactory())

    assert client.get(URL).url == reverse("dashboard:home")

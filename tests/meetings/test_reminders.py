"""Reminders to those who accepted, chases of those who have not answered, and of the commune's
secretariat for an élu: who gets what, when, and only once (time frozen).

The meeting is on Thursday 2 April 2026 at 14:00 in Paris (summer time); its 7-day reminder is
due on Thursday 26 March at 14:00 (winter time): counted on the calendar, not in hours.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from meetings import services as meeting_services
from meetings.invitations.services import invitation_respond
from meetings.invitations.tasks import send_meeting_reminders
from meetings.models import Invitation, InvitationReminder, Meeting
from referent_portal.outbox.models import OutgoingEmail
from tests.factories import ContactFactory
from tests.meetings.factories import MeetingFactory
from tests.meetings.invitations_territory import *  # noqa: F403
from tests.meetings.invitations_territory import F, invite
from tests.outbox.utils import sent_text

pytestmark = pytest.mark.django_db
Response = Invitation.Response
PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 4, 2, 14, 0, tzinfo=PARIS)


def paris(day: int, month: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def clock():
    with freeze_time(paris(13, 3)) as frozen:  # D-20, midday
        yield frozen


@pytest.fixture
def planned(clock, referent, people, communes):
    """Invited at D-20: Bréhand's maire accepts, Hénon's délégué declines, Hénon's and
    Andel's maires stay silent."""
    meeting = MeetingFactory(
        created_by=referent,
        title="Archivage électronique",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        reminder_days=[7, 1],
        chase_days=5,
        chase_staff=True,
        status=Meeting.Status.DRAFT,
    )
    invite(
        meeting,
        people["maire_brehand"],
        people["maire_henon"],
        people["maire_andel"],
        people["delegue_henon"],
    )
    invitations = {i.contact_id: i for i in meeting.invitations.all()}
    invitation_respond(
        invitation=invitations[people["maire_brehand"].pk], response=Response.ACCEPTED
    )
    invitation_respond(
        invitation=invitations[people["delegue_henon"].pk], response=Response.DECLINED
    )
    return meeting


def sent(kind: str) -> list[str]:
    return sorted(OutgoingEmail.objects.filter(kind=kind).values_list("to", flat=True))


def run(clock, when: datetime) -> int:
    clock.move_to(when)
    return send_meeting_reminders()


def test_reminders_and_chases_go_to_the_right_people_at_the_right_time_once(
    clock, planned, people, communes
):
    assert run(clock, paris(25, 3)) == 0  # D-8
    assert run(clock, paris(26, 3, 13, 59)) == 0  # D-7, a minute before the hour

    # D-7 at 14:00: the one who accepted, and nobody else.
    assert run(clock, paris(26, 3, 14, 5)) == 1
    assert sent("meetings.reminder") == [people["maire_brehand"].email]
    reminder = OutgoingEmail.objects.get(kind="meetings.reminder")
    assert "Vous avez accepté l'invitation à la réunion « Archivage électronique »" in (
        reminder.body_text
    )
    assert "/decliner/" in sent_text(reminder)
    assert run(clock, paris(26, 3, 15, 5)) == 0  # the next hourly round: already sent

    # D-5: the silent are chased; Hénon's maire is an élu: Hénon's DGS and secrétaire are
    # asked to relay. Andel has no secretariat; the délégué declined: nothing for them.
    assert run(clock, paris(28, 3, 14, 5)) == 4
    assert sent("meetings.chase") == sorted(
        [people["maire_henon"].email, people["maire_andel"].email]
    )
    assert sent("meetings.chase_staff") == sorted(
        [people["dgs_henon"].email, people["secretaire_henon"].email]
    )
    staff_email = OutgoingEmail.objects.filter(kind="meetings.chase_staff").first()
    assert "Yves Morin (Maire)" in staff_email.body_text
    assert "Mary Smith" not in staff_email.body_text
    assert staff_email.subject == "À relayer aux élus de Hénon : réunion « Archivage électronique »"
    chase = OutgoingEmail.objects.get(kind="meetings.chase", to=people["maire_henon"].email)
    assert "/accepter/" in sent_text(chase)
    assert run(clock, paris(28, 3, 15, 5)) == 0

    # D-3: someone invited now accepts; someone else invited now stays silent.
    clock.move_to(paris(30, 3))
    late = ContactFactory(
        epci=planned.epci,
        function=F.ACHETEUR,
        email="late@22076.example.org",
        communes=[communes["Hénon"]],
    )
    silent = ContactFactory(
        epci=planned.epci,
        function=F.MAIRE,
        email="silent@22076.example.org",
        communes=[communes["Hénon"]],
    )
    invite(planned, late, silent)
    invitation_respond(invitation=planned.invitations.get(contact=late), response=Response.ACCEPTED)
    assert run(clock, paris(30, 3, 13)) == 0  # no 7-day reminder, no chase at D-3

    # D-1: the 1-day reminder to both who accepted.
    assert run(clock, paris(1, 4, 14, 5)) == 2
    assert sent("meetings.reminder") == sorted(
        [people["maire_brehand"].email, people["maire_brehand"].email, late.email]
    )
    assert run(clock, paris(1, 4, 20)) == 0
    assert run(clock, paris(2, 4, 15)) == 0  # the meeting has started

    assert set(
        InvitationReminder.objects.values_list("invitation__email", "kind", "days_before")
    ) == {
        (people["maire_brehand"].email, "reminder", 7),
        (people["maire_brehand"].email, "reminder", 1),
        (late.email, "reminder", 1),
        (people["maire_henon"].email, "chase", 5),
        (people["maire_henon"].email, "chase_staff", 5),
        (people["maire_andel"].email, "chase", 5),
    }


def test_a_worker_back_after_a_day_sends_the_reminder_due_not_every_reminder_missed(
    clock, planned, people
):
    # Nothing ran between D-20 and the eve: only the 1-day reminder goes.
    assert run(clock, paris(1, 4, 16)) >= 1
    assert list(
        InvitationReminder.objects.filter(kind="reminder").values_list("days_before", flat=True)
    ) == [1]


def test_without_chase_staff_the_secretariat_is_left_alone(clock, planned, people):
    Meeting.objects.filter(pk=planned.pk).update(chase_staff=False)

    run(clock, paris(28, 3, 14, 5))

    assert len(sent("meetings.chase")) == 2
    assert sent("meetings.chase_staff") == []


def test_a_cancelled_meeting_reminds_nobody(clock, planned, referent):
    meeting_services.meeting_cancel(meeting=planned, by=referent)

    assert run(clock, paris(1, 4, 14, 5)) == 0
    assert not OutgoingEmail.objects.filter(kind="meetings.reminder").exists()


def test_a_rescheduled_meeting_counts_its_reminders_from_the_new_date(clock, planned, referent):
    assert run(clock, paris(26, 3, 14, 5)) == 1  # the 7-day reminder of 2 April
    clock.move_to(paris(27, 3))
    meeting_services.meeting_update(
        meeting=planned,
        by=referent,
        starts_at=START + timedelta(days=7),
        ends_at=START + timedelta(days=7, hours=2),
    )

    assert run(clock, paris(2, 4, 14, 5)) == 1  # 7 days before 9 April

    assert InvitationReminder.objects.filter(kind="reminder", days_before=7).count() == 1
    assert len(sent("meetings.reminder")) == 2

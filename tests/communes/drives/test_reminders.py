"""Reminders before a drive's deadline: only the silent communes, once per round, never late.

DRIVE_REMINDER_DAYS = (7, 2): a drive due on Friday 18 December 2026 has a first round from
Friday 11 (D-7) and a second from Wednesday 16 (D-2). The hourly task may run any number of
times: each silent commune hears from us once per round.
"""

from datetime import date

import pytest
from freezegun import freeze_time

from communes.drives.models import Commitment
from communes.drives.services import (
    commitment_set,
    drive_cancel,
    drive_open,
    drive_send_reminders,
)
from communes.drives.tasks import send_drive_reminders
from communes.timeline.models import TimelineEntry
from referent_portal.outbox.models import OutgoingEmail
from tests.communes.drives.conftest import drive_of

pytestmark = pytest.mark.django_db

Answer = Commitment.Status
DEADLINE = date(2026, 12, 18)


@pytest.fixture(autouse=True)
def rounds(settings):
    settings.DRIVE_REMINDER_DAYS = (7, 2)


def reminders():
    return OutgoingEmail.objects.filter(kind="drives.reminder")


def reminded_addresses():
    return sorted(reminders().values_list("to", flat=True))


def run_at(moment):
    with freeze_time(moment):
        return drive_send_reminders()


@pytest.fixture
def drive(referent, communes, contacts, henon):
    """Opened on 20 November; Hénon has answered, Bréhand and Plédéliac are silent."""
    with freeze_time("2026-11-20 10:00:00+01:00"):
        drive = drive_open(drive=drive_of(referent, communes, deadline=DEADLINE), by=referent)
        commitment_set(
            commitment=Commitment.objects.get(drive=drive, commune=henon),
            status=Answer.INTERESTED,
            by=referent,
        )
    return drive


def test_nothing_is_sent_before_the_first_round(drive):
    assert run_at("2026-12-10 23:30:00+01:00") == 0
    assert not reminders().exists()


def test_the_first_round_reminds_only_the_silent_communes(drive, brehand, pledeliac):
    assert run_at("2026-12-11 08:00:00+01:00") == 2

    # Bréhand's secretary (who also serves Hénon) and Plédéliac's DGS; not Hénon's mayor:
    # Hénon has answered.
    assert reminded_addresses() == [
        "dgs@pledeliac.example.org",
        "secretariat@henon-brehand.example.org",
    ]
    secretary = reminders().get(to="secretariat@henon-brehand.example.org")
    assert "/reponse/22020/" in secretary.body_text  # Bréhand, silent
    assert "/reponse/22076/" not in secretary.body_text  # Hénon answered
    assert secretary.subject.startswith("Rappel — adhésion collective")
    assert reminders().get(to="dgs@pledeliac.example.org").language == "en"
    reminded = Commitment.objects.filter(drive=drive, reminded_at__isnull=False)
    assert sorted(reminded.values_list("commune__name", flat=True)) == ["Bréhand", "Plédéliac"]
    assert TimelineEntry.objects.filter(commune=brehand, title__startswith="Relance").exists()
    assert TimelineEntry.objects.filter(commune=pledeliac, title__startswith="Relance").exists()


def test_a_round_reminds_once_however_often_the_task_runs(drive):
    for moment in (
        "2026-12-11 08:00:00+01:00",
        "2026-12-11 09:00:00+01:00",
        "2026-12-12 14:00:00+01:00",
        "2026-12-15 23:00:00+01:00",
    ):
        run_at(moment)
    assert reminders().count() == 2  # the first round only

    assert run_at("2026-12-16 00:30:00+01:00") == 2  # the second round, once
    assert run_at("2026-12-16 01:30:00+01:00") == 0
    assert run_at("2026-12-18 18:00:00+01:00") == 0  # deadline day: already reminded
    assert reminders().count() == 4


def test_a_commune_that_answers_between_rounds_is_not_reminded_again(drive, brehand):
    run_at("2026-12-11 08:00:00+01:00")
    with freeze_time("2026-12-14 10:00:00+01:00"):
        commitment_set(
            commitment=Commitment.objects.get(drive=drive, commune=brehand),
            status=Answer.DECLINED,
            by=drive.created_by,
        )

    assert run_at("2026-12-16 08:00:00+01:00") == 1
    assert reminded_addresses().count("dgs@pledeliac.example.org") == 2
    assert reminded_addresses().count("secretariat@henon-brehand.example.org") == 1


def test_a_late_first_run_sends_one_reminder_for_the_round_it_falls_in(drive):
    # The worker was down for a week: on D-1 only the last round is due, once.
    assert run_at("2026-12-17 09:00:00+01:00") == 2
    assert run_at("2026-12-17 10:00:00+01:00") == 0
    assert reminders().count() == 2


def test_nothing_is_sent_after_the_deadline(drive):
    assert run_at("2026-12-19 00:30:00+01:00") == 0
    assert not reminders().exists()


def test_a_closed_or_cancelled_drive_reminds_nobody(drive):
    with freeze_time("2026-12-05 10:00:00+01:00"):
        drive_cancel(drive=drive, by=drive.created_by)
    assert run_at("2026-12-11 08:00:00+01:00") == 0
    assert run_at("2026-12-16 08:00:00+01:00") == 0
    assert not reminders().exists()


def test_a_drive_opened_inside_a_round_waits_for_the_next(referent, communes, contacts):
    # Invited on D-5: a reminder the same day, for the D-7 round, would be absurd.
    with freeze_time("2026-12-13 10:00:00+01:00"):
        drive_open(drive=drive_of(referent, communes, deadline=DEADLINE), by=referent)
    assert run_at("2026-12-13 11:00:00+01:00") == 0
    assert run_at("2026-12-15 11:00:00+01:00") == 0
    assert run_at("2026-12-16 11:00:00+01:00") == 3


def test_a_draft_reminds_nobody(referent, communes, contacts):
    with freeze_time("2026-11-20 10:00:00+01:00"):
        drive_of(referent, communes, deadline=DEADLINE)
    assert run_at("2026-12-11 08:00:00+01:00") == 0


def test_the_hourly_task_calls_the_service(drive):
    with freeze_time("2026-12-11 08:00:00+01:00"):
        assert send_drive_reminders.apply().get() == 2
    assert reminders().count() == 2

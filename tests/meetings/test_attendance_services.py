"""Check-in on the day, the attendance sheet's groups, and the attendance rates."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from meetings.attendance.exports import rates_csv
from meetings.attendance.selectors import (
    attendance_sheet,
    checkin_sheet,
    commune_attendance,
    epci_commune_rates,
    meeting_rates,
)
from meetings.attendance.services import attendance_add_walk_in, attendance_mark
from meetings.models import Invitation, Meeting
from tests.factories import CommuneFactory, ReferentFactory
from tests.meetings.attendance_territory import *  # noqa: F403 (fixtures)
from tests.meetings.attendance_territory import DURING, MEETING_START, invite
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def refreshed(obj):
    obj.refresh_from_db()
    return obj


# --- check-in ------------------------------------------------------------------------------


def test_a_check_in_before_the_start_leaves_the_meeting_open(meeting, invitees, referent, frozen):
    frozen.move_to(MEETING_START - timedelta(minutes=20))

    attendance_mark(invitation=invitees["rault"], attended=True, by=referent)

    rault = refreshed(invitees["rault"])
    assert rault.attended is True
    assert rault.checked_in_at == MEETING_START - timedelta(minutes=20)
    # Still movable, cancellable and answerable until it begins.
    assert refreshed(meeting).status == Meeting.Status.SCHEDULED


def test_a_check_in_once_begun_makes_the_meeting_held(meeting, invitees, referent, frozen):
    frozen.move_to(MEETING_START + timedelta(minutes=5))

    attendance_mark(invitation=invitees["rault"], attended=True, by=referent)

    assert refreshed(meeting).status == Meeting.Status.HELD


def test_a_meeting_checked_in_early_becomes_held_once_begun(meeting, invitees, referent, frozen):
    from meetings.services import meetings_mark_held_after_start

    frozen.move_to(MEETING_START - timedelta(minutes=20))
    attendance_mark(invitation=invitees["rault"], attended=False, by=referent)
    assert meetings_mark_held_after_start() == 0
    frozen.move_to(MEETING_START + timedelta(minutes=5))

    assert meetings_mark_held_after_start() == 1
    assert refreshed(meeting).status == Meeting.Status.HELD


def test_present_then_absent_clears_the_time_of_check_in(meeting, invitees, referent):
    attendance_mark(invitation=invitees["rault"], attended=True, by=referent)
    attendance_mark(invitation=invitees["rault"], attended=False, by=referent)

    rault = refreshed(invitees["rault"])
    assert rault.attended is False
    assert rault.checked_in_at is None


def test_check_in_is_refused_before_the_meetings_day_and_says_when_it_opens(
    meeting, invitees, referent
):
    # The evening before, 23:30 in Paris: still not the meeting's day.
    evening_before = MEETING_START - timedelta(hours=14, minutes=30)
    with freeze_time(evening_before), pytest.raises(ValidationError) as error:
        attendance_mark(invitation=invitees["rault"], attended=True, by=referent)

    assert error.value.code == "too_early"
    assert "12 mars 2026" in error.value.messages[0]
    assert refreshed(invitees["rault"]).attended is None
    assert refreshed(meeting).status == Meeting.Status.SCHEDULED


def test_check_in_just_after_midnight_on_the_day_is_open(meeting, invitees, referent):
    with freeze_time(MEETING_START - timedelta(hours=13, minutes=59)):  # 00:01 in Paris
        attendance_mark(invitation=invitees["rault"], attended=True, by=referent)

    assert refreshed(invitees["rault"]).attended is True


def test_check_in_is_refused_on_a_cancelled_meeting(meeting, invitees, referent):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)

    with pytest.raises(ValidationError) as error:
        attendance_mark(invitation=invitees["rault"], attended=True, by=referent)

    assert error.value.code == "cancelled"
    assert refreshed(invitees["rault"]).attended is None


def test_a_referent_of_another_epci_cannot_check_in(meeting, invitees):
    stranger = ReferentFactory()

    with pytest.raises(ValidationError):
        attendance_mark(invitation=invitees["rault"], attended=True, by=stranger)

    assert refreshed(invitees["rault"]).attended is None


def test_a_walk_in_is_added_present_for_their_commune_and_the_meeting_is_held(
    meeting, invitees, referent, communes
):
    walk_in = attendance_add_walk_in(
        meeting=meeting,
        by=referent,
        name="  Hervé   Le Bihan ",
        commune=communes["Andel"],
        function="Adjoint aux finances",
        email="h.lebihan@andel.example.org",
    )

    walk_in = refreshed(walk_in)
    assert walk_in.name == "Hervé Le Bihan"
    assert walk_in.walk_in is True
    assert walk_in.attended is True
    assert walk_in.checked_in_at == DURING
    assert walk_in.commune == communes["Andel"]
    assert walk_in.invited_by == referent


def test_a_walk_in_with_the_address_of_an_invitee_is_refused_and_nothing_is_saved(
    meeting, invitees, referent
):
    with pytest.raises(ValidationError) as error:
        attendance_add_walk_in(
            meeting=meeting, by=referent, name="Anne R.", email="ANNE.RAULT@mairie.example.org"
        )

    assert "Anne Rault est déjà sur la liste" in error.value.message_dict["email"][0]
    assert meeting.invitations.count() == len(invitees)
    assert refreshed(meeting).status == Meeting.Status.SCHEDULED


def test_a_walk_in_from_a_commune_of_another_epci_is_refused(meeting, referent):
    elsewhere = CommuneFactory(name="Dinan", insee_code="22050")

    with pytest.raises(ValidationError) as error:
        attendance_add_walk_in(meeting=meeting, by=referent, name="X", commune=elsewhere)

    assert "commune" in error.value.message_dict
    assert not meeting.invitations.filter(walk_in=True).exists()


def test_a_walk_in_is_refused_before_the_day(meeting, referent):
    with freeze_time(MEETING_START - timedelta(days=1)), pytest.raises(ValidationError):
        attendance_add_walk_in(meeting=meeting, by=referent, name="Trop tôt")

    assert not meeting.invitations.exists()


# --- who is expected, the groups -----------------------------------------------------------


def names(group):
    return [i.name for i in group.invitations]


def test_the_check_in_lists_the_expected_by_commune_and_sets_apart_who_declined(
    meeting, invitees, referent
):
    sheet = checkin_sheet(meeting)

    assert [g.label for g in sheet.groups] == [
        "Bréhand",
        "Hénon",
        "Plédéliac",
        "CA Lamballe Terre et Mer (EPCI)",
    ]
    assert names(sheet.groups[0]) == ["Eric Tanguy"]
    assert names(sheet.groups[1]) == ["Anne Rault", "Bruno Le Gall"]
    assert names(sheet.groups[2]) == ["Fanny Guillou", "Gilles Sans Adresse"]
    assert [names(g) for g in sheet.away] == [["Claude Morin", "Denise Hamon"]]
    assert (sheet.expected, sheet.present, sheet.unmarked, sheet.away_count) == (6, 0, 6, 2)


def test_someone_who_declined_but_came_is_checked_in_with_their_commune(
    meeting, invitees, referent
):
    attendance_mark(invitation=invitees["morin"], attended=True, by=referent)
    attendance_mark(invitation=invitees["le_gall"], attended=False, by=referent)

    sheet = checkin_sheet(meeting)

    assert names(sheet.groups[0]) == ["Claude Morin", "Eric Tanguy"]
    assert [names(g) for g in sheet.away] == [["Denise Hamon"]]
    assert (sheet.expected, sheet.present, sheet.absent, sheet.unmarked) == (7, 1, 1, 5)


def test_the_sheet_puts_walk_ins_without_a_commune_after_the_epcis_own_people(
    meeting, invitees, referent, frozen
):
    frozen.move_to(MEETING_START + timedelta(minutes=5))
    attendance_add_walk_in(meeting=meeting, by=referent, name="Yves du Syndicat")

    sheet = attendance_sheet(refreshed(meeting))

    assert [g.label for g in sheet.groups][-2:] == [
        "CA Lamballe Terre et Mer (EPCI)",
        "Autres participants",
    ]
    assert names(sheet.groups[-1]) == ["Yves du Syndicat"]
    assert sheet.held is True


# --- rates ---------------------------------------------------------------------------------


def test_the_rates_of_a_meeting_count_invitees_who_came_per_commune(
    meeting, invitees, referent, communes
):
    for key in ("rault", "tanguy"):
        attendance_mark(invitation=invitees[key], attended=True, by=referent)
    attendance_mark(invitation=invitees["le_gall"], attended=False, by=referent)
    attendance_add_walk_in(meeting=meeting, by=referent, name="Walk In", commune=communes["Hénon"])

    rows = {row.label: row for row in meeting_rates(meeting)}

    assert list(rows) == ["Bréhand", "Hénon", "Plédéliac", "EPCI et autres participants"]
    # Bréhand: Morin declined (invited), Hamon sent Tanguy (not counted twice), Tanguy came.
    assert (rows["Bréhand"].invited, rows["Bréhand"].present, rows["Bréhand"].rate) == (2, 1, 0.5)
    henon = rows["Hénon"]
    assert (henon.invited, henon.present, henon.walk_ins, henon.rate) == (2, 2, 1, 0.5)
    assert rows["Plédéliac"].rate == 0
    assert rows["EPCI et autres participants"].invited == 1


def held_meeting(referent, days_ago, attendance):
    """A held meeting `days_ago` days before DURING; attendance: {commune: [True, None…]}."""
    start = DURING - timedelta(days=days_ago)
    meeting = MeetingFactory(
        created_by=referent,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status=Meeting.Status.HELD,
    )
    for commune, people in attendance.items():
        for n, attended in enumerate(people):
            invite(meeting, f"{commune.name} {n}", commune, attended=attended)
    return meeting


def test_the_epci_rates_count_the_held_meetings_each_commune_took_part_in(
    frozen, referent, communes, other_meeting
):
    plede, henon, brehand = communes["Plédéliac"], communes["Hénon"], communes["Bréhand"]
    held_meeting(referent, 30, {henon: [True, None], brehand: [False], plede: [None]})
    held_meeting(referent, 20, {henon: [False], brehand: [True, True]})
    held_meeting(referent, 10, {henon: [True], brehand: [False]})
    # Neither a meeting still to come nor a cancelled one counts.
    upcoming = MeetingFactory(created_by=referent, status=Meeting.Status.SCHEDULED)
    invite(upcoming, "Futur", henon, attended=True)
    cancelled = MeetingFactory(created_by=referent, status=Meeting.Status.CANCELLED)
    invite(cancelled, "Annulé", plede, attended=True)
    # A walk-in from a commune that was not invited: it took part all the same.
    walk_in_meeting = held_meeting(referent, 5, {henon: [None]})
    Invitation.objects.create(
        meeting=walk_in_meeting,
        name="Venu d'Andel",
        commune=communes["Andel"],
        walk_in=True,
        attended=True,
    )

    by_name = {
        c.name: (c.meetings_count, c.attended_count, c.rate)
        for c in epci_commune_rates(referent.epci)
    }

    assert by_name == {
        "Andel": (1, 1, 1.0),
        "Bréhand": (3, 1, pytest.approx(1 / 3)),
        "Hénon": (4, 2, 0.5),
        "Plédéliac": (1, 0, 0.0),
    }
    by_rate = [c.name for c in epci_commune_rates(referent.epci, sort="-taux")]
    assert by_rate == ["Andel", "Hénon", "Bréhand", "Plédéliac"]
    by_rate = [c.name for c in epci_commune_rates(referent.epci, sort="taux")]
    assert by_rate == ["Plédéliac", "Bréhand", "Hénon", "Andel"]


def test_a_commune_never_invited_has_no_rate_and_comes_last_by_rate(frozen, referent, communes):
    held_meeting(referent, 3, {communes["Hénon"]: [False]})

    ordered = list(epci_commune_rates(referent.epci, sort="-taux"))

    assert ordered[0].name == "Hénon"
    assert {c.name: c.rate for c in ordered[1:]} == {
        "Andel": None,
        "Bréhand": None,
        "Plédéliac": None,
    }


def test_the_rates_csv_opens_in_excel_in_french(frozen, referent, communes):
    held_meeting(referent, 10, {communes["Hénon"]: [True], communes["Bréhand"]: [False]})
    held_meeting(referent, 5, {communes["Hénon"]: [False], communes["Bréhand"]: [None]})
    CommuneFactory(epci=referent.epci, name="=HYPERLINK(1)", insee_code="22999")

    content = rates_csv(epci_commune_rates(referent.epci))

    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == (
        "Commune;Code INSEE;Réunions tenues où elle était invitée;"
        "Réunions avec au moins un présent;Taux de présence (%)"
    )
    assert "Hénon;22076;2;1;50,0" in lines
    assert "Bréhand;22020;2;0;0,0" in lines
    assert "Andel;22002;0;0;" in lines
    assert "'=HYPERLINK(1);22999;0;0;" in lines  # never read as a formula


@pytest.mark.parametrize("meetings_count", [1, 12])
def test_the_epci_rates_take_one_query_whatever_the_data(
    frozen, referent, communes, django_assert_num_queries, meetings_count
):
    for n in range(meetings_count):
        held_meeting(
            referent, n + 1, {c: [n % 2 == 0, None] for c in list(communes.values())[: n % 4 + 1]}
        )
    for n in range(meetings_count * 3):
        CommuneFactory(epci=referent.epci, name=f"Commune {n}", insee_code=f"29{n:03d}")

    with django_assert_num_queries(1):
        rows = list(epci_commune_rates(referent.epci, sort="-taux"))
        csv = rates_csv(rows)

    assert len(rows) == 4 + meetings_count * 3
    assert csv


@pytest.mark.parametrize("invitee_count", [2, 30])
def test_the_meeting_rates_and_check_in_take_one_query_each(
    meeting, referent, communes, django_assert_num_queries, invitee_count
):
    for n in range(invitee_count):
        invite(meeting, f"Personne {n}", list(communes.values())[n % 4], attended=n % 3 == 0)

    with django_assert_num_queries(2):
        rows = meeting_rates(meeting)
        sheet = checkin_sheet(meeting)

    assert sum(r.invited for r in rows) == invitee_count
    assert sheet.expected == invitee_count


def test_commune_attendance_lists_its_held_meetings_latest_first(frozen, referent, communes):
    henon = communes["Hénon"]
    first = held_meeting(referent, 30, {henon: [True, True, None]})
    second = held_meeting(referent, 10, {henon: [False]})
    held_meeting(referent, 5, {communes["Bréhand"]: [True]})  # not Hénon's

    attendance = commune_attendance(henon)

    assert [(m.meeting, m.people, m.present) for m in attendance.meetings] == [
        (second, 1, 0),
        (first, 3, 2),
    ]
    assert (attendance.meetings_count, attendance.attended_count, attendance.rate) == (2, 1, 0.5)
    assert commune_attendance(communes["Andel"]).rate is None

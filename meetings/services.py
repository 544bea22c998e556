"""Every write of a meeting's own life: create, edit, schedule, reschedule, hold, cancel.

A meeting starts as a draft (nothing sent), is scheduled when the referent sends the first
invitations, is held once it has taken place (check-in or minutes), or is cancelled. A change
of date, time or place after invitations went out raises the iCalendar SEQUENCE and re-sends
an updated invitation to everyone still invited; a cancellation sends METHOD:CANCEL.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.timeline.services import timeline_record
from referent_portal.accounts.models import User
from referent_portal.uploads.cleanup import atomic_with_files
from referent_portal.uploads.storage import original_name
from referent_portal.uploads.validation import validate_upload

from .models import Meeting, MeetingDocument

# Changing one of these after the invitations went out means the invitees' calendars are wrong.
CALENDAR_FIELDS = ("starts_at", "ends_at", "place", "address", "video_url", "title")
EDITABLE_FIELDS = (
    "kind",
    "title",
    "topic",
    "service",
    "network",
    "description",
    *CALENDAR_FIELDS[:2],
    "place",
    "address",
    "host_commune",
    "video_url",
    "capacity",
    "reminder_days",
    "chase_days",
    "chase_staff",
)
TIMELINE_KIND = "meeting"
STATE_ERRORS = {
    Meeting.Status.HELD: _("La réunion a eu lieu : elle ne peut plus être modifiée."),
    Meeting.Status.CANCELLED: _("La réunion est annulée."),
}


def check_open(meeting: Meeting) -> None:
    """A held or cancelled meeting is a record: refuse changes with a clear message."""
    if meeting.status in STATE_ERRORS:
        raise ValidationError(STATE_ERRORS[meeting.status], code=meeting.status)


@transaction.atomic
def meeting_create(*, by: User, **fields) -> Meeting:
    meeting = Meeting(epci=by.epci, created_by=by, **fields)
    meeting.full_clean()
    meeting.save()
    if meeting.request_id:
        _answer_request(meeting, by=by)
    return meeting


def _answer_request(meeting: Meeting, *, by: User) -> None:
    """The commune that asked for the meeting reads in its request that it is planned."""
    from requests_relay.services import request_message_add

    request = meeting.request
    with translation.override(settings.LANGUAGE_CODE):
        when = formats.date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT")
        params = {"meeting": meeting.title, "ref": request.reference, "when": when}
        timeline_record(
            commune=request.commune,
            kind=TIMELINE_KIND,
            title=_("Réunion « %(meeting)s » prévue à la suite de la demande %(ref)s") % params,
            actor=by,
            subject=meeting,
        )
        body = (
            gettext(
                "Le référent prépare une réunion pour répondre à votre demande : "
                "« %(meeting)s », prévue le %(when)s. Les invitations suivront par courriel."
            )
            % params
        )
    request_message_add(request=request, author=by, body=body)


@transaction.atomic
def meeting_update(*, meeting: Meeting, by: User, **fields) -> list[str]:
    """Apply the referent's edits; returns the names of the fields that changed.

    When the calendar changed and invitations were sent, SEQUENCE goes up and every invitee
    still invited receives the updated invitation, in this transaction.
    """
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    check_open(meeting)
    changed = [
        name
        for name in EDITABLE_FIELDS
        if name in fields and getattr(meeting, name) != fields[name]
    ]
    for name in changed:
        setattr(meeting, name, fields[name])
    if not changed:
        return []
    meeting.full_clean()
    calendar_changed = any(name in CALENDAR_FIELDS for name in changed)
    if calendar_changed and meeting.status == Meeting.Status.SCHEDULED:
        meeting.sequence += 1
    meeting.save()
    if calendar_changed and meeting.status == Meeting.Status.SCHEDULED:
        from .invitations.services import invitations_send_update

        invitations_send_update(meeting=meeting, by=by)
    return changed


@atomic_with_files()
def meeting_document_add(
    *, meeting: Meeting, by: User, title: str, upload: File
) -> MeetingDocument:
    """A document for the invitees (slides, handouts): checked (format, size, content), then
    stored under a name nothing can guess; no file outlives a transaction that fails."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(STATE_ERRORS[Meeting.Status.CANCELLED], code=meeting.status)
    try:
        validate_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.error_list}) from exc
    document = MeetingDocument(
        meeting=meeting,
        title=title.strip(),
        file=upload,
        filename=original_name(upload.name),
        uploaded_by=by,
    )
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User, reason: str = "") -> Meeting:
    """Cancel; everyone who received an invitation receives a METHOD:CANCEL."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    check_open(meeting)
    was_scheduled = meeting.status == Meeting.Status.SCHEDULED
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancel_reason = reason
    if was_scheduled:
        meeting.sequence += 1
    meeting.save()
    if was_scheduled:
        from .invitations.services import invitations_send_cancel

        invitations_send_cancel(meeting=meeting, by=by)
    return meeting


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting) -> Meeting:
    """The meeting took place (a check-in once it has begun, or the minutes): it becomes a
    record. A check-in before the start (people arrive early, someone sends apologies in the
    morning) leaves it open: still movable, cancellable, its invitations answerable."""
    now = timezone.now()
    updated = Meeting.objects.filter(
        pk=meeting.pk,
        status__in=(Meeting.Status.SCHEDULED, Meeting.Status.DRAFT),
        starts_at__lte=now,
    ).update(status=Meeting.Status.HELD, updated_at=now)
    if updated:
        meeting.status = Meeting.Status.HELD
    return meeting


def meetings_mark_held_after_start(*, now=None) -> int:
    """Meetings whose check-in began before their start become held once they have begun
    (run hourly with the reminders)."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(
            status=Meeting.Status.SCHEDULED,
            starts_at__lte=now,
            invitations__attended__isnull=False,
        )
        .distinct()
        .update(status=Meeting.Status.HELD, updated_at=now)
    )

"""Every write of the invitations: sending them, the invitee's answer through the signed links,
updates and cancellations, reminders and chases.

An invitation is one row per invitee and one e-mail each (never a list of addresses), written
to the outbox in the transaction that creates or changes it, with the invitee's own .ics: the
meeting's stable UID, its current SEQUENCE, the referent as ORGANIZER, the invitee as
ATTENDEE. The invitee answers without an account, through links signed over the invitation's
token (tokens.py); the links work until the meeting is over.

Reminders and chases are counted in calendar days before the start, in the portal's time zone:
the 7-day reminder of a meeting on Thursday at 9:00 is due the Thursday before at 9:00. Each
goes once (InvitationReminder), and none goes to someone invited — or, for the reminders of
those who accepted, who answered — after it was due: no « in 7 days » to a person invited 3
days before.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import icalendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.contacts.services import contact_touch
from communes.models import Commune, Contact
from communes.timeline.services import timeline_record
from meetings.audience import Recipient, reachable_contacts
from meetings.models import Invitation, InvitationReminder, Meeting
from referent_portal import ical
from referent_portal.accounts.models import User
from referent_portal.accounts.selectors import referents_to_notify
from referent_portal.outbox.models import OutgoingEmail
from referent_portal.outbox.secrets import LinkUnavailable, link_placeholders
from referent_portal.outbox.services import email_queue

from .tokens import invitation_signature

logger = logging.getLogger(__name__)

Response = Invitation.Response
TEMPLATES = "meetings/invitations/email"
TIMELINE_KIND = "meeting"

# Outbox kinds (labels in referent_portal/outbox/admin.py).
KIND_INVITATION = "meetings.invitation"
KIND_UPDATE = "meetings.invitation_update"
KIND_CANCEL = "meetings.invitation_cancel"
KIND_REMINDER = "meetings.reminder"
KIND_CHASE = "meetings.chase"
KIND_CHASE_STAFF = "meetings.chase_staff"
KIND_DELEGATED = "meetings.delegated"

PARTSTAT = {
    Response.PENDING: "NEEDS-ACTION",
    Response.ACCEPTED: "ACCEPTED",
    Response.DECLINED: "DECLINED",
    Response.DELEGATED: "DELEGATED",
}
# The commune's secretariat relays a chase to its élus.
STAFF_FUNCTIONS = (Contact.Function.DGS, Contact.Function.SECRETAIRE)

# The state of an invitee's link.
OPEN, EXPIRED, CANCELLED = "open", "expired", "cancelled"

NOT_INVITABLE = {
    CANCELLED: _("La réunion est annulée : on ne peut plus y inviter."),
    EXPIRED: _("La réunion a commencé ou a eu lieu : il n'est plus temps d'y inviter."),
}
NOT_ANSWERABLE = {
    CANCELLED: _("La réunion est annulée : il n'y a plus de réponse à donner."),
    EXPIRED: _("La réunion a eu lieu : il n'est plus possible d'y répondre."),
}
# Timeline titles are records of the EPCI, kept in the portal's language (see timeline_record).
TITLES = {
    Response.ACCEPTED: _("Réunion « %(meeting)s » : %(name)s accepte l'invitation"),
    Response.DECLINED: _("Réunion « %(meeting)s » : %(name)s décline l'invitation"),
    Response.DELEGATED: _("Réunion « %(meeting)s » : %(name)s se fait remplacer par %(colleague)s"),
}


# --- helpers ---------------------------------------------------------------------------------


def function_label(code: str):
    """The function of an invitation's snapshot as people read it (lazy: translated where it
    is rendered); a text that is not a known code is shown as it is."""
    return dict(Contact.Function.choices).get(code, code)


def meeting_state(meeting: Meeting, now: datetime | None = None) -> str:
    """OPEN while invitations may be sent and answered, else EXPIRED or CANCELLED."""
    now = now or timezone.now()
    if meeting.status == Meeting.Status.CANCELLED:
        return CANCELLED
    if meeting.status == Meeting.Status.HELD or meeting.ends_at <= now:
        return EXPIRED
    return OPEN


def rsvp_state(invitation: Invitation, now: datetime | None = None) -> str:
    """Whether the invitee's links still work: until the meeting is over or cancelled."""
    return meeting_state(invitation.meeting, now)


def invitable_error(meeting: Meeting) -> str | None:
    """Why nobody may be invited to the meeting any more, or None."""
    state = meeting_state(meeting)
    # A meeting that has started is no longer worth an invitation.
    if state == OPEN and meeting.starts_at <= timezone.now():
        state = EXPIRED
    return None if state == OPEN else NOT_INVITABLE[state]


def _invitable(meeting: Meeting) -> None:
    error = invitable_error(meeting)
    if error is not None:
        raise ValidationError(error, code="not_invitable")


def _answerable(invitation: Invitation) -> None:
    state = rsvp_state(invitation)
    if state != OPEN:
        raise ValidationError(NOT_ANSWERABLE[state], code=state)


def _lock_meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("created_by", "epci", "host_commune")
        .get(pk=meeting.pk)
    )


def _lock_invitation(invitation: Invitation, meeting: Meeting) -> Invitation:
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("commune")
        .get(pk=invitation.pk, meeting=meeting)
    )
    locked.meeting = meeting
    return locked


RSVP_LINKS = (
    ("page", ""),
    ("accept", "_accept"),
    ("decline", "_decline"),
    ("delegate", "_delegate"),
    ("ics", "_ics"),
)


def rsvp_links(invitation: Invitation) -> dict[str, str]:
    """The invitee's signed links, absolute (they go out by e-mail)."""
    signed = invitation_signature(invitation)
    return {
        name: settings.SITE_URL + reverse(f"meetings:rsvp{suffix}", args=[signed])
        for name, suffix in RSVP_LINKS
    }


def rsvp_links_for_email(ref: str, email) -> dict[str, str]:
    """Link provider of the outbox: the invitee's links, made when the e-mail is sent, for
    as long as the invitation exists and goes to this address."""
    invitation = Invitation.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
    if invitation is None or invitation.email.strip().lower() != email.to.strip().lower():
        # Deleted, or its address corrected since: the links are not for this recipient.
        raise LinkUnavailable("The invitation no longer exists for this address.")
    return rsvp_links(invitation)


def meeting_location(meeting: Meeting) -> str:
    """Where, in one line: the room, the address, the host commune; or the video link."""
    address = ", ".join(line.strip() for line in meeting.address.splitlines() if line.strip())
    parts = [meeting.place, address]
    if meeting.host_commune and meeting.host_commune.name not in " ".join(parts):
        parts.append(meeting.host_commune.name)
    location = ", ".join(part for part in parts if part)
    return location or meeting.video_url


def organizer_of(meeting: Meeting) -> ical.Person:
    return ical.organizer(meeting.created_by)


def invitation_ics(
    invitation: Invitation, *, method: str = ical.REQUEST, links: dict | None = None
) -> bytes:
    """The invitee's own .ics: stable UID, current SEQUENCE, their answer as PARTSTAT.

    With `links={}` its description has no answer links: an .ics attached to an e-mail is
    kept in the outbox, where the invitee's links must never be.
    """
    meeting = invitation.meeting
    links = rsvp_links(invitation) if links is None else links
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        description = render_to_string(
            f"{TEMPLATES}/_ics_description.txt",
            {"meeting": meeting, "invitation": invitation, "links": links, "method": method},
        ).strip()
    return ical.ics_event(
        uid=ical.event_uid(meeting.uid),
        sequence=meeting.sequence,
        method=method,
        summary=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        organizer=organizer_of(meeting),
        attendee=ical.Person(name=invitation.name, email=invitation.email),
        partstat=PARTSTAT[invitation.response],
        description=description,
        location=meeting_location(meeting),
        url=meeting.video_url,
    )


def _write(
    invitation: Invitation,
    *,
    template: str,
    kind: str,
    method: str | None = ical.REQUEST,
    **context,
) -> OutgoingEmail:
    """One e-mail to one invitee, in their language, with their links (and .ics)."""
    meeting = invitation.meeting
    # Placeholders: the outbox makes the links when it sends (rsvp_links_for_email).
    links = link_placeholders(*(name for name, _suffix in RSVP_LINKS))
    attachments = []
    if method:
        attachments.append(
            ical.ics_attachment(
                invitation_ics(invitation, method=method, links={}),
                method=method,
                filename="annulation.ics" if method == ical.CANCEL else "invitation.ics",
            )
        )
    return email_queue(
        to=invitation.email,
        template=f"{TEMPLATES}/{template}",
        context={
            "invitation": invitation,
            "meeting": meeting,
            "links": links,
            "referent": meeting.created_by,
            "location": meeting_location(meeting),
            **context,
        },
        kind=kind,
        language=invitation.language,
        reply_to=meeting.created_by.email,
        attachments=attachments,
        secret_ref=invitation.pk,
    )


def _send_invitation(invitation: Invitation, *, template="invitation", kind=KIND_INVITATION, **ctx):
    """Send the invitation (or its update/cancellation) and note it on the row (unsaved)."""
    method = ical.CANCEL if kind == KIND_CANCEL else ical.REQUEST
    invitation.email_message = _write(
        invitation, template=template, kind=kind, method=method, **ctx
    )
    invitation.sent_sequence = invitation.meeting.sequence
    return invitation.email_message


def _record(invitation: Invitation, response: str, **params) -> None:
    if invitation.commune is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext(TITLES[response]) % {
            "meeting": invitation.meeting.title,
            "name": invitation.name,
            **params,
        }
    timeline_record(
        commune=invitation.commune, kind=TIMELINE_KIND, title=title, subject=invitation.meeting
    )


def _touch(invitation: Invitation, at: datetime) -> None:
    # An answer is an exchange with the person: their retention clock starts again (RGPD).
    if invitation.contact_id:
        contact_touch(contact=Contact(pk=invitation.contact_id), at=at)


def is_elected(invitation: Invitation) -> bool:
    if invitation.contact_id and invitation.contact is not None:
        return invitation.contact.is_elected
    return invitation.function in Contact.ELECTED_FUNCTIONS


def recipients_already_invited(meeting: Meeting, recipients: Iterable[Recipient]) -> set[int]:
    """The contacts (pks) of `recipients` already invited, by contact or by address."""
    rows = meeting.invitations.values_list("contact_id", "email")
    contacts = {contact_id for contact_id, _email in rows if contact_id}
    emails = {email.lower() for _contact_id, email in rows if email}
    return {
        r.contact.pk
        for r in recipients
        if r.contact.pk in contacts or r.contact.email.lower() in emails
    }


def recipients_unreachable(recipients: Iterable[Recipient]) -> set[int]:
    """The contacts (pks) whose address an e-mail cannot be sent to (typed wrong in the
    contacts, or imported): left aside rather than failing the whole sending."""
    unreachable = set()
    for recipient in recipients:
        try:
            validate_email(recipient.contact.email)
        except ValidationError:
            unreachable.add(recipient.contact.pk)
    return unreachable


# --- the referent's side ---------------------------------------------------------------------


@transaction.atomic
def invitations_send(
    *, meeting: Meeting, recipients: Iterable[Recipient], by: User
) -> list[Invitation]:
    """Invite the recipients not invited yet: one invitation and one e-mail each.

    A draft meeting becomes scheduled at its first sending. Raises ValidationError when the
    meeting is cancelled, has started or is over, or when nobody new is left to invite.
    """
    meeting = _lock_meeting(meeting)
    _invitable(meeting)
    recipients = list(recipients)
    skipped = recipients_already_invited(meeting, recipients) | recipients_unreachable(recipients)
    new, seen = [], set()
    for recipient in recipients:
        contact = recipient.contact
        if contact.epci_id != meeting.epci_id:
            raise ValidationError(_("On n'invite que des contacts de l'EPCI de la réunion."))
        key = contact.email.lower()
        if not key or contact.pk in skipped or key in seen:
            continue
        seen.add(key)
        new.append(
            Invitation(
                meeting=meeting,
                contact=contact,
                commune=recipient.commune,
                name=contact.full_name,
                email=contact.email,
                function=contact.function,
                language=contact.language,
                invited_by=by,
            )
        )
    if not new:
        raise ValidationError(
            _(
                "Personne de nouveau à inviter : les personnes choisies sont déjà invitées, "
                "ou leur adresse e-mail n'est pas valide."
            ),
            code="nobody_new",
        )
    if meeting.status == Meeting.Status.DRAFT:
        meeting.status = Meeting.Status.SCHEDULED
        meeting.save(update_fields=["status", "updated_at"])
    # The rows first: each e-mail names its invitation, whose links are made when it is sent.
    new = Invitation.objects.bulk_create(new)
    for invitation in new:
        _send_invitation(invitation)
    Invitation.objects.bulk_update(new, ["email_message", "sent_sequence"])
    return new


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User) -> OutgoingEmail:
    """Send the invitee their current invitation again, in a new e-mail (fresh links, .ics)."""
    meeting = _lock_meeting(invitation.meeting)
    invitation = _lock_invitation(invitation, meeting)
    _invitable(meeting)
    if invitation.response == Response.DELEGATED:
        raise ValidationError(
            _("%(name)s se fait remplacer : renvoyez plutôt l'invitation de son remplaçant.")
            % {"name": invitation.name},
            code="delegated",
        )
    if not invitation.email:
        raise ValidationError(
            _("%(name)s n'a pas d'adresse e-mail.") % {"name": invitation.name}, code="no_email"
        )
    email = _send_invitation(invitation)
    invitation.save(update_fields=["email_message", "sent_sequence", "updated_at"])
    return email


def _still_invited(meeting: Meeting):
    """Everyone who received an invitation e-mail and did not send a colleague instead."""
    return (
        meeting.invitations.exclude(email_message=None)
        .exclude(email="")
        .exclude(response=Response.DELEGATED)
        .select_related("commune", "email_message")
        .prefetch_related("email_message__attachments")
    )


def _previous_event(email: OutgoingEmail | None):
    """The VEVENT of the .ics the invitee last received, to tell them what changed."""
    if email is None:
        return None
    for attachment in email.attachments.all():
        if attachment.mimetype.startswith("text/calendar") and attachment.content:
            try:
                calendar = icalendar.Calendar.from_ical(bytes(attachment.content))
            except ValueError:
                return None
            return next(iter(calendar.walk("VEVENT")), None)
    return None


def _changes(meeting: Meeting, event) -> dict[str, dict]:
    """What differs between the invitee's last .ics and the meeting now: when, where, video,
    title. Each entry has `before` and `after`."""
    if event is None:
        return {}
    changes = {}
    before_start, before_end = event.decoded("dtstart"), event.decoded("dtend")
    if (before_start, before_end) != (meeting.starts_at, meeting.ends_at):
        changes["when"] = {
            "before": {"starts_at": before_start, "ends_at": before_end},
            "after": {"starts_at": meeting.starts_at, "ends_at": meeting.ends_at},
        }
    for key, prop, now in (
        ("where", "location", meeting_location(meeting)),
        ("video", "url", meeting.video_url),
        ("title", "summary", meeting.title),
    ):
        before = str(event.get(prop, ""))
        if before != now:
            changes[key] = {"before": before, "after": now}
    return changes


def invitations_send_update(*, meeting: Meeting, by: User) -> int:
    """The date, time or place changed (meeting_update raised SEQUENCE): everyone still
    invited receives the updated invitation, same UID, saying what changed. Runs in the
    caller's transaction; returns how many e-mails."""
    invitations = list(_still_invited(meeting))
    for invitation in invitations:
        invitation.meeting = meeting
        changes = _changes(meeting, _previous_event(invitation.email_message))
        _send_invitation(invitation, template="update", kind=KIND_UPDATE, changes=changes)
    Invitation.objects.bulk_update(invitations, ["email_message", "sent_sequence"])
    _forget_reminders_of_an_earlier_date(meeting)
    return len(invitations)


def _forget_reminders_of_an_earlier_date(meeting: Meeting) -> None:
    """A reminder is recorded once due; one recorded but not due for the meeting's date now
    was for an earlier date (the meeting moved later): it goes again, counted from the new
    date. Moved earlier, what was sent stays sent."""
    now = timezone.now()
    stale = [
        reminder.pk
        for reminder in InvitationReminder.objects.filter(invitation__meeting=meeting)
        if due_at(meeting, reminder.days_before) > now
    ]
    if stale:
        InvitationReminder.objects.filter(pk__in=stale).delete()


def invitations_send_cancel(*, meeting: Meeting, by: User) -> int:
    """The meeting is cancelled: everyone still invited receives a METHOD:CANCEL, with the
    reason. Runs in the caller's transaction; returns how many e-mails."""
    invitations = list(_still_invited(meeting))
    for invitation in invitations:
        invitation.meeting = meeting
        _send_invitation(
            invitation, template="cancellation", kind=KIND_CANCEL, reason=meeting.cancel_reason
        )
    Invitation.objects.bulk_update(invitations, ["email_message", "sent_sequence"])
    return len(invitations)


# --- the invitee's side ----------------------------------------------------------------------


@transaction.atomic
def invitation_respond(*, invitation: Invitation, response: str) -> bool:
    """Accept or decline. The same answer again changes nothing: returns whether it changed.

    Raises ValidationError when the meeting is over or cancelled, when the invitee already
    sent a colleague instead, or when accepting a meeting that is full.
    """
    if response not in (Response.ACCEPTED, Response.DECLINED):
        raise ValueError(response)
    meeting = _lock_meeting(invitation.meeting)
    invitation = _lock_invitation(invitation, meeting)
    _answerable(invitation)
    if invitation.response == response:
        return False
    if invitation.response == Response.DELEGATED:
        colleague = invitation.substitutes.order_by("pk").first()
        raise ValidationError(
            _(
                "Vous avez désigné %(name)s pour vous remplacer. Pour changer, répondez au "
                "courriel d'invitation : votre référent s'en occupe."
            )
            % {"name": colleague.name if colleague else "?"},
            code="delegated",
        )
    if response == Response.ACCEPTED and meeting.capacity:
        taken = meeting.invitations.filter(response=Response.ACCEPTED).count()
        if taken >= meeting.capacity:
            raise ValidationError(
                _(
                    "La réunion est complète. Répondez au courriel d'invitation : votre "
                    "référent vous dira si une place se libère."
                ),
                code="full",
            )
    now = timezone.now()
    invitation.response = response
    invitation.responded_at = now
    invitation.save(update_fields=["response", "responded_at", "updated_at"])
    _touch(invitation, now)
    _record(invitation, response)
    return True


@dataclass(frozen=True)
class Delegation:
    colleague: Invitation
    created: bool


@transaction.atomic
def invitation_delegate(
    *, invitation: Invitation, name: str, email: str, function: str = ""
) -> Delegation:
    """Send a colleague instead: the colleague gets an invitation of their own (same commune)
    and its e-mail, the invitee's answer becomes « se fait remplacer », the referent is told.
    Naming the same colleague again changes nothing (created=False)."""
    meeting = _lock_meeting(invitation.meeting)
    invitation = _lock_invitation(invitation, meeting)
    _answerable(invitation)
    name, email = " ".join(name.split()), email.strip()
    current = invitation.substitutes.order_by("pk").first()
    if invitation.response == Response.DELEGATED:
        if current is not None and current.email.lower() == email.lower():
            return Delegation(colleague=current, created=False)
        raise ValidationError(
            _(
                "Vous avez déjà désigné %(name)s pour vous remplacer. Pour changer, répondez "
                "au courriel d'invitation : votre référent s'en occupe."
            )
            % {"name": current.name if current else "?"},
            code="delegated",
        )
    if email.lower() == invitation.email.lower():
        raise ValidationError(
            {"email": _("Indiquez l'adresse de la personne qui vous remplace, pas la vôtre.")}
        )
    contact = reachable_contacts(meeting.epci).filter(email__iexact=email).first()
    if meeting.invitations.filter(email__iexact=email).exists() or (
        contact is not None and meeting.invitations.filter(contact=contact).exists()
    ):
        raise ValidationError(
            {"email": _("Cette personne est déjà invitée : elle a reçu sa propre invitation.")}
        )
    colleague = Invitation(
        meeting=meeting,
        contact=contact,
        commune=invitation.commune,
        name=name,
        email=email,
        function=function or (contact.function if contact else ""),
        language=contact.language if contact else invitation.language,
        delegated_from=invitation,
    )
    colleague.full_clean(exclude=["email_message"])
    colleague.save()
    _send_invitation(colleague)
    colleague.save(update_fields=["email_message", "sent_sequence", "updated_at"])
    now = timezone.now()
    invitation.response = Response.DELEGATED
    invitation.responded_at = now
    invitation.save(update_fields=["response", "responded_at", "updated_at"])
    _touch(invitation, now)
    _record(invitation, Response.DELEGATED, colleague=colleague.name)
    _notify_referents(meeting, invitation=invitation, colleague=colleague)
    return Delegation(colleague=colleague, created=True)


def _notify_referents(meeting: Meeting, *, invitation: Invitation, colleague: Invitation) -> None:
    organizer = meeting.created_by
    if organizer.is_active and organizer.email:
        referents = [organizer]
    else:
        referents = list(referents_to_notify(meeting.epci_id))
    for referent in referents:
        email_queue(
            to=referent.email,
            template=f"{TEMPLATES}/delegated",
            context={
                "meeting": meeting,
                "invitation": invitation,
                "colleague": colleague,
                "referent": referent,
                "meeting_url": settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk]),
            },
            kind=KIND_DELEGATED,
            language=referent.language,
        )


# --- reminders and chases --------------------------------------------------------------------


def due_at(meeting: Meeting, days: int) -> datetime:
    """`days` calendar days before the start, at the same time of day in the portal's zone."""
    # Arithmetic on a zoneinfo datetime is wall-clock: a DST change in between is absorbed.
    return timezone.localtime(meeting.starts_at) - timedelta(days=days)


def _reminder_due(invitation: Invitation, meeting: Meeting, now: datetime) -> int | None:
    """The reminder an invitee who accepted is due now (the nearest to the meeting), if any."""
    since = max(filter(None, (invitation.created_at, invitation.responded_at)))
    due = [
        days
        for days in meeting.reminder_days or ()
        if isinstance(days, int)
        and days > 0
        and due_at(meeting, days) <= now
        # Invited or answered after the reminder was due: it would say nothing new.
        and since <= due_at(meeting, days)
    ]
    return min(due) if due else None


def _chase_due(invitation: Invitation, meeting: Meeting, now: datetime) -> bool:
    days = meeting.chase_days
    if not days:
        return False
    moment = due_at(meeting, days)
    return moment <= now and invitation.created_at <= moment


def _staff_of(commune_ids: set[int]) -> dict[int, list[Contact]]:
    """The DGS and secrétaires de mairie who can be written to, by commune."""
    staff: dict[int, list[Contact]] = {}
    contacts = (
        Contact.objects.filter(
            communes__in=commune_ids,
            function__in=STAFF_FUNCTIONS,
            is_active=True,
            anonymised_at__isnull=True,
        )
        .exclude(email="")
        .order_by("last_name", "first_name", "pk")
    )
    for commune_id, pk in contacts.values_list("communes", "pk"):
        staff.setdefault(commune_id, []).append(pk)
    people = Contact.objects.in_bulk({pk for pks in staff.values() for pk in pks})
    return {commune_id: [people[pk] for pk in pks] for commune_id, pks in staff.items()}


@transaction.atomic
def _remind_meeting(meeting_id: int, *, now: datetime) -> int:
    meeting = (
        Meeting.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("created_by", "epci", "host_commune")
        .filter(pk=meeting_id, status=Meeting.Status.SCHEDULED, starts_at__gt=now)
        .first()
    )
    if meeting is None:
        return 0  # cancelled or started meanwhile, or another worker is on it
    invitations = list(
        meeting.invitations.filter(
            walk_in=False, response__in=(Response.ACCEPTED, Response.PENDING)
        )
        .exclude(email="")
        .select_related("commune", "contact")
        .prefetch_related("reminders")
    )
    sent = 0
    done: list[InvitationReminder] = []
    unanswered_elected: dict[Commune, list[Invitation]] = {}
    for invitation in invitations:
        invitation.meeting = meeting
        already = {(r.kind, r.days_before) for r in invitation.reminders.all()}
        Kind = InvitationReminder.Kind
        if invitation.response == Response.ACCEPTED:
            days = _reminder_due(invitation, meeting, now)
            if days is not None and (Kind.REMINDER, days) not in already:
                email = _write(
                    invitation, template="reminder", kind=KIND_REMINDER, method=None, days=days
                )
                done.append(
                    InvitationReminder(
                        invitation=invitation,
                        kind=Kind.REMINDER,
                        days_before=days,
                        email_message=email,
                    )
                )
                sent += 1
        elif _chase_due(invitation, meeting, now):
            days = meeting.chase_days
            if (Kind.CHASE, days) not in already:
                email = _write(invitation, template="chase", kind=KIND_CHASE, method=None)
                done.append(
                    InvitationReminder(
                        invitation=invitation,
                        kind=Kind.CHASE,
                        days_before=days,
                        email_message=email,
                    )
                )
                sent += 1
            if (
                meeting.chase_staff
                and invitation.commune is not None
                and is_elected(invitation)
                and (Kind.CHASE_STAFF, days) not in already
            ):
                unanswered_elected.setdefault(invitation.commune, []).append(invitation)
    if unanswered_elected:
        staff = _staff_of({commune.pk for commune in unanswered_elected})
        for commune, elected in unanswered_elected.items():
            first = None
            for contact in staff.get(commune.pk, []):
                email = email_queue(
                    to=contact.email,
                    template=f"{TEMPLATES}/chase_staff",
                    context={
                        "contact": contact,
                        "commune": commune,
                        "meeting": meeting,
                        "elected": [
                            {"name": person.name, "function": function_label(person.function)}
                            for person in elected
                        ],
                        "referent": meeting.created_by,
                        "location": meeting_location(meeting),
                    },
                    kind=KIND_CHASE_STAFF,
                    language=contact.language,
                    reply_to=meeting.created_by.email,
                )
                first = first or email
                sent += 1
            if first is None:
                continue  # nobody to relay in this commune (yet): tried again next round
            done.extend(
                InvitationReminder(
                    invitation=invitation,
                    kind=InvitationReminder.Kind.CHASE_STAFF,
                    days_before=meeting.chase_days,
                    email_message=first,
                )
                for invitation in elected
            )
    InvitationReminder.objects.bulk_create(done)
    return sent


def invitations_send_reminders(*, now: datetime | None = None) -> int:
    """The hourly round: reminders to those who accepted, chases of those who have not
    answered (and of their commune's secretariat for an élu). Each goes once; each meeting is
    its own transaction. Returns how many e-mails."""
    now = now or timezone.now()
    meeting_ids = list(
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now).values_list(
            "pk", flat=True
        )
    )
    return sum(_remind_meeting(meeting_id, now=now) for meeting_id in meeting_ids)

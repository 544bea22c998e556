"""Every write of the attendance and the follow-up of a meeting.

- On the day: `attendance_mark` (present / absent) and `attendance_add_walk_in`; the first
  check-in marks the meeting held. Not before the meeting's day, never on a cancelled meeting.
- After: `minutes_save` and `minutes_send` (one e-mail per invitee with an address, the
  documents attached, through the outbox, in the invitee's language; each commune's timeline
  says how many of its people came), `follow_up_add`, and a follow-up becomes a request of
  its commune (`follow_up_to_request`) or a suggestion to it (`follow_up_to_suggestion`),
  once.
"""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Service
from communes.suggestions.models import Suggestion
from communes.suggestions.services import suggestion_create
from communes.timeline.services import timeline_record
from referent_portal.accounts.models import User
from referent_portal.outbox.services import Attachment, email_queue
from referent_portal.uploads.types import content_type_for
from requests_relay.models import Request
from requests_relay.services import next_reference

from ..models import FollowUp, Invitation, Meeting
from ..services import TIMELINE_KIND, meeting_mark_held
from .selectors import checkin_closed_reason, meeting_rates, minutes_recipients

MINUTES_EMAIL = "meetings/attendance/email/minutes"
MINUTES_KIND = "meetings.minutes"

CHECKIN_ERRORS = {
    "cancelled": _("La réunion est annulée : il n'y a pas d'émargement."),
    "too_early": _(
        "L'émargement ouvre le jour de la réunion, le %(day)s. Vous pouvez déjà imprimer la "
        "feuille d'émargement."
    ),
}


def _check_referent(meeting: Meeting, by: User) -> None:
    own = by.is_referent and by.epci_id == meeting.epci_id
    if not (own or by.is_superuser or by.is_syndicat):
        raise ValidationError(
            _("Seul le référent de l'EPCI de la réunion peut faire cela."), code="forbidden"
        )


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("epci").get(pk=meeting.pk)


def check_checkin_open(meeting: Meeting) -> None:
    reason = checkin_closed_reason(meeting)
    if reason is None:
        return
    day = formats.date_format(timezone.localdate(meeting.starts_at), "DATE_FORMAT")
    raise ValidationError(CHECKIN_ERRORS[reason], code=reason, params={"day": day})


def _check_commune(meeting: Meeting, commune: Commune | None) -> None:
    if commune is not None and commune.epci_id != meeting.epci_id:
        raise ValidationError(
            {"commune": _("Choisissez une commune de l'EPCI de la réunion.")}, code="commune"
        )


# --- on the day ----------------------------------------------------------------------------


@transaction.atomic
def attendance_mark(*, invitation: Invitation, attended: bool, by: User) -> Invitation:
    """Mark one person present or absent; the first mark makes the meeting held."""
    meeting = _locked_meeting(invitation.meeting)
    _check_referent(meeting, by)
    check_checkin_open(meeting)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, meeting=meeting)
    invitation.attended = attended
    invitation.checked_in_at = timezone.now() if attended else None
    invitation.save(update_fields=["attended", "checked_in_at", "updated_at"])
    meeting_mark_held(meeting=meeting)
    return invitation


@transaction.atomic
def attendance_add_walk_in(
    *,
    meeting: Meeting,
    by: User,
    name: str,
    commune: Commune | None = None,
    function: str = "",
    email: str = "",
) -> Invitation:
    """Someone came without an invitation: they are on the list, present."""
    meeting = _locked_meeting(meeting)
    _check_referent(meeting, by)
    check_checkin_open(meeting)
    _check_commune(meeting, commune)
    email = email.strip()
    if email:
        known = meeting.invitations.filter(email__iexact=email).select_related("commune").first()
        if known is not None:
            raise ValidationError(
                {
                    "email": _(
                        "%(name)s est déjà sur la liste avec cette adresse : pointez cette "
                        "personne présente dans la liste."
                    )
                    % {"name": known.name}
                },
                code="already_invited",
            )
    invitation = Invitation(
        meeting=meeting,
        commune=commune,
        name=" ".join(name.split()),
        function=function.strip(),
        email=email,
        language=settings.LANGUAGE_CODE,
        walk_in=True,
        attended=True,
        checked_in_at=timezone.now(),
        invited_by=by,
    )
    invitation.full_clean()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:  # the same address added at the same instant
        raise ValidationError(
            {"email": _("Cette personne est déjà sur la liste.")}, code="already_invited"
        ) from exc
    meeting_mark_held(meeting=meeting)
    return invitation


# --- the minutes ---------------------------------------------------------------------------


def _check_may_follow_up(meeting: Meeting) -> Meeting:
    """Minutes and follow-ups are for a meeting that took place. A meeting whose start has
    passed without check-in becomes held when the referent writes them."""
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("La réunion est annulée."), code="cancelled")
    if meeting.status != Meeting.Status.HELD:
        if meeting.starts_at > timezone.now():
            raise ValidationError(
                _(
                    "La réunion n'a pas encore eu lieu : le compte rendu et les suites viennent "
                    "après."
                ),
                code="not_held",
            )
        meeting_mark_held(meeting=meeting)
    return meeting


@transaction.atomic
def minutes_save(*, meeting: Meeting, by: User, minutes: str) -> Meeting:
    meeting = _locked_meeting(meeting)
    _check_referent(meeting, by)
    _check_may_follow_up(meeting)
    meeting.minutes = minutes.strip()
    meeting.save(update_fields=["minutes", "updated_at"])
    return meeting


def _attachment_name(document) -> str:
    """« Programme de la réunion.pdf »: the title the referent gave, the extension of the
    file as uploaded (the stored name has none: meetings/<uuid hex>)."""
    uploaded = document.filename or document.file.name.rsplit("/", 1)[-1]
    extension = os.path.splitext(uploaded)[1].lower()
    title = get_valid_filename(document.title.replace("/", "-").strip()) if document.title else ""
    return f"{title.replace('_', ' ')}{extension}" if title else uploaded


def _document_attachments(meeting: Meeting) -> list[Attachment]:
    """The meeting's documents, each stored once and named by every e-mail (80 invitees do
    not make 80 copies); checked to be there before anything is queued."""
    attachments = []
    for document in meeting.documents.all():
        try:
            if not document.file.storage.exists(document.file.name):
                raise FileNotFoundError(document.file.name)
        except (FileNotFoundError, OSError) as exc:
            raise ValidationError(
                _(
                    "Le document « %(title)s » n'est plus disponible : déposez-le à nouveau "
                    "avant d'envoyer le compte rendu."
                ),
                code="document_missing",
                params={"title": document.title},
            ) from exc
        attachments.append(
            Attachment(
                filename=_attachment_name(document),
                mimetype=content_type_for(document.filename),
                storage_name=document.file.name,
            )
        )
    return attachments


def _record_on_timelines(meeting: Meeting, by: User) -> None:
    """« Réunion X : 3 présents sur 5 invités » on the timeline of every commune invited."""
    with translation.override(settings.LANGUAGE_CODE):
        for row in meeting_rates(meeting):
            if row.commune is None:
                continue
            if row.invited:
                present = ngettext("%(n)s présent", "%(n)s présents", row.present) % {
                    "n": row.present
                }
                invited = ngettext("%(n)s invité", "%(n)s invités", row.invited) % {
                    "n": row.invited
                }
                outcome = gettext("%(present)s sur %(invited)s") % {
                    "present": present,
                    "invited": invited,
                }
            else:  # not invited, and someone came all the same
                outcome = ngettext(
                    "%(n)s présent, venu sans invitation",
                    "%(n)s présents, venus sans invitation",
                    row.present,
                ) % {"n": row.present}
            timeline_record(
                commune=Commune(pk=row.commune),
                kind=TIMELINE_KIND,
                title=gettext("Réunion « %(title)s » : %(outcome)s")
                % {"title": meeting.title, "outcome": outcome},
                actor=by,
                subject=meeting,
            )


def sent_mark(meeting: Meeting) -> str:
    """When the minutes were last sent, as the confirmation page saw it."""
    return meeting.minutes_sent_at.isoformat() if meeting.minutes_sent_at else ""


@transaction.atomic
def minutes_send(*, meeting: Meeting, by: User, seen: str | None = None) -> int:
    """E-mail the minutes and the documents to every invitee with an address (see
    `minutes_recipients`); returns how many e-mails were queued. Sending again is allowed
    (after an edit): everyone receives the new version; the timelines are written once.

    `seen` is `sent_mark` as the confirmation page showed it: a second click, or a second tab,
    finds the minutes sent since and sends nothing."""
    meeting = _locked_meeting(meeting)
    _check_referent(meeting, by)
    if seen is not None and seen != sent_mark(meeting):
        raise ValidationError(
            _(
                "Le compte rendu vient d'être envoyé : rien n'est renvoyé. Relisez la page "
                "avant de l'envoyer à nouveau."
            ),
            code="sent_meanwhile",
        )
    if meeting.status != Meeting.Status.HELD:
        raise ValidationError(
            _("Le compte rendu s'envoie une fois la réunion tenue."), code="not_held"
        )
    if not meeting.minutes.strip():
        raise ValidationError(
            _("Le compte rendu est vide : rédigez-le avant de l'envoyer."), code="empty"
        )
    recipients = minutes_recipients(meeting)
    if not recipients:
        raise ValidationError(
            _("Aucun invité n'a d'adresse e-mail : il n'y a personne à qui l'envoyer."),
            code="nobody",
        )
    attachments = _document_attachments(meeting)
    documents = list(meeting.documents.all())
    first_time = meeting.minutes_sent_at is None
    for invitation in recipients:
        email_queue(
            to=invitation.email,
            template=MINUTES_EMAIL,
            context={
                "meeting": meeting,
                "invitation": invitation,
                "documents": documents,
                "referent": by,
                "resent": not first_time,
            },
            kind=MINUTES_KIND,
            language=invitation.language,
            reply_to=by.email,
            attachments=attachments,
        )
    meeting.minutes_sent_at = timezone.now()
    meeting.save(update_fields=["minutes_sent_at", "updated_at"])
    if first_time:
        _record_on_timelines(meeting, by)
    return len(recipients)


# --- follow-ups ----------------------------------------------------------------------------


@transaction.atomic
def follow_up_add(
    *, meeting: Meeting, by: User, text: str, commune: Commune | None = None
) -> FollowUp:
    meeting = _locked_meeting(meeting)
    _check_referent(meeting, by)
    _check_may_follow_up(meeting)
    _check_commune(meeting, commune)
    follow_up = FollowUp(meeting=meeting, commune=commune, text=text.strip(), created_by=by)
    follow_up.full_clean()
    follow_up.save()
    return follow_up


def _locked_follow_up(follow_up: FollowUp, by: User, commune: Commune | None) -> FollowUp:
    # No select_related: PostgreSQL locks no row on the nullable side of a join.
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    meeting = Meeting.objects.select_related("epci").get(pk=follow_up.meeting_id)
    _check_referent(meeting, by)
    if follow_up.request_id or follow_up.suggestion_id:
        raise ValidationError(
            _("Cette suite a déjà donné lieu à une demande ou à une suggestion."),
            code="already_converted",
        )
    if follow_up.commune_id is None:
        if commune is None:
            raise ValidationError(
                {"commune": _("Choisissez la commune concernée.")}, code="commune"
            )
        _check_commune(meeting, commune)
        follow_up.commune = commune
    follow_up.meeting = meeting
    return follow_up


def origin_line(meeting: Meeting) -> str:
    """The line that says a request comes from a meeting, in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(
            "Demande enregistrée par le référent à la suite de la réunion « %(title)s » du %(day)s."
        ) % {
            "title": meeting.title,
            "day": formats.date_format(timezone.localdate(meeting.starts_at), "SHORT_DATE_FORMAT"),
        }


@transaction.atomic
def follow_up_to_request(
    *,
    follow_up: FollowUp,
    by: User,
    category: str,
    subject: str,
    description: str,
    service: Service | None = None,
    training_module=None,
    commune: Commune | None = None,
) -> Request:
    """The follow-up becomes a request of its commune, filed by the referent on its behalf.

    Written here rather than through `request_submit` (which would e-mail the referent an
    acknowledgement of their own request), with the same reference counter and checks.
    """
    follow_up = _locked_follow_up(follow_up, by, commune)
    request = Request(
        commune=follow_up.commune,
        submitted_by=by,
        category=category,
        subject=subject.strip(),
        description=f"{description.strip()}\n\n{origin_line(follow_up.meeting)}",
        service=service,
        training_module=training_module if category == "training" else None,
        reference="pending",
    )
    request.full_clean(exclude=["reference"])
    request.reference = next_reference("DEM")
    request.save()
    follow_up.request = request
    follow_up.save(update_fields=["commune", "request", "updated_at"])
    return request


@transaction.atomic
def follow_up_to_suggestion(
    *,
    follow_up: FollowUp,
    by: User,
    title: str,
    body: str,
    service: Service | None = None,
    commune: Commune | None = None,
) -> Suggestion:
    """The follow-up becomes a suggestion to its commune, sent at once (communes/suggestions)."""
    follow_up = _locked_follow_up(follow_up, by, commune)
    suggestion = suggestion_create(
        by=by, commune=follow_up.commune, title=title, body=body, service=service
    )
    follow_up.suggestion = suggestion
    follow_up.save(update_fields=["commune", "suggestion", "updated_at"])
    return suggestion

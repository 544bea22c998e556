"""Every write of the collective membership drives.

A drive's life: the referent creates it (draft, one « invitée » commitment per targeted
commune), opens it (the communes' contacts are e-mailed), the communes answer (from the agent
space, or the referent records what a maire said on the phone), silent communes are reminded
before the deadline, and the referent closes it: the committed communes become one dossier
relayed to the syndicat mixte. When the syndicat mixte resolves that dossier, each committed
commune's adoption of the service moves to « charte signée ».
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.adoption.models import Adoption, AdoptionEvent
from communes.contacts.services import contact_touch_user
from communes.models import Commune, Contact, Service
from communes.selectors import communes_visible_to
from communes.timeline.services import timeline_record
from referent_portal.accounts.models import User
from referent_portal.outbox.services import email_queue
from requests_relay.models import Category, Dossier, Request
from requests_relay.services import dossier_create, dossier_relay, next_reference

from .models import Commitment, Drive
from .selectors import drive_recipients

TIMELINE_KIND = "drive"
Answer = Commitment.Status

# Where a commune's answer may go from where it stands. Nobody goes back to « invitée »; a
# commune that declined may reconsider; a committed one may still withdraw before the close.
# The same status again updates the date or the comment (a deliberation moved to next month).
TRANSITIONS = {
    Answer.INVITED: {Answer.INTERESTED, Answer.DELIBERATION, Answer.COMMITTED, Answer.DECLINED},
    Answer.INTERESTED: {
        Answer.INTERESTED,
        Answer.DELIBERATION,
        Answer.COMMITTED,
        Answer.DECLINED,
    },
    Answer.DELIBERATION: {Answer.DELIBERATION, Answer.COMMITTED, Answer.DECLINED},
    Answer.COMMITTED: {Answer.COMMITTED, Answer.DECLINED},
    Answer.DECLINED: {Answer.DECLINED, Answer.INTERESTED, Answer.DELIBERATION, Answer.COMMITTED},
}

# Adoption statuses the syndicat mixte's confirmation does not touch: already there or further.
ADOPTED_ALREADY = (
    Adoption.Status.CHARTER_SIGNED,
    Adoption.Status.DEPLOYING,
    Adoption.Status.ACTIVE,
)

# Timeline titles are records of the EPCI, kept in the portal's language (see timeline_record).
TITLES = {
    "invited": _("Invitée à la démarche « %(drive)s » (%(service)s)"),
    "answered": _("Démarche « %(drive)s » : %(answer)s"),
    "reminded": _("Relance pour la démarche « %(drive)s » : réponse attendue le %(deadline)s"),
    "relayed": _("Engagement dans la démarche « %(drive)s » transmis au syndicat mixte (%(ref)s)"),
    "not_relayed": _("Démarche « %(drive)s » close sans engagement de la commune (%(answer)s)"),
    "cancelled": _("Démarche « %(drive)s » abandonnée"),
}
CONFIRMATION_REASON = _(
    "Adhésion collective « %(drive)s » confirmée par le syndicat mixte (dossier %(ref)s)"
)
STATE_ERRORS = {
    Drive.Status.DRAFT: _("La démarche n'est pas encore lancée."),
    Drive.Status.OPEN: _("La démarche est déjà lancée."),
    Drive.Status.CLOSED: _("La démarche est close : les réponses des communes sont figées."),
    Drive.Status.CANCELLED: _("La démarche est abandonnée."),
}


# --- helpers ---------------------------------------------------------------------------------


def _record(commune: Commune, key: str, *, drive: Drive, actor=None, detail="", **params):
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext(TITLES[key]) % {
            "drive": drive.title,
            "service": drive.service.name,
            **{name: str(value) for name, value in params.items()},
        }
    timeline_record(
        commune=commune, kind=TIMELINE_KIND, title=title, detail=detail, actor=actor, subject=drive
    )


def _check_referent(drive: Drive, by: User) -> None:
    if not (by.is_referent and by.epci_id == drive.epci_id):
        raise ValidationError(_("Seul un référent de l'EPCI conduit ses démarches."))


def _check_state(drive: Drive, *allowed: str) -> None:
    if drive.status not in allowed:
        raise ValidationError(STATE_ERRORS[drive.status], code=f"drive_{drive.status}")


def _lock(drive: Drive) -> Drive:
    return (
        Drive.objects.select_for_update(of=("self",))
        .select_related("service", "created_by")
        .get(pk=drive.pk)
    )


def _write_to(
    recipients: dict[Contact, list[Commune]], *, drive: Drive, template: str, kind: str, **context
) -> int:
    """One e-mail per contact, in their language, listing the communes it is about."""
    for contact, communes in recipients.items():
        email_queue(
            to=contact.email,
            template=f"communes/drives/email/{template}",
            context={
                "contact": contact,
                "drive": drive,
                "communes": communes,
                "referent": drive.created_by,
                **context,
            },
            kind=kind,
            language=contact.language,
            reply_to=drive.created_by.email,
        )
    return len(recipients)


# --- the referent's side ---------------------------------------------------------------------


@transaction.atomic
def drive_create(
    *,
    by: User,
    service: Service,
    title: str,
    message: str,
    deadline: date,
    communes,
) -> Drive:
    """A draft drive for the referent's EPCI: each targeted commune is « invitée »."""
    if not by.is_referent:
        raise ValidationError(_("Seul un référent lance une démarche d'adhésion collective."))
    targeted = {commune.pk: commune for commune in communes}
    if not targeted:
        raise ValidationError({"communes": _("Choisissez au moins une commune.")})
    if any(commune.epci_id != by.epci_id for commune in targeted.values()):
        raise ValidationError({"communes": _("Une démarche s'adresse aux communes de votre EPCI.")})
    if not service.is_active:
        raise ValidationError(
            {"service": _("Ce service n'est plus proposé par le syndicat mixte.")}
        )
    if deadline <= timezone.localdate():
        raise ValidationError(
            {"deadline": _("La date limite de réponse doit être postérieure à aujourd'hui.")}
        )
    drive = Drive(
        epci_id=by.epci_id,
        service=service,
        title=title.strip(),
        message=message.strip(),
        deadline=deadline,
        created_by=by,
    )
    drive.full_clean()
    drive.save()
    Commitment.objects.bulk_create(
        Commitment(drive=drive, commune=commune) for commune in targeted.values()
    )
    return drive


@transaction.atomic
def drive_open(*, drive: Drive, by: User) -> Drive:
    """Launch a draft: every targeted commune's contacts get the invitation by e-mail."""
    drive = _lock(drive)
    _check_referent(drive, by)
    _check_state(drive, Drive.Status.DRAFT)
    if drive.deadline <= timezone.localdate():
        raise ValidationError(
            _("La date limite de réponse est passée : créez une nouvelle démarche."),
            code="deadline_passed",
        )
    drive.status = Drive.Status.OPEN
    drive.opened_at = timezone.now()
    drive.save(update_fields=["status", "opened_at", "updated_at"])
    _write_to(drive_recipients(drive), drive=drive, template="invitation", kind="drives.invitation")
    for commitment in drive.commitments.select_related("commune"):
        _record(commitment.commune, "invited", drive=drive, actor=by, detail=drive.message)
    return drive


@transaction.atomic
def drive_cancel(*, drive: Drive, by: User, reason: str = "") -> Drive:
    """Give up a drive. If the communes were invited, they are told so."""
    drive = _lock(drive)
    _check_referent(drive, by)
    _check_state(drive, Drive.Status.DRAFT, Drive.Status.OPEN)
    was_open = drive.status == Drive.Status.OPEN
    drive.status = Drive.Status.CANCELLED
    drive.save(update_fields=["status", "updated_at"])
    if was_open:
        _write_to(
            drive_recipients(drive),
            drive=drive,
            template="cancellation",
            kind="drives.cancellation",
            reason=reason.strip(),
        )
        for commitment in drive.commitments.select_related("commune"):
            _record(commitment.commune, "cancelled", drive=drive, actor=by, detail=reason.strip())
    return drive


def _request_description(drive: Drive, commitment: Commitment) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            gettext(
                "Engagement de la commune dans la démarche d'adhésion collective « %(drive)s »."
            )
            % {"drive": drive.title},
        ]
        if commitment.deliberation_date:
            lines.append(
                gettext("Délibération du conseil municipal : %(date)s.")
                % {"date": commitment.deliberation_date.strftime("%d/%m/%Y")}
            )
        if commitment.comment:
            lines.append(
                gettext("Commentaire de la commune : %(comment)s") % {"comment": commitment.comment}
            )
        lines += [
            "",
            gettext("Message de la démarche, adressé aux communes par le référent :"),
            drive.message,
        ]
    return "\n".join(lines)


@transaction.atomic
def drive_close(*, drive: Drive, by: User, summary: str, arguments: str = "") -> Dossier:
    """Close the drive: the committed communes become ONE dossier relayed to the syndicat mixte.

    Each committed commune gets a membership request, submitted on its behalf by the referent.
    They are written here rather than through `request_submit`, which would e-mail the referent
    an acknowledgement and a « new request » notice for every commune of the drive.
    """
    drive = _lock(drive)
    _check_referent(drive, by)
    _check_state(drive, Drive.Status.OPEN)
    if not summary.strip():
        raise ValidationError({"summary": _("Rédigez la synthèse transmise au syndicat mixte.")})
    commitments = list(drive.commitments.select_for_update(of=("self",)).select_related("commune"))
    committed = [c for c in commitments if c.status == Answer.COMMITTED]
    if not committed:
        raise ValidationError(
            _(
                "Aucune commune n'est engagée : il n'y a rien à transmettre au syndicat mixte. "
                "Attendez les engagements, ou abandonnez la démarche."
            ),
            code="nothing_committed",
        )
    requests = []
    for commitment in committed:
        request = Request(
            commune=commitment.commune,
            submitted_by=by,
            category=Category.MEMBERSHIP,
            service=drive.service,
            subject=drive.title[:200],
            description=_request_description(drive, commitment),
            reference="pending",
        )
        request.full_clean(exclude=["reference"])
        request.reference = next_reference("DEM")
        request.save()
        requests.append(request)
    dossier = dossier_create(
        requests=requests,
        by=by,
        title=drive.title,
        summary=summary.strip(),
        arguments=arguments.strip(),
    )
    dossier = dossier_relay(dossier=dossier, by=by)
    drive.status = Drive.Status.CLOSED
    drive.closed_at = timezone.now()
    drive.dossier = dossier
    drive.save(update_fields=["status", "closed_at", "dossier", "updated_at"])
    for commitment in commitments:
        if commitment.status == Answer.COMMITTED:
            _record(commitment.commune, "relayed", drive=drive, actor=by, ref=dossier.reference)
        else:
            _record(
                commitment.commune,
                "not_relayed",
                drive=drive,
                actor=by,
                answer=commitment.get_status_display(),
            )
    return dossier


# --- the communes' answers -------------------------------------------------------------------


def may_answer(user: User, commitment: Commitment) -> bool:
    """The referent of the drive's EPCI, or an agent serving the commune."""
    if user.is_referent:
        return user.epci_id == commitment.drive.epci_id
    if user.is_agent:
        return communes_visible_to(user).filter(pk=commitment.commune_id).exists()
    return False


@transaction.atomic
def commitment_set(
    *,
    commitment: Commitment,
    status: str,
    by: User,
    deliberation_date: date | None = None,
    comment: str = "",
) -> Commitment:
    """Record a commune's answer; « délibération prévue » needs the date of the council."""
    commitment = (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("drive", "drive__service", "commune")
        .get(pk=commitment.pk)
    )
    drive = commitment.drive
    if not may_answer(by, commitment):
        raise ValidationError(_("Vous ne pouvez pas répondre pour cette commune."))
    if by.is_agent:
        contact_touch_user(user=by)  # an exchange with the commune (RGPD retention)
    _check_state(drive, Drive.Status.OPEN)
    if status not in TRANSITIONS[commitment.status]:
        raise ValidationError(
            {
                "status": ValidationError(
                    _("Une commune « %(current)s » ne peut pas passer à « %(wanted)s »."),
                    code="transition",
                    params={
                        "current": commitment.get_status_display(),
                        "wanted": Answer(status).label if status in Answer.values else status,
                    },
                )
            }
        )
    if status == Answer.DELIBERATION and deliberation_date is None:
        raise ValidationError(
            {"deliberation_date": _("Indiquez la date prévue de la délibération du conseil.")}
        )
    commitment.status = status
    commitment.deliberation_date = deliberation_date
    commitment.comment = comment.strip()
    commitment.changed_by = by
    commitment.full_clean()
    commitment.save(
        update_fields=["status", "deliberation_date", "comment", "changed_by", "updated_at"]
    )
    answer = commitment.get_status_display()
    if commitment.deliberation_date:
        answer = f"{answer} ({commitment.deliberation_date:%d/%m/%Y})"
    _record(
        commitment.commune,
        "answered",
        drive=drive,
        actor=by,
        detail=commitment.comment,
        answer=answer,
    )
    return commitment


# --- reminders -------------------------------------------------------------------------------


def _reminder_window(deadline: date, today: date) -> date | None:
    """The first day of the reminder round `today` falls in, or None when there is none.

    With DRIVE_REMINDER_DAYS = (7, 2): from D-7 to D-3 the first round, from D-2 to the
    deadline the second. A commune is reminded in a round when nobody wrote to it since the
    round began, so never twice in the same round, and not just after the invitation.
    """
    days_left = (deadline - today).days
    reached = [days for days in settings.DRIVE_REMINDER_DAYS if 0 <= days_left <= days]
    if not reached:
        return None
    return deadline - timedelta(days=min(reached))


@transaction.atomic
def _remind(drive_id: int, *, now: datetime, today: date) -> int:
    drive = (
        Drive.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("service", "created_by")
        .filter(pk=drive_id, status=Drive.Status.OPEN)
        .first()
    )
    if drive is None:
        return 0  # closed meanwhile, or another worker is on it
    window = _reminder_window(drive.deadline, today)
    if window is None:
        return 0
    opened_on = timezone.localdate(drive.opened_at) if drive.opened_at else None
    due = []
    silent = drive.commitments.filter(status=Answer.INVITED)
    for commitment in silent.select_for_update(of=("self",)).select_related("commune"):
        reminded_on = timezone.localdate(commitment.reminded_at) if commitment.reminded_at else None
        last_written = max((day for day in (opened_on, reminded_on) if day), default=None)
        if last_written is None or last_written < window:
            due.append(commitment)
    if not due:
        return 0
    _write_to(
        drive_recipients(drive, communes=[c.commune for c in due]),
        drive=drive,
        template="reminder",
        kind="drives.reminder",
        days_left=(drive.deadline - today).days,
    )
    for commitment in due:
        commitment.reminded_at = now
        commitment.save(update_fields=["reminded_at", "updated_at"])
        _record(
            commitment.commune,
            "reminded",
            drive=drive,
            deadline=drive.deadline.strftime("%d/%m/%Y"),
        )
    return len(due)


def drive_send_reminders(*, now: datetime | None = None) -> int:
    """Remind the communes that have not answered an open drive, DRIVE_REMINDER_DAYS days before
    its deadline: once per round, never after the deadline. Returns how many communes.

    Each drive is its own transaction: one drive's failure does not hold back the others.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not settings.DRIVE_REMINDER_DAYS:
        return 0
    horizon = today + timedelta(days=max(settings.DRIVE_REMINDER_DAYS))
    drive_ids = Drive.objects.filter(
        status=Drive.Status.OPEN, deadline__gte=today, deadline__lte=horizon
    ).values_list("pk", flat=True)
    return sum(_remind(drive_id, now=now, today=today) for drive_id in list(drive_ids))


# --- the syndicat mixte's confirmation -------------------------------------------------------


OUTCOMES = {
    "acknowledge": _("le dossier est pris en compte."),
    "answer": _("voici sa réponse."),
    "resolve": _("l'adhésion collective est confirmée."),
    "refuse": _("l'adhésion collective n'est pas retenue."),
}


def drive_tell_outcome(*, drive: Drive, action: str, message: str = "") -> int:
    """The syndicat mixte answered the drive's dossier: tell the committed communes'
    decision makers (the requests of the dossier were filed by the referent, on their behalf).
    Called from the dossier_answered receiver, in its transaction."""
    committed = [
        c.commune
        for c in drive.commitments.filter(status=Answer.COMMITTED).select_related("commune")
    ]
    if not committed:
        return 0
    return _write_to(
        drive_recipients(drive, communes=committed),
        drive=drive,
        template="outcome",
        kind=f"drives.outcome_{action}",
        action=action,
        outcome=OUTCOMES.get(action, ""),
        message=message,
    )


@transaction.atomic
def drive_confirm_membership(*, drive: Drive) -> list[Adoption]:
    """The syndicat mixte resolved the drive's dossier: each committed commune has signed the
    charter of the service. Called from the dossier_answered receiver, in its transaction."""
    from communes.adoption.services import adoption_set_status

    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext(CONFIRMATION_REASON) % {
            "drive": drive.title,
            "ref": drive.dossier.reference,
        }
    current = dict(
        Adoption.objects.filter(
            service=drive.service, commune__commitments__drive=drive
        ).values_list("commune_id", "status")
    )
    adoptions = []
    committed = drive.commitments.filter(status=Answer.COMMITTED).select_related("commune")
    for commitment in committed:
        if current.get(commitment.commune_id) in ADOPTED_ALREADY:
            continue
        adoptions.append(
            adoption_set_status(
                commune=commitment.commune,
                service=drive.service,
                status=Adoption.Status.CHARTER_SIGNED,
                by=None,
                reason=reason,
                source=AdoptionEvent.Source.SYNDICAT,
            )
        )
    return adoptions

"""Every write of a session's attendance, and the attestations that follow.

- On the day (from the session's first calendar day, Europe/Paris), the referent marks each
  enrolled person present or absent (`attendance_mark`), on a phone.
- Once the session has begun and everyone is marked, the referent confirms the attendance
  (`attendance_confirm`): the session becomes « tenue », each person present gets an
  attestation (a number, then one e-mail with the PDF and the link to the satisfaction
  survey), and each commune's timeline says how many of its agents were trained.
- A mark corrected after the confirmation: someone marked present then gets their attestation
  and survey link at once; someone marked absent keeps the number on record but nobody can
  download the attestation any more (attestations.valid_attestations).

The attestation e-mail carries the survey link, rather than a second e-mail the day after:
the referent confirms attendance at the end of the session, and one message with both is
what the attendees read.
"""

from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from communes.models import Commune
from communes.timeline.services import timeline_record
from referent_portal.accounts.models import User
from referent_portal.outbox.secrets import link_placeholder
from referent_portal.outbox.services import Attachment, email_queue
from requests_relay.services import next_reference

from .attestations import attestation_filename, attestation_pdf
from .models import Attestation, Enrolment, TrainingSession
from .survey import survey_days

ATTESTATION_EMAIL = "trainings/followup/email/attestation"
ATTESTATION_KIND = "trainings.attestation"
TIMELINE_KIND = "training"
Status = TrainingSession.Status

CLOSED_ERRORS = {
    "cancelled": _("La session est annulée : il n'y a pas de présences à relever."),
    "too_early": _("Les présences se relèvent à partir du jour de la session, le %(day)s."),
}


def _check_referent(session: TrainingSession, by: User) -> None:
    if not (by.is_referent and by.epci_id == session.epci_id):
        raise ValidationError(
            _("Seul un référent de l'EPCI relève les présences de ses sessions."),
            code="forbidden",
        )


def _lock(session: TrainingSession) -> TrainingSession:
    return (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("module", "epci", "created_by", "host_commune")
        .get(pk=session.pk)
    )


def session_day(session: TrainingSession):
    return timezone.localdate(session.starts_at)


def attendance_closed_reason(session: TrainingSession, *, today=None) -> str | None:
    """Why the attendance of `session` cannot be marked now, or None."""
    if session.status == Status.CANCELLED:
        return "cancelled"
    if (today or timezone.localdate()) < session_day(session):
        return "too_early"
    return None


def check_attendance_open(session: TrainingSession) -> None:
    reason = attendance_closed_reason(session)
    if reason is None:
        return
    day = formats.date_format(session_day(session), "DATE_FORMAT")
    raise ValidationError(CLOSED_ERRORS[reason], code=reason, params={"day": day})


def attendance_list(session: TrainingSession) -> list[Enrolment]:
    """The people with a seat, by commune then name, each with its attestation if any."""
    return list(
        session.enrolments.filter(status=Enrolment.Status.ENROLLED)
        .select_related("contact", "commune", "attestation")
        .order_by("commune__search_name", "contact__last_name", "contact__first_name", "pk")
    )


def attendance_counts(enrolments: list[Enrolment]) -> dict:
    present = sum(1 for e in enrolments if e.attended is True)
    absent = sum(1 for e in enrolments if e.attended is False)
    return {
        "present": present,
        "absent": absent,
        "unmarked": len(enrolments) - present - absent,
        "expected": len(enrolments),
    }


# --- marking ---------------------------------------------------------------------------------


@transaction.atomic
def attendance_mark(*, enrolment: Enrolment, attended: bool, by: User) -> Enrolment:
    """Mark one enrolled person present or absent. After the confirmation, a person now
    present gets their attestation and survey link at once."""
    session = _lock(enrolment.session)
    _check_referent(session, by)
    check_attendance_open(session)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("contact", "commune")
        .filter(pk=enrolment.pk, session=session, status=Enrolment.Status.ENROLLED)
        .first()
    )
    if enrolment is None:
        raise ValidationError(
            _("Cette personne n'a pas de place à cette session."), code="not_enrolled"
        )
    enrolment.attended = attended
    enrolment.save(update_fields=["attended", "updated_at"])
    if session.status == Status.HELD and attended:
        enrolment.session = session
        _issue(enrolment, by=by)
    return enrolment


@transaction.atomic
def attendance_confirm(*, session: TrainingSession, by: User) -> int:
    """The session took place: « tenue », attestations issued and e-mailed to the people
    present, timelines written. Returns how many attestations were issued."""
    session = _lock(session)
    _check_referent(session, by)
    check_attendance_open(session)
    if session.status == Status.HELD:
        raise ValidationError(
            _("Les présences de cette session sont déjà confirmées."), code="already_held"
        )
    if session.starts_at > timezone.now():
        raise ValidationError(
            _("La session n'a pas encore commencé : confirmez les présences à la fin."),
            code="not_started",
        )
    enrolments = attendance_list(session)
    if not enrolments:
        raise ValidationError(_("Personne n'est inscrit à cette session."), code="nobody")
    unmarked = attendance_counts(enrolments)["unmarked"]
    if unmarked:
        raise ValidationError(
            ngettext(
                "%(count)s personne n'est pas encore pointée : indiquez si elle était "
                "présente ou absente.",
                "%(count)s personnes ne sont pas encore pointées : indiquez si elles étaient "
                "présentes ou absentes.",
                unmarked,
            ),
            code="unmarked",
            params={"count": unmarked},
        )
    session.status = Status.HELD
    session.save(update_fields=["status", "updated_at"])
    issued = 0
    for enrolment in enrolments:
        if enrolment.attended:
            enrolment.session = session
            _issue(enrolment, by=by)
            issued += 1
    _record_on_timelines(session, enrolments, by)
    return issued


def _issue(enrolment: Enrolment, *, by: User) -> Attestation:
    """The attestation of a person present: numbered once, e-mailed once (with the survey)."""
    attestation = Attestation.objects.filter(enrolment=enrolment).first()
    if attestation is None:
        attestation = Attestation.objects.create(
            enrolment=enrolment,
            number=next_reference("ATT"),
            issued_at=timezone.now(),
            issued_by=by,
        )
    enrolment.attestation = attestation
    if attestation.email_message_id is None:
        attestation.email_message = _send(attestation, enrolment, by)
        if attestation.email_message is not None:
            attestation.save(update_fields=["email_message", "updated_at"])
    return attestation


def _send(attestation: Attestation, enrolment: Enrolment, by: User):
    contact = enrolment.contact
    if not contact.email or contact.anonymised_at is not None:
        return None
    session = enrolment.session
    return email_queue(
        to=contact.email,
        template=ATTESTATION_EMAIL,
        context={
            "contact": contact,
            "session": session,
            "module": session.module,
            "attestation": attestation,
            "survey_url": link_placeholder("survey"),
            "survey_days": survey_days(),
            "referent": by,
            "epci": session.epci,
        },
        kind=ATTESTATION_KIND,
        language=contact.language,
        reply_to=by.email,
        attachments=[
            Attachment(
                filename=attestation_filename(attestation),
                content=attestation_pdf(attestation),
                mimetype="application/pdf",
            )
        ],
        secret_ref=enrolment.pk,
    )


def _record_on_timelines(session: TrainingSession, enrolments: list[Enrolment], by: User):
    """« Formation « … » du 12/03/2026 : 2 agents formés sur 3 inscrits » per commune."""
    enrolled = Counter(e.commune_id for e in enrolments if e.commune_id)
    present = Counter(e.commune_id for e in enrolments if e.commune_id and e.attended)
    day = formats.date_format(session_day(session), "SHORT_DATE_FORMAT")
    with translation.override(settings.LANGUAGE_CODE):
        for commune_id, count in sorted(enrolled.items()):
            trained = ngettext("%(n)s agent formé", "%(n)s agents formés", present[commune_id]) % {
                "n": present[commune_id]
            }
            timeline_record(
                commune=Commune(pk=commune_id),
                kind=TIMELINE_KIND,
                title=gettext("Formation « %(module)s » du %(day)s : %(trained)s sur %(count)s")
                % {
                    "module": session.module.title,
                    "day": day,
                    "trained": trained,
                    "count": ngettext("%(n)s inscrit", "%(n)s inscrits", count) % {"n": count},
                },
                actor=by,
                subject=session,
            )

"""Every write on the suggestions: write, propose, confirm, set aside, answer.

The life of a suggestion:
- the referent writes one to a commune → SENT at once;
- or a rule (see rules.py) proposes one → PROPOSED, seen by the referent only; the referent
  sends it (→ SENT) or sets it aside (→ DISMISSED);
- an agent of the commune answers a SENT one → ACCEPTED, DECLINED or LATER (an answer
  « plus tard » can be changed later).

Sending e-mails the commune's agents who have an account; an answer e-mails the referents of
the EPCI. Both are written on the commune's timeline, in the same transaction.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.contacts.services import contact_touch_user
from communes.models import Commune, Epci, Service
from communes.selectors import communes_visible_to
from communes.timeline.services import timeline_record
from referent_portal.accounts.models import User
from referent_portal.outbox.services import email_queue

from .models import Suggestion
from .rules import RULES
from .selectors import AWAITING_COMMUNE, referents_of, suggestion_recipients

Status = Suggestion.Status
PENDING = (Status.PROPOSED, Status.SENT)
TIMELINE_KIND = "suggestion"
# After an answer or a dismissal, a rule leaves the commune alone this long.
QUIET_DAYS = 180


def _check_referent(by: User, commune: Commune) -> None:
    if not (by.is_authenticated and by.is_referent and by.epci_id == commune.epci_id):
        raise ValidationError(
            _("Seul le référent de l'EPCI de la commune peut lui faire des suggestions."),
            code="forbidden",
        )


def _locked(suggestion: Suggestion) -> Suggestion:
    # No select_related: PostgreSQL locks no row on the nullable side of a join (service).
    return Suggestion.objects.select_for_update().get(pk=suggestion.pk)


def _send(suggestion: Suggestion, *, by: User) -> None:
    """E-mail the commune's agents and write it on the commune's timeline."""
    commune = suggestion.commune
    for recipient in suggestion_recipients(commune):
        email_queue(
            to=recipient.email,
            template="communes/suggestions/email/suggestion_sent",
            context={"suggestion": suggestion, "commune": commune, "recipient": recipient},
            kind="suggestions.sent",
            language=recipient.language,
        )
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("Suggestion envoyée : %(title)s") % {"title": suggestion.title}
    timeline_record(
        commune=commune,
        kind=TIMELINE_KIND,
        title=title,
        detail=suggestion.body,
        actor=by,
        subject=suggestion,
    )


@transaction.atomic
def suggestion_create(
    *,
    by: User,
    commune: Commune,
    title: str,
    body: str,
    service: Service | None = None,
) -> Suggestion:
    """The referent writes a suggestion to a commune; it is sent at once."""
    _check_referent(by, commune)
    suggestion = Suggestion(
        commune=commune,
        service=service,
        title=title.strip(),
        body=body.strip(),
        status=Status.SENT,
        created_by=by,
        sent_at=timezone.now(),
    )
    suggestion.full_clean()
    suggestion.save()
    _send(suggestion, by=by)
    return suggestion


@transaction.atomic
def suggestion_confirm(*, suggestion: Suggestion, by: User) -> Suggestion:
    """The referent sends a suggestion the portal proposed, as it is written."""
    suggestion = _locked(suggestion)
    _check_referent(by, suggestion.commune)
    if suggestion.status != Status.PROPOSED:
        raise ValidationError(
            _("Cette suggestion n'est plus à envoyer : elle a déjà été envoyée ou écartée."),
            code="not_proposed",
        )
    suggestion.status = Status.SENT
    suggestion.sent_at = timezone.now()
    suggestion.full_clean()
    suggestion.save()
    _send(suggestion, by=by)
    return suggestion


@transaction.atomic
def suggestion_dismiss(*, suggestion: Suggestion, by: User) -> Suggestion:
    """The referent sets aside a proposed suggestion; the commune never hears of it.

    The same rule proposes nothing again to this commune for QUIET_DAYS days.
    """
    suggestion = _locked(suggestion)
    _check_referent(by, suggestion.commune)
    if suggestion.status != Status.PROPOSED:
        raise ValidationError(
            _("Seule une suggestion proposée, pas encore envoyée, peut être écartée."),
            code="not_proposed",
        )
    suggestion.status = Status.DISMISSED
    suggestion.full_clean()
    suggestion.save()
    return suggestion


@transaction.atomic
def suggestion_answer(
    *, suggestion: Suggestion, by: User, answer: str, comment: str = ""
) -> Suggestion:
    """An agent serving the commune answers: accepted, declined or later, with a comment."""
    suggestion = _locked(suggestion)
    commune = suggestion.commune
    if not (by.is_authenticated and by.is_agent) or not (
        communes_visible_to(by).filter(pk=commune.pk).exists()
    ):
        raise ValidationError(
            _("Vous ne pouvez pas répondre aux suggestions faites à cette commune."),
            code="forbidden",
        )
    if suggestion.status not in AWAITING_COMMUNE:
        raise ValidationError(
            _("Cette suggestion a déjà reçu une réponse."), code="already_answered"
        )
    contact_touch_user(user=by)  # an exchange with the commune (RGPD retention)
    if answer not in Suggestion.ANSWERS:
        raise ValidationError(
            {
                "answer": ValidationError(
                    _("Choisissez une réponse : acceptée, déclinée ou plus tard."),
                    code="invalid_answer",
                )
            }
        )
    suggestion.status = answer
    suggestion.answered_at = timezone.now()
    suggestion.answered_by = by
    suggestion.answer_comment = comment.strip()
    suggestion.full_clean()
    suggestion.save()

    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("Réponse à la suggestion « %(title)s » : %(answer)s") % {
            "title": suggestion.title,
            "answer": suggestion.get_status_display(),
        }
    timeline_record(
        commune=commune,
        kind=TIMELINE_KIND,
        title=title,
        detail=suggestion.answer_comment,
        actor=by,
        subject=suggestion,
    )
    for referent in referents_of(commune):
        email_queue(
            to=referent.email,
            template="communes/suggestions/email/suggestion_answered",
            context={
                "suggestion": suggestion,
                "commune": commune,
                "recipient": referent,
                "answered_by": by,
            },
            kind="suggestions.answered",
            language=referent.language,
        )
    return suggestion


# --- the portal's proposals ----------------------------------------------------------------


def _already_handled(
    *, commune: Commune, service: Service | None, rule: str, now: datetime
) -> bool:
    """Whether proposing would repeat something: a pending suggestion of the same rule, a
    recent answer or dismissal, or any pending suggestion to the commune on the same service."""
    same = Suggestion.objects.filter(commune=commune, service=service, rule=rule)
    quiet_since = now - timedelta(days=QUIET_DAYS)
    if same.filter(
        Q(status__in=PENDING)
        | Q(status=Status.DISMISSED, updated_at__gte=quiet_since)
        | Q(status__in=Suggestion.ANSWERS, answered_at__gte=quiet_since)
    ).exists():
        return True
    return (
        service is not None
        and Suggestion.objects.filter(commune=commune, service=service, status__in=PENDING).exists()
    )


def suggestions_propose(*, epci: Epci | None = None, now: datetime | None = None) -> list:
    """Run every enabled rule and store what they propose as PROPOSED suggestions.

    Idempotent: never a second pending suggestion of a rule for the same commune and service
    (the database refuses it too), and nothing again for QUIET_DAYS days after the commune
    answered one or the referent set it aside. Without `epci`, every EPCI that has an active
    referent (nobody would read the proposals of the others). Returns the new suggestions.
    """
    now = now or timezone.now()
    if epci is not None:
        epcis = [epci]
    else:
        epcis = Epci.objects.filter(
            users__role=User.Role.REFERENT, users__is_active=True
        ).distinct()
    created = []
    for one_epci in epcis:
        for rule in RULES:
            if not rule.enabled:
                continue
            # Proposals are the EPCI's records, written in the portal's language; the referent
            # reads them before sending.
            with translation.override(settings.LANGUAGE_CODE):
                proposals = rule.propose(one_epci, now)
            for proposal in proposals:
                if _already_handled(
                    commune=proposal.commune, service=proposal.service, rule=rule.code, now=now
                ):
                    continue
                suggestion = Suggestion(
                    commune=proposal.commune,
                    service=proposal.service,
                    title=proposal.title[:200],
                    body=proposal.body,
                    rule=rule.code,
                    status=Status.PROPOSED,
                )
                try:
                    with transaction.atomic():
                        suggestion.full_clean()
                        suggestion.save()
                except (IntegrityError, ValidationError):
                    continue  # proposed meanwhile by a concurrent run
                created.append(suggestion)
    return created

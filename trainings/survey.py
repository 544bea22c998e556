"""The satisfaction survey after a session: a signed link per attendee, one answer each, and
the results per session and per module.

The link is `django.core.signing` over the enrolment's random survey key (salted, timestamped):
no login, no token table, and no way to reach another enrolment by counting ids. It is made
when the e-mail is sent (a link provider of the outbox, which never stores it) and opens the
form for TRAINING_SURVEY_DAYS days (60 by default). A tampered link
is refused, an expired one says so; the database keeps one answer per enrolment, so a second
visit (or a double click) reads « déjà répondu ».
"""

import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from referent_portal.outbox.secrets import LinkUnavailable

from .models import Enrolment, SurveyResponse, TrainingModule, TrainingSession

SALT = "trainings.survey"
QUESTIONS = ("overall", "content", "trainer")
SCORES = range(1, 6)


def survey_days() -> int:
    return int(getattr(settings, "TRAINING_SURVEY_DAYS", 60))


def survey_token(enrolment: Enrolment) -> str:
    return signing.dumps(enrolment.survey_key.hex, salt=SALT)


def survey_url(enrolment: Enrolment) -> str:
    return settings.SITE_URL + reverse("trainings:survey", args=[survey_token(enrolment)])


def survey_links_for_email(ref: str, email) -> dict[str, str]:
    """Link provider of the outbox: the attendee's survey link, made when the e-mail is sent."""
    enrolment = (
        Enrolment.objects.select_related("contact").filter(pk=int(ref)).first()
        if ref.isdigit()
        else None
    )
    if enrolment is None:
        raise LinkUnavailable("The enrolment no longer exists.")
    # A resend copies the old message's address: the link goes to the attendee's current one.
    address = enrolment.contact.email.strip().lower()
    if enrolment.contact.anonymised_at is not None or address != email.to.strip().lower():
        raise LinkUnavailable("The attendee no longer has this address.")
    return {"survey": survey_url(enrolment)}


class SurveyLinkError(Exception):
    """Why a link does not open the form: "invalid", "expired" or "not_attended"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def survey_enrolment(token: str) -> Enrolment:
    """The enrolment a link is for, if it may still answer (or has answered) the survey."""
    try:
        key = signing.loads(token, salt=SALT, max_age=survey_days() * 86400)
    except signing.SignatureExpired as exc:
        raise SurveyLinkError("expired") from exc
    except (signing.BadSignature, ValueError) as exc:
        raise SurveyLinkError("invalid") from exc
    try:
        key = uuid.UUID(hex=key)
    except (TypeError, ValueError, AttributeError) as exc:
        raise SurveyLinkError("invalid") from exc  # an older link, signed over an id
    enrolment = (
        Enrolment.objects.select_related("session__module", "session__epci", "contact")
        .filter(survey_key=key)
        .first()
    )
    if enrolment is None:
        raise SurveyLinkError("invalid")
    if (
        enrolment.attended is not True
        or enrolment.status != Enrolment.Status.ENROLLED
        or enrolment.session.status != TrainingSession.Status.HELD
        or enrolment.contact.anonymised_at is not None
    ):
        raise SurveyLinkError("not_attended")
    return enrolment


def has_answered(enrolment: Enrolment) -> bool:
    return SurveyResponse.objects.filter(enrolment=enrolment).exists()


@transaction.atomic
def survey_answer(
    *, enrolment: Enrolment, overall: int, content: int, trainer: int, comment: str = ""
) -> SurveyResponse:
    """Record the answer; a second one for the same enrolment is refused (code "answered")."""
    if enrolment.attended is not True or enrolment.session.status != TrainingSession.Status.HELD:
        raise ValidationError(
            _("Ce questionnaire est réservé aux personnes présentes à la session."),
            code="not_attended",
        )
    response = SurveyResponse(
        enrolment=enrolment,
        session=enrolment.session,
        overall=overall,
        content=content,
        trainer=trainer,
        comment=comment.strip(),
    )
    response.full_clean(exclude=["enrolment", "session"])
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("Vous avez déjà répondu à ce questionnaire."), code="answered"
        ) from exc
    return response


# --- results ---------------------------------------------------------------------------------


def _average(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Results:
    """Averages (one decimal, half up) of each question, the number of answers, out of how
    many attendees, and the comments (newest first)."""

    answers: int
    attendees: int
    overall: Decimal | None
    content: Decimal | None
    trainer: Decimal | None
    comments: list = field(default_factory=list)

    @property
    def rate(self) -> int | None:
        """Percentage of attendees who answered, rounded."""
        if not self.attendees:
            return None
        return int(Decimal(100 * self.answers / self.attendees).quantize(0, ROUND_HALF_UP))


AGGREGATES = {
    "answers": Count("pk"),
    "overall_avg": Avg("overall"),
    "content_avg": Avg("content"),
    "trainer_avg": Avg("trainer"),
}


def _results(responses: QuerySet[SurveyResponse], attendees: int, *, comments=True) -> Results:
    figures = responses.aggregate(**AGGREGATES)
    return Results(
        answers=figures["answers"],
        attendees=attendees,
        overall=_average(figures["overall_avg"]),
        content=_average(figures["content_avg"]),
        trainer=_average(figures["trainer_avg"]),
        comments=list(
            responses.exclude(comment="").select_related("session").order_by("-answered_at", "-pk")
        )
        if comments
        else [],
    )


def session_results(session: TrainingSession) -> Results:
    attendees = session.enrolments.filter(attended=True, status=Enrolment.Status.ENROLLED).count()
    return _results(SurveyResponse.objects.filter(session=session), attendees)


def held_sessions(epci_id: int) -> QuerySet[TrainingSession]:
    return TrainingSession.objects.filter(epci_id=epci_id, status=TrainingSession.Status.HELD)


def module_results(epci_id: int, module: TrainingModule) -> tuple[Results, list[TrainingSession]]:
    """All the held sessions of the module in the EPCI together, and each session (latest
    first) with its own figures (`results`)."""
    sessions = list(
        held_sessions(epci_id)
        .filter(module=module)
        .select_related("module")
        .order_by("-starts_at", "-pk")
    )
    ids = [session.pk for session in sessions]
    attended = (
        Enrolment.objects.filter(
            session_id__in=ids, attended=True, status=Enrolment.Status.ENROLLED
        )
        .values("session")
        .annotate(n=Count("pk"))
        .values_list("session", "n")
    )
    attendees = dict(attended)
    responses = SurveyResponse.objects.filter(session_id__in=ids)
    figures = {row["session"]: row for row in responses.values("session").annotate(**AGGREGATES)}
    for session in sessions:
        row = figures.get(session.pk, {})
        session.results = Results(
            answers=row.get("answers", 0),
            attendees=attendees.get(session.pk, 0),
            overall=_average(row.get("overall_avg")),
            content=_average(row.get("content_avg")),
            trainer=_average(row.get("trainer_avg")),
        )
    return _results(responses, sum(attendees.values())), sessions


def modules_overview(epci_id: int) -> list[TrainingModule]:
    """Every module with held sessions in the EPCI, with its averages over them (one query)."""
    held = Q(sessions__epci_id=epci_id, sessions__status=TrainingSession.Status.HELD)
    responses = Q(sessions__survey_responses__isnull=False) & held
    modules = (
        TrainingModule.objects.filter(held)
        .annotate(
            held_count=Count("sessions", filter=held, distinct=True),
            answers=Count("sessions__survey_responses", filter=responses, distinct=True),
            overall_avg=Avg("sessions__survey_responses__overall", filter=responses),
            content_avg=Avg("sessions__survey_responses__content", filter=responses),
            trainer_avg=Avg("sessions__survey_responses__trainer", filter=responses),
        )
        .order_by("position", "title")
    )
    result = list(modules)
    for module in result:
        for name in ("overall_avg", "content_avg", "trainer_avg"):
            setattr(module, name, _average(getattr(module, name)))
    return result

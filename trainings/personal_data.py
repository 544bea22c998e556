"""What the trainings app holds about a person, for the RGPD export and anonymisation.

Enrolments, attestations, survey answers and training demands point at the contact; none
keeps a copy of the name or address (the attestation PDF is drawn from the contact each
time, so an anonymised person's attestation reads « Contact anonymisé n° … »). What the
person wrote themselves — a survey comment — may name them: anonymisation scrubs it. Their
waiting for a module ends (nobody will enrol an anonymous contact); the history stays, so the
coverage and the survey results keep their counts.
"""

from django.db.models import QuerySet
from django.utils import timezone

from .models import Enrolment, SurveyResponse, TrainingDemand


def _enrolments(contact) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(contact=contact)
        .select_related("session__module", "session__epci", "commune", "attestation")
        .order_by("session__starts_at", "pk")
    )


def trainings_export(contact, when) -> dict:
    """Plain data for JSON: the person's enrolments (with attendance, attestation number and
    survey answer) and the modules they wait for."""
    responses = {
        response.enrolment_id: response
        for response in SurveyResponse.objects.filter(enrolment__contact=contact)
    }
    enrolments = []
    for enrolment in _enrolments(contact):
        session = enrolment.session
        attestation = getattr(enrolment, "attestation", None)
        response = responses.get(enrolment.pk)
        enrolments.append(
            {
                "module": session.module.title,
                "epci": session.epci.name,
                "starts_at": when(session.starts_at),
                "ends_at": when(session.ends_at),
                "commune": enrolment.commune.insee_code if enrolment.commune else None,
                "status": enrolment.status,
                "status_label": enrolment.get_status_display(),
                "queued_at": when(enrolment.queued_at),
                "withdrawn_at": when(enrolment.withdrawn_at),
                "attended": enrolment.attended,
                "attestation": (
                    {"number": attestation.number, "issued_at": when(attestation.issued_at)}
                    if attestation
                    else None
                ),
                "survey_answer": (
                    {
                        "overall": response.overall,
                        "content": response.content,
                        "trainer": response.trainer,
                        "comment": response.comment,
                        "answered_at": when(response.answered_at),
                    }
                    if response
                    else None
                ),
            }
        )
    return {
        "training_enrolments": enrolments,
        "training_demands": [
            {
                "module": demand.module.title,
                "commune": demand.commune.insee_code,
                "request": demand.request.reference if demand.request else None,
                "status": demand.status,
                "status_label": demand.get_status_display(),
                "created_at": when(demand.created_at),
                "resolved_at": when(demand.resolved_at),
            }
            for demand in TrainingDemand.objects.filter(contact=contact)
            .select_related("module", "commune", "request")
            .order_by("created_at", "pk")
        ],
    }


def trainings_anonymise(contact, *, strings: list[str], label: str) -> None:
    """Scrub the person's names and addresses from their survey comments; end their waiting
    for a module. Enrolments, attendance and attestation numbers stay (counts and history)."""
    for response in SurveyResponse.objects.filter(enrolment__contact=contact).exclude(comment=""):
        comment = response.comment
        for text in strings:  # longest first (see contacts.services._personal_strings)
            comment = comment.replace(text, label)
        if comment != response.comment:
            response.comment = comment
            response.save(update_fields=["comment"])
    TrainingDemand.objects.filter(contact=contact, status=TrainingDemand.Status.WAITING).update(
        status=TrainingDemand.Status.WITHDRAWN, resolved_at=timezone.now()
    )

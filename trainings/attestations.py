"""The attestation de formation: who may read which, and its PDF (weasyprint).

The PDF is drawn again from the data each time it is asked for, never stored. It says what the
database says: the person's name, their commune, the module, the date(s), the duration, the
EPCI, the syndicat mixte, and the number and issue date kept on the `Attestation` row (so the
document's identity never changes). Storing the bytes would keep a second copy of a person's
name to scrub at anonymisation (the anonymised contact's attestation now reads « Contact
anonymisé n° … ») and would keep a typo fixed in the contact's record. It is always written in
the portal's language (French): an administrative document of a French EPCI, identical
whoever downloads it. The e-mail that carried it keeps its own copy, which the RGPD
anonymisation empties with the rest of the person's e-mails.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from .models import Attestation, Enrolment, TrainingSession
from .selectors import contact_of

STYLESHEET = "css/training-attestation.css"
TEMPLATE = "trainings/followup/attestation_pdf.html"


def valid_attestations() -> QuerySet[Attestation]:
    """Attestations of people marked present at a session that was held."""
    return Attestation.objects.filter(
        enrolment__attended=True,
        enrolment__status=Enrolment.Status.ENROLLED,
        enrolment__session__status=TrainingSession.Status.HELD,
    )


def attestations_visible_to(user) -> QuerySet[Attestation]:
    """The referent: those of the EPCI's sessions; an agent: their own (nobody else's, not
    even a colleague's); the syndicat mixte: all. Another's attestation is a 404."""
    if not user.is_authenticated:
        return Attestation.objects.none()
    attestations = valid_attestations().select_related(
        "enrolment__contact",
        "enrolment__commune",
        "enrolment__session__module",
        "enrolment__session__epci",
        "enrolment__session__created_by",
    )
    if user.is_superuser or user.is_syndicat:
        return attestations
    if user.is_referent:
        return attestations.filter(enrolment__session__epci_id=user.epci_id)
    contact = contact_of(user)
    if contact is None:
        return Attestation.objects.none()
    return attestations.filter(enrolment__contact=contact)


def attestations_of(user) -> list[Attestation]:
    """For the agent's space: the user's own attestations, latest session first."""
    contact = contact_of(user)
    if contact is None:
        return []
    return list(
        attestations_visible_to(user)
        .filter(enrolment__contact=contact)
        .order_by("-enrolment__session__starts_at", "-pk")
    )


def _hours(value: Decimal) -> str:
    """3 → « 3 », 3.5 → « 3,5 » (in the active language)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return formats.number_format(value, decimal_pos=1)


def _days(session: TrainingSession) -> tuple[datetime, datetime, bool]:
    starts = timezone.localtime(session.starts_at)
    ends = timezone.localtime(session.ends_at)
    return starts, ends, starts.date() != ends.date()


def attestation_context(attestation: Attestation) -> dict:
    enrolment = attestation.enrolment
    session = enrolment.session
    starts, ends, several_days = _days(session)
    referent = session.created_by
    return {
        "attestation": attestation,
        "contact": enrolment.contact,
        "commune": enrolment.commune,
        "session": session,
        "module": session.module,
        "epci": session.epci,
        "syndicat_name": settings.SYNDICAT_NAME,
        "starts": starts,
        "ends": ends,
        "several_days": several_days,
        "hours": _hours(session.module.duration_hours),
        # For the plural only (« 1,5 heure », « 3 heures »): gettext wants an integer.
        "hours_count": max(int(session.module.duration_hours), 1),
        "issued_on": timezone.localdate(attestation.issued_at),
        "referent_name": referent.get_full_name() or referent.username,
    }


def attestation_filename(attestation: Attestation) -> str:
    """attestation-formation-ATT-2026-00012.pdf"""
    return f"attestation-formation-{attestation.number}.pdf"


def attestation_html(attestation: Attestation) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, attestation_context(attestation))


def attestation_pdf(attestation: Attestation) -> bytes:
    import weasyprint  # heavy: loaded when an attestation is drawn, not with every page

    # Nothing from outside: no file, no network (names are people's input).
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    with open(finders.find(STYLESHEET), encoding="utf-8") as handle:
        stylesheet = weasyprint.CSS(string=handle.read(), url_fetcher=fetcher)
    return weasyprint.HTML(string=attestation_html(attestation), url_fetcher=fetcher).write_pdf(
        stylesheets=[stylesheet]
    )

"""Every write of the adoption feature: a commune × service changes status, with its history.

A change is one transaction: the `Adoption` row (created on first change, locked with
SELECT … FOR UPDATE), one `AdoptionEvent` (who, when, why, from where) and one entry on the
commune's timeline. Who may change what:

- the referent of the commune's EPCI (sources: referent, request, drive);
- the syndicat mixte's staff, for any commune (source: syndicat by default);
- the portal itself, without a user (``by=None``), for a collective drive or a change the
  syndicat mixte sent through its systems (sources: drive, syndicat, import).

A service withdrawn from the catalogue can only be stopped, except by the syndicat mixte.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Service
from communes.timeline.services import timeline_record
from requests_relay.models import Category, Request
from requests_relay.services import request_message_add

from .models import Adoption, AdoptionEvent

Source = AdoptionEvent.Source
Status = Adoption.Status

# What each kind of author may give as the origin of a change.
REFERENT_SOURCES = frozenset({Source.REFERENT, Source.REQUEST, Source.DRIVE})
SYNDICAT_SOURCES = frozenset({Source.SYNDICAT, Source.IMPORT})
SYSTEM_SOURCES = frozenset({Source.DRIVE, Source.SYNDICAT, Source.IMPORT})

# A service the syndicat mixte no longer offers: what a referent may still record.
STATUSES_FOR_WITHDRAWN_SERVICE = frozenset({Status.STOPPED, Status.NOT_ADOPTED})

TIMELINE_KIND = "adoption"


def _on_status(message, *, code: str, params: dict) -> ValidationError:
    """An error about the chosen status: forms show it on their status field."""
    return ValidationError({"status": ValidationError(message, code=code, params=params)})


def _default_source(by) -> str | None:
    if by is None:
        return None
    if by.is_syndicat or by.is_superuser:
        return Source.SYNDICAT
    return Source.REFERENT


def adoption_check_change(
    *, commune: Commune, service: Service, status: str, by=None, source: str | None = None
) -> str:
    """Check that `by` may set `status` on `commune` × `service` from `source`; return the source.

    Raises ValidationError with a message the person can act on. Forms (the admin site's
    among them) call it to show the error on the page; `adoption_set_status` calls it again.
    """
    source = source or _default_source(by)
    if status not in Status.values:
        raise _on_status(
            _("« %(status)s » n'est pas un état d'adhésion."),
            code="invalid_status",
            params={"status": status},
        )
    if source not in Source.values:
        raise ValidationError(
            _("Origine du changement inconnue : %(source)s."),
            code="invalid_source",
            params={"source": source},
        )

    if by is None:
        allowed = source in SYSTEM_SOURCES
    elif not by.is_active:
        allowed = False
    elif by.is_syndicat or by.is_superuser:
        allowed = source in SYNDICAT_SOURCES | REFERENT_SOURCES
    elif by.is_referent:
        allowed = (
            commune.epci_id is not None
            and by.epci_id == commune.epci_id
            and source in REFERENT_SOURCES
        )
    else:
        allowed = False
    if not allowed:
        raise ValidationError(
            _(
                "Seuls le référent de l'EPCI de %(commune)s et le syndicat mixte peuvent "
                "modifier ses adhésions aux services."
            ),
            code="not_allowed",
            params={"commune": commune.name},
        )

    # The syndicat mixte stays the authority on its own catalogue, withdrawn services included.
    if (
        not service.is_active
        and source not in SYNDICAT_SOURCES
        and status not in STATUSES_FOR_WITHDRAWN_SERVICE
    ):
        raise _on_status(
            _(
                "Le service « %(service)s » n'est plus proposé par le syndicat mixte : "
                "une commune peut seulement l'arrêter."
            ),
            code="withdrawn_service",
            params={"service": service.name},
        )
    return source


def _refuse_no_op(adoption: Adoption, status: str) -> None:
    if adoption.status == status:
        raise _on_status(
            _(
                "%(commune)s est déjà « %(status)s » pour le service « %(service)s » : "
                "choisissez un autre état."
            ),
            code="unchanged",
            params={
                "commune": adoption.commune.name,
                "service": adoption.service.name,
                "status": Status(status).label,
            },
        )


@transaction.atomic
def adoption_set_status(
    *,
    commune: Commune,
    service: Service,
    status: str,
    by=None,
    reason: str = "",
    source: str | None = None,
) -> Adoption:
    """Set the status of `commune` × `service`; writes its history and the commune's timeline.

    `source` defaults to the author's side (referent or syndicat mixte); without an author
    (`by=None`, the portal itself) it must be given. Setting the current status again is
    refused: nothing happened, so nothing is recorded.
    """
    source = adoption_check_change(
        commune=commune, service=service, status=status, by=by, source=source
    )
    reason = (reason or "").strip()

    # The row exists from the first change on; get_or_create survives a concurrent first change
    # (the unique constraint), then the lock orders concurrent changes of the same cell.
    Adoption.objects.get_or_create(commune=commune, service=service)
    adoption = (
        Adoption.objects.select_for_update()
        .select_related("commune", "service")
        .get(commune=commune, service=service)
    )
    _refuse_no_op(adoption, status)

    from_status = adoption.status
    adoption.status = status
    adoption.status_changed_at = timezone.now()
    adoption.full_clean()
    adoption.save(update_fields=["status", "status_changed_at", "updated_at"])

    event = AdoptionEvent(
        adoption=adoption,
        from_status=from_status,
        to_status=status,
        changed_by=by,
        source=source,
        reason=reason,
    )
    event.full_clean()
    event.save()

    # The timeline is the EPCI's record: written in the portal's language, not the author's.
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("Adhésion au service « %(service)s » : %(old)s → %(new)s") % {
            "service": service.name,
            "old": Status(from_status).label,
            "new": Status(status).label,
        }
        detail = reason
        if source != Source.REFERENT:
            detail = f"{gettext('Origine')} : {Source(source).label}" + (
                f"\n{reason}" if reason else ""
            )
    timeline_record(
        commune=adoption.commune,
        kind=TIMELINE_KIND,
        title=title,
        detail=detail,
        actor=by,
        subject=adoption,
    )
    return adoption


@transaction.atomic
def adoption_from_request(*, request: Request, status: str, by, reason: str = "") -> Adoption:
    """Turn a commune's membership request into an adoption status change, in one step.

    The request must be an open membership request of the referent's EPCI. The adoption of
    its commune × service changes (source: request) and the commune is told in the request's
    thread; the request's own status does not change.
    """
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("commune", "service")
        .get(pk=request.pk)
    )
    if not (by is not None and by.is_referent and by.epci_id == request.commune.epci_id):
        raise ValidationError(
            _("Seul le référent de l'EPCI de la commune peut mettre à jour son adhésion."),
            code="not_allowed",
        )
    if request.category != Category.MEMBERSHIP or request.service_id is None:
        raise ValidationError(
            _("La demande %(ref)s n'est pas une demande d'adhésion à un service."),
            code="not_membership",
            params={"ref": request.reference},
        )
    if not request.is_open:
        raise ValidationError(
            _("La demande %(ref)s n'est plus en cours de traitement par le référent."),
            code="closed",
            params={"ref": request.reference},
        )

    reason = (reason or "").strip()
    with translation.override(settings.LANGUAGE_CODE):
        event_reason = gettext("Demande %(ref)s") % {"ref": request.reference}
        if reason:
            event_reason = f"{event_reason} : {reason}"
    adoption = adoption_set_status(
        commune=request.commune,
        service=request.service,
        status=status,
        by=by,
        reason=event_reason,
        source=Source.REQUEST,
    )

    # Written for the commune: in the portal's language, as the rest of the thread.
    with translation.override(settings.LANGUAGE_CODE):
        body = gettext(
            "L'adhésion de %(commune)s au service « %(service)s » est maintenant : %(status)s."
        ) % {
            "commune": request.commune.name,
            "service": request.service.name,
            "status": Status(status).label,
        }
    if reason:
        body = f"{body}\n\n{reason}"
    request_message_add(request=request, author=by, body=body, internal=False)
    return adoption

"""Demand for a module: the people waiting for a session, and the session created for them.

A commune's « Demande de formation » (requests_relay, category "training", naming a module)
becomes, in one step on its page, one `TrainingDemand` per person of the commune the referent
ticks (`demands_from_request`): the request gets a message and is « en cours ».

Demand accumulates per module over the whole EPCI: « nearby » means the same EPCI, the
territory a referent organises sessions for. When TRAINING_DEMAND_THRESHOLD people (5 by
default) wait for the same module, the referent is offered « Proposer une session »: the
session form comes pre-filled and, on save, the session is created and the people ticked are
enrolled through the enrolment service (a seat each while there is one, the waiting list
after), all in one transaction (`demand_session_create`). Their requests then get a message
saying when, and are closed (or only get the message when they are no longer the referent's
to close: relayed to the syndicat mixte, or closed already).

Open training requests nobody has turned into demands yet are listed beside the demand: they
name no person, so they are not counted.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from communes.models import Contact, Epci
from referent_portal.accounts.models import User
from requests_relay import services as requests_services
from requests_relay.models import OPEN_STATUSES, Category, Request

from . import services as training_services
from .models import Enrolment, TrainingDemand, TrainingModule, TrainingSession

Waiting = TrainingDemand.Status


def demand_threshold() -> int:
    return int(getattr(settings, "TRAINING_DEMAND_THRESHOLD", 5))


def demands_visible_to(user) -> QuerySet[TrainingDemand]:
    """The referent's EPCI's demands; nobody else's (a 404)."""
    if not (user.is_authenticated and user.is_referent):
        return TrainingDemand.objects.none()
    return TrainingDemand.objects.filter(epci_id=user.epci_id)


def _names(contacts) -> str:
    return ", ".join(contact.full_name for contact in contacts)


# --- from a commune's request ----------------------------------------------------------------


def request_candidates(request_obj: Request) -> QuerySet[Contact]:
    """Who may wait for the module on behalf of the commune: its active contacts who are not
    waiting for the module already."""
    waiting = TrainingDemand.objects.filter(
        module_id=request_obj.training_module_id, status=Waiting.WAITING
    ).values("contact_id")
    return (
        Contact.objects.filter(
            communes=request_obj.commune, is_active=True, anonymised_at__isnull=True
        )
        .exclude(pk__in=waiting)
        .order_by("last_name", "first_name", "pk")
    )


@dataclass
class RequestAction:
    """« Inscrire en attente d'une session » on a training request: the form, and the people
    already waiting thanks to this request."""

    request: Request
    data: dict | None = None
    demands: list = field(default_factory=list)

    @cached_property
    def form(self):
        from .forms_followup import DemandFromRequestForm

        return DemandFromRequestForm(self.data, request_obj=self.request)


def training_request_action(*, user, request_obj, data=None) -> RequestAction | None:
    """The action for `request_obj`, or None: not the referent of its EPCI, not a training
    request naming a module, or no longer open."""
    if not (user.is_authenticated and user.is_referent):
        return None
    if request_obj.commune.epci_id != user.epci_id:
        return None
    if request_obj.category != Category.TRAINING or request_obj.training_module_id is None:
        return None
    demands = list(
        request_obj.training_demands.select_related("contact", "enrolment__session").order_by(
            "created_at", "pk"
        )
    )
    if not request_obj.is_open and not demands:
        return None
    return RequestAction(request=request_obj, data=data, demands=demands)


@transaction.atomic
def demands_from_request(
    *, request: Request, contacts: list[Contact], by: User
) -> list[TrainingDemand]:
    """The ticked people of the commune wait for a session of the requested module. The
    request gets a message (e-mailed to the agent) and is « en cours ». All or nothing."""
    request = Request.objects.select_for_update().select_related("commune").get(pk=request.pk)
    if not (by.is_referent and by.epci_id == request.commune.epci_id):
        raise ValidationError(_("Seul le référent de l'EPCI traite cette demande."))
    if request.category != Category.TRAINING or request.training_module_id is None:
        raise ValidationError(_("Ce n'est pas une demande de formation."))
    if request.status not in OPEN_STATUSES:
        raise ValidationError(
            _("La demande %(ref)s n'est plus en cours de traitement par le référent."),
            params={"ref": request.reference},
        )
    if not contacts:
        raise ValidationError({"contacts": _("Choisissez au moins une personne.")})
    candidates = set(request_candidates(request).values_list("pk", flat=True))
    refused = [contact for contact in contacts if contact.pk not in candidates]
    if refused:
        raise ValidationError(
            {
                "contacts": _(
                    "%(names)s : pas un contact actif de la commune, ou déjà en attente de ce "
                    "module."
                )
                % {"names": _names(refused)}
            }
        )
    module = request.training_module
    demands = []
    for contact in contacts:
        demand = TrainingDemand(
            epci_id=request.commune.epci_id,
            module=module,
            contact=contact,
            commune=request.commune,
            request=request,
            created_by=by,
        )
        try:
            with transaction.atomic():
                demand.save()
        except IntegrityError as exc:  # the same person added at the same instant
            raise ValidationError(
                {
                    "contacts": _("%(name)s attend déjà une session de ce module.")
                    % {"name": contact.full_name}
                }
            ) from exc
        demands.append(demand)
    with translation.override(settings.LANGUAGE_CODE):
        body = ngettext(
            "%(names)s attend désormais une session du module « %(module)s ». Une session "
            "sera proposée dès que suffisamment d'agents du territoire l'attendront ; vous en "
            "serez informé(e) ici et par courriel.",
            "%(names)s attendent désormais une session du module « %(module)s ». Une session "
            "sera proposée dès que suffisamment d'agents du territoire l'attendront ; vous en "
            "serez informé(e) ici et par courriel.",
            len(contacts),
        ) % {"names": _names(contacts), "module": module.title}
    requests_services.request_message_add(request=request, author=by, body=body)
    requests_services.request_assign(request=request, assignee=request.assigned_to or by, by=by)
    return demands


@transaction.atomic
def demand_withdraw(*, demand: TrainingDemand, by: User) -> TrainingDemand:
    demand = TrainingDemand.objects.select_for_update().get(pk=demand.pk)
    if not (by.is_referent and by.epci_id == demand.epci_id):
        raise ValidationError(_("Seul le référent de l'EPCI gère cette attente."))
    if demand.status != Waiting.WAITING:
        raise ValidationError(_("Cette personne n'est plus en attente."))
    demand.status = Waiting.WITHDRAWN
    demand.resolved_at = timezone.now()
    demand.save(update_fields=["status", "resolved_at", "updated_at"])
    return demand


# --- the demand per module -------------------------------------------------------------------


@dataclass
class ModuleDemand:
    module: TrainingModule
    demands: list[TrainingDemand]
    pending_requests: list[Request]
    threshold: int

    @property
    def waiting(self) -> int:
        return len(self.demands)

    @property
    def reached(self) -> bool:
        return self.waiting >= self.threshold

    @property
    def communes(self) -> list:
        seen = {}
        for demand in self.demands:
            seen.setdefault(demand.commune_id, demand.commune)
        return sorted(seen.values(), key=lambda commune: commune.search_name)


def demand_by_module(epci: Epci) -> list[ModuleDemand]:
    """Each module offered, with the people waiting for it in the EPCI (who asked first
    first) and the open training requests for it that no one has turned into demands."""
    threshold = demand_threshold()
    modules = list(TrainingModule.objects.filter(is_active=True).order_by("position", "title"))
    demands = list(
        TrainingDemand.objects.filter(epci=epci, status=Waiting.WAITING)
        .select_related("contact", "commune", "request")
        .order_by("created_at", "pk")
    )
    pending = list(
        Request.objects.filter(
            commune__epci=epci,
            category=Category.TRAINING,
            status__in=OPEN_STATUSES,
            training_demands__isnull=True,
        )
        .select_related("commune")
        .order_by("created_at", "pk")
    )
    return [
        ModuleDemand(
            module=module,
            demands=[d for d in demands if d.module_id == module.pk],
            pending_requests=[r for r in pending if r.training_module_id == module.pk],
            threshold=threshold,
        )
        for module in modules
    ]


def waiting_for(epci: Epci, module: TrainingModule) -> QuerySet[TrainingDemand]:
    return (
        TrainingDemand.objects.filter(epci=epci, module=module, status=Waiting.WAITING)
        .select_related("contact", "commune", "request")
        .order_by("created_at", "pk")
    )


# --- one step: the session and its enrolments ------------------------------------------------


@transaction.atomic
def demand_session_create(
    *,
    by: User,
    module: TrainingModule,
    demands: list[TrainingDemand],
    open_now: bool = True,
    **session_fields,
) -> tuple[TrainingSession, list[Enrolment]]:
    """Create the session (trainings' `session_create`) and enrol the people of `demands` in
    it (trainings' `enrolment_create`: confirmation and invitation e-mailed), close their
    demands and answer their requests. Any refusal undoes everything."""
    if not demands:
        raise ValidationError({"demands": _("Choisissez au moins une personne à inscrire.")})
    locked = list(
        TrainingDemand.objects.select_for_update()
        .filter(pk__in=[d.pk for d in demands])
        .order_by("created_at", "pk")
    )
    stale = [d for d in locked if d.status != Waiting.WAITING or d.module_id != module.pk]
    if len(locked) != len(demands) or stale or any(d.epci_id != by.epci_id for d in locked):
        raise ValidationError(
            {"demands": _("La liste des personnes en attente a changé : vérifiez-la.")}
        )
    session = training_services.session_create(
        by=by, module=module, open_now=open_now, **session_fields
    )
    now = timezone.now()
    demands = list(
        TrainingDemand.objects.filter(pk__in=[d.pk for d in locked])
        .select_related("contact", "commune", "request")
        .order_by("created_at", "pk")
    )
    enrolments = []
    for demand in demands:
        enrolment = training_services.enrolment_create(
            session=session, contact=demand.contact, by=by, commune=demand.commune
        )
        demand.status = Waiting.ENROLLED
        demand.enrolment = enrolment
        demand.resolved_at = now
        demand.save(update_fields=["status", "enrolment", "resolved_at", "updated_at"])
        enrolments.append(enrolment)
    _answer_requests(session, demands, enrolments, by)
    return session, enrolments


def _answer_requests(session, demands, enrolments, by) -> None:
    by_request: dict[int, tuple[Request, list]] = {}
    status_of = {enrolment.contact_id: enrolment.status for enrolment in enrolments}
    for demand in demands:
        if demand.request_id:
            by_request.setdefault(demand.request_id, (demand.request, []))[1].append(demand)
    with translation.override(settings.LANGUAGE_CODE):
        day = formats.date_format(timezone.localtime(session.starts_at), "DATETIME_FORMAT")
        for request, request_demands in by_request.values():
            seated = [d.contact for d in request_demands if status_of[d.contact_id] == "enrolled"]
            waiting = [d.contact for d in request_demands if status_of[d.contact_id] != "enrolled"]
            lines = [
                gettext(
                    "Une session du module « %(module)s » est organisée le %(day)s (%(where)s)."
                )
                % {
                    "module": session.module.title,
                    "day": day,
                    "where": training_services.session_location(session),
                }
            ]
            if seated:
                lines.append(gettext("Inscrit(e)s : %(names)s.") % {"names": _names(seated)})
            if waiting:
                lines.append(
                    gettext("Sur la liste d'attente : %(names)s.") % {"names": _names(waiting)}
                )
            lines.append(gettext("Chacun reçoit la confirmation et l'invitation par courriel."))
            body = " ".join(lines)
            current = Request.objects.get(pk=request.pk)
            if current.status in OPEN_STATUSES and current.dossier_id is None:
                requests_services.request_resolve_locally(request=current, by=by, body=body)
            else:  # relayed to the syndicat mixte, or closed: the message only
                requests_services.request_message_add(request=current, author=by, body=body)

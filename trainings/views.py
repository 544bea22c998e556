"""Pages of the trainings: the catalogue for everyone, the sessions for the referent, enrolment
and withdrawal for the agents.

Every object is read through a selector: a session of another EPCI, an enrolment of another
commune answers 404. Cancelling a session or withdrawing e-mails people: each has a
confirmation page (GET) before the action (POST).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from communes.models import Commune
from referent_portal.accounts.decorators import referent_required

from . import services
from .forms import CancelForm, EnrolOthersForm, SessionForm, add_service_error
from .models import Enrolment, TrainingSession
from .selectors import (
    catalogue,
    contact_of,
    enrollable_contacts,
    enrolments_of,
    enrolments_visible_to,
    is_commune_manager,
    live_enrolment_of,
    session_enrolled,
    session_waiting_list,
    sessions_for_referent,
    sessions_visible_to,
    waiting_position,
)

Seat = Enrolment.Status


def _session(user, pk) -> TrainingSession:
    return get_object_or_404(
        sessions_visible_to(user).select_related("module", "host_commune", "created_by", "epci"),
        pk=pk,
    )


def _may_enrol_others(user, session) -> bool:
    return (user.is_referent and user.epci_id == session.epci_id) or is_commune_manager(user)


@login_required
def catalogue_view(request):
    """The four modules (those still offered) and the sessions to come of each."""
    user = request.user
    modules = catalogue(user)
    contact = contact_of(user)
    mine = {}
    if contact is not None:
        mine = {
            e.session_id: e
            for e in Enrolment.objects.filter(contact=contact, status__in=Enrolment.LIVE)
        }
    for module in modules:
        for session in module.upcoming:
            session.my_enrolment = mine.get(session.pk)
    return render(
        request,
        "trainings/catalogue.html",
        {"modules": modules, "has_contact": contact is not None},
    )


@referent_required
def session_list(request):
    upcoming, past = sessions_for_referent(request.user)
    return render(request, "trainings/session_list.html", {"upcoming": upcoming, "past": past})


@referent_required
def session_create(request):
    user = request.user
    form = SessionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                by=user, open_now=form.cleaned_data["open_now"], **form.service_fields()
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if session.status == TrainingSession.Status.OPEN:
                text = _("La session est enregistrée et ouverte aux inscriptions.")
            else:
                text = _(
                    "La session est enregistrée, planifiée : ouvrez les inscriptions quand "
                    "vous voulez l'annoncer."
                )
            messages.success(request, text)
            return redirect("trainings:session_detail", pk=session.pk)
    return render(
        request,
        "trainings/session_form.html",
        {"form": form, "session": None},
        status=400 if form.errors else 200,
    )


@referent_required
def session_edit(request, pk):
    session = _session(request.user, pk)
    if not session.is_active:
        messages.error(request, services.STATE_ERRORS[session.status])
        return redirect("trainings:session_detail", pk=session.pk)
    form = SessionForm(request.POST or None, user=request.user, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.session_update(
                session=session, by=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if not changed:
                messages.info(request, _("Rien n'a changé."))
            elif set(changed) & {*services.CALENDAR_FIELDS, "module"}:
                messages.success(
                    request,
                    _(
                        "La session est modifiée ; les inscrits reçoivent l'invitation mise à "
                        "jour, la liste d'attente est prévenue."
                    ),
                )
            else:
                messages.success(request, _("La session est modifiée."))
            return redirect("trainings:session_detail", pk=session.pk)
    return render(
        request,
        "trainings/session_form.html",
        {"form": form, "session": session},
        status=400 if form.errors else 200,
    )


@login_required
def session_detail(request, pk):
    user = request.user
    session = _session(user, pk)
    context = {
        "session": session,
        "location": services.session_location(session),
        "registration_open": services.registration_open(session),
        "may_enrol_others": _may_enrol_others(user, session) and session.is_active,
    }
    if user.is_referent:
        enrolled = list(session_enrolled(session))
        waiting = list(session_waiting_list(session))
        context.update(
            enrolled=enrolled,
            waiting=waiting,
            others=list(
                session.enrolments.exclude(status__in=Enrolment.LIVE)
                .select_related("contact", "commune", "withdrawn_by")
                .order_by("-updated_at")
            ),
        )
        template = "trainings/session_detail_referent.html"
    else:
        mine = live_enrolment_of(user, session)
        if mine is not None:
            mine.position = waiting_position(mine)
        colleagues = []
        if is_commune_manager(user):
            colleagues = list(
                enrolments_visible_to(user)
                .filter(session=session, status__in=Enrolment.LIVE)
                .exclude(contact__user=user)
                .select_related("contact", "commune")
                .order_by("queued_at", "pk")
            )
            for enrolment in colleagues:
                enrolment.position = waiting_position(enrolment)
        context.update(
            mine=mine,
            has_contact=contact_of(user) is not None,
            colleagues=colleagues,
            may_withdraw_colleagues=services.registration_open(session),
        )
        template = "trainings/session_detail.html"
    return render(request, template, context)


@referent_required
@require_POST
def session_open(request, pk):
    session = _session(request.user, pk)
    try:
        services.session_open(session=session, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Les inscriptions sont ouvertes : les agents voient la session.")
        )
    return redirect("trainings:session_detail", pk=session.pk)


@referent_required
def session_cancel(request, pk):
    session = _session(request.user, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                session=session, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("La session est annulée ; les inscrits et la liste d'attente sont prévenus."),
            )
            return redirect("trainings:session_detail", pk=session.pk)
    live = list(
        session.enrolments.filter(status__in=Enrolment.LIVE)
        .select_related("contact")
        .order_by("status", "contact__last_name")
    )
    return render(
        request,
        "trainings/session_cancel.html",
        {"session": session, "form": form, "live": live},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def enrol_self(request, pk):
    """An agent enrols themselves: a seat, or the waiting list when the session is full."""
    user = request.user
    session = _session(user, pk)
    contact = contact_of(user)
    if contact is None:
        messages.error(
            request,
            _(
                "Votre compte n'est rattaché à aucune fiche de contact : demandez à votre "
                "référent de vous inscrire."
            ),
        )
        return redirect("trainings:session_detail", pk=session.pk)
    try:
        enrolment = services.enrolment_create(session=session, contact=contact, by=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if enrolment.status == Seat.ENROLLED:
            messages.success(
                request,
                _("Vous êtes inscrit(e). La confirmation arrive par courriel, avec l'invitation."),
            )
        else:
            messages.success(
                request,
                _(
                    "La session est complète : vous êtes sur la liste d'attente, en position "
                    "%(position)s. Vous serez prévenu(e) par courriel si une place se libère."
                )
                % {"position": waiting_position(enrolment)},
            )
    return redirect("trainings:session_detail", pk=session.pk)


@login_required
def enrol_others(request, pk):
    """The referent enrols anyone of the EPCI; a DGS or secrétaire, the agents of the commune."""
    user = request.user
    session = _session(user, pk)
    if not _may_enrol_others(user, session):
        raise PermissionDenied
    if not session.is_active:
        messages.error(request, services.STATE_ERRORS[session.status])
        return redirect("trainings:session_detail", pk=session.pk)
    already = session.enrolments.filter(status__in=Enrolment.LIVE).values("contact_id")
    contacts = (
        enrollable_contacts(user, session)
        .exclude(pk__in=already)
        .prefetch_related("communes")
        .order_by("last_name", "first_name", "pk")
    )
    communes = Commune.objects.filter(
        pk__in=enrollable_contacts(user, session).values("communes")
    ).order_by("search_name")
    commune = None
    query = request.GET.get("q", "").strip()
    if request.GET.get("commune"):
        commune = communes.filter(insee_code=request.GET["commune"]).first()
    if request.method == "GET":
        if commune is not None:
            contacts = contacts.filter(communes=commune)
        if query:
            contacts = contacts.filter(
                Q(last_name__icontains=query) | Q(first_name__icontains=query)
            )
    form = EnrolOthersForm(request.POST or None, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            enrolments = services.enrolments_create(
                session=session, contacts=form.cleaned_data["contacts"], by=user
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            seated = sum(1 for e in enrolments if e.status == Seat.ENROLLED)
            waiting = len(enrolments) - seated
            text = ngettext(
                "%(count)s personne inscrite.", "%(count)s personnes inscrites.", seated
            ) % {"count": seated}
            if waiting:
                text += " " + ngettext(
                    "%(count)s personne sur la liste d'attente.",
                    "%(count)s personnes sur la liste d'attente.",
                    waiting,
                ) % {"count": waiting}
            messages.success(request, text)
            return redirect("trainings:session_detail", pk=session.pk)
    return render(
        request,
        "trainings/enrol_others.html",
        {
            "session": session,
            "form": form,
            "communes": communes,
            "commune": commune,
            "query": query,
            "filtered": commune is not None or bool(query),
        },
        status=400 if form.errors else 200,
    )


@login_required
def enrolment_withdraw(request, pk):
    """Leave a session or its waiting list, after a confirmation page."""
    user = request.user
    enrolment = get_object_or_404(
        enrolments_visible_to(user).select_related(
            "session", "session__module", "session__host_commune", "session__epci", "contact"
        ),
        pk=pk,
    )
    if not services.may_withdraw(user, enrolment):
        raise PermissionDenied
    session = enrolment.session
    errors = []
    if request.method == "POST":
        try:
            services.enrolment_withdraw(enrolment=enrolment, by=user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            if enrolment.contact.user_id == user.id:
                text = _("Votre désistement est enregistré.")
            else:
                text = _("Le désistement de %(name)s est enregistré.") % {
                    "name": enrolment.contact.full_name
                }
            messages.success(request, text)
            return redirect("trainings:session_detail", pk=session.pk)
    return render(
        request,
        "trainings/withdraw.html",
        {
            "enrolment": enrolment,
            "session": session,
            "location": services.session_location(session),
            "is_self": enrolment.contact.user_id == user.id,
            "errors": errors,
            "position": waiting_position(enrolment),
        },
        status=400 if errors else 200,
    )


@login_required
def my_trainings(request):
    """The agent's own enrolments: those to come, then the history."""
    return render(
        request,
        "trainings/my_trainings.html",
        {"enrolments": enrolments_of(request.user), "has_contact": contact_of(request.user)},
    )

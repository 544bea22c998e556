"""Pages of the follow-up of trainings: attendance (on a phone), attestations, the satisfaction
survey (signed link, no login) and its results, the coverage of the territory, and the demand
that becomes a session.

Sessions are read through trainings' `sessions_visible_to`, attestations through
`attestations_visible_to`, demands through `demands_visible_to`: another EPCI's (or another
person's) answers 404. Actions that e-mail people have a confirmation page (GET) first.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from referent_portal.accounts.decorators import referent_required
from requests_relay.selectors import requests_visible_to

from . import attendance as attendance_services
from . import coverage as coverage_module
from . import demand as demand_services
from . import survey as survey_services
from .attestations import (
    attestation_filename,
    attestation_pdf,
    attestations_of,
    attestations_visible_to,
)
from .forms import SessionForm, add_service_error
from .forms_followup import DemandPeopleForm, SurveyForm
from .models import Enrolment, TrainingModule, TrainingSession
from .selectors import sessions_visible_to


def _session(user, pk) -> TrainingSession:
    return get_object_or_404(
        sessions_visible_to(user).select_related("module", "epci", "created_by", "host_commune"),
        pk=pk,
    )


def _attendance_url(session, anchor: str = "") -> str:
    url = reverse("trainings:attendance", args=[session.pk])
    return f"{url}#{anchor}" if anchor else url


def _closed_message(session) -> str | None:
    reason = attendance_services.attendance_closed_reason(session)
    if reason is None:
        return None
    return str(attendance_services.CLOSED_ERRORS[reason]) % {
        "day": formats.date_format(attendance_services.session_day(session), "DATE_FORMAT")
    }


# --- attendance ------------------------------------------------------------------------------


@referent_required
def attendance(request, pk):
    session = _session(request.user, pk)
    enrolments = attendance_services.attendance_list(session)
    return render(
        request,
        "trainings/followup/attendance.html",
        {
            "session": session,
            "enrolments": enrolments,
            "counts": attendance_services.attendance_counts(enrolments),
            "closed": _closed_message(session),
            "held": session.status == TrainingSession.Status.HELD,
        },
    )


@referent_required
def attendance_mark(request, pk, enrolment_pk):
    session = _session(request.user, pk)
    enrolment = get_object_or_404(
        session.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related("contact"),
        pk=enrolment_pk,
    )
    if request.method != "POST":
        return redirect(_attendance_url(session))
    choice = request.POST.get("attended")
    if choice not in ("present", "absent"):
        messages.error(request, _("Choisissez « Présent » ou « Absent »."))
        return redirect(_attendance_url(session, f"inscrit-{enrolment.pk}"))
    try:
        attendance_services.attendance_mark(
            enrolment=enrolment, attended=choice == "present", by=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_attendance_url(session))
    name = enrolment.contact.full_name
    if choice == "present":
        text = _("%(name)s : présent(e).") % {"name": name}
        if session.status == TrainingSession.Status.HELD:
            text += " " + _("Son attestation lui est envoyée.")
    else:
        text = _("%(name)s : absent(e).") % {"name": name}
    messages.success(request, text)
    return redirect(_attendance_url(session, f"inscrit-{enrolment.pk}"))


@referent_required
def attendance_confirm(request, pk):
    session = _session(request.user, pk)
    errors = []
    if request.method == "POST":
        try:
            issued = attendance_services.attendance_confirm(session=session, by=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                ngettext(
                    "Présences confirmées : la session est tenue. %(count)s attestation part "
                    "par courriel, avec le questionnaire de satisfaction.",
                    "Présences confirmées : la session est tenue. %(count)s attestations "
                    "partent par courriel, avec le questionnaire de satisfaction.",
                    issued,
                )
                % {"count": issued},
            )
            return redirect(_attendance_url(session))
    enrolments = attendance_services.attendance_list(session)
    return render(
        request,
        "trainings/followup/attendance_confirm.html",
        {
            "session": session,
            "present": [e for e in enrolments if e.attended is True],
            "counts": attendance_services.attendance_counts(enrolments),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# --- attestations ----------------------------------------------------------------------------


@login_required
def attestation_download(request, number):
    attestation = get_object_or_404(attestations_visible_to(request.user), number=number)
    response = HttpResponse(attestation_pdf(attestation), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=attestation_filename(attestation)
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_attestations(request):
    return render(
        request,
        "trainings/followup/my_attestations.html",
        {"attestations": attestations_of(request.user)},
    )


# --- the satisfaction survey -----------------------------------------------------------------


@never_cache
def survey(request, token):
    """The attendee's form, reached from the e-mail without logging in."""
    try:
        enrolment = survey_services.survey_enrolment(token)
    except survey_services.SurveyLinkError as exc:
        return render(
            request,
            "trainings/followup/survey_invalid.html",
            {"reason": exc.reason, "days": survey_services.survey_days()},
            status=410 if exc.reason == "expired" else 404,
        )
    session = enrolment.session
    if survey_services.has_answered(enrolment):
        # Just answered (the redirect after the POST), or coming back to the link.
        thanked = "merci" in request.GET
        template = "survey_thanks.html" if thanked else "survey_answered.html"
        return render(request, f"trainings/followup/{template}", {"session": session})
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey_services.survey_answer(enrolment=enrolment, **form.cleaned_data)
        except ValidationError as exc:
            if exc.code == "answered":
                return render(
                    request, "trainings/followup/survey_answered.html", {"session": session}
                )
            add_service_error(form, exc)
        else:
            return redirect(f"{request.path}?merci")
    return render(
        request,
        "trainings/followup/survey_form.html",
        {"session": session, "form": form, "contact": enrolment.contact},
        status=400 if form.errors else 200,
    )


@referent_required
def survey_overview(request):
    return render(
        request,
        "trainings/followup/survey_overview.html",
        {"modules": survey_services.modules_overview(request.user.epci_id)},
    )


@referent_required
def survey_module(request, code):
    module = get_object_or_404(TrainingModule, code=code)
    results, sessions = survey_services.module_results(request.user.epci_id, module)
    if not sessions:
        raise Http404
    return render(
        request,
        "trainings/followup/survey_module.html",
        {"module": module, "results": results, "sessions": sessions},
    )


@referent_required
def survey_session(request, pk):
    session = _session(request.user, pk)
    return render(
        request,
        "trainings/followup/survey_session.html",
        {
            "session": session,
            "results": survey_services.session_results(session),
            "held": session.status == TrainingSession.Status.HELD,
        },
    )


# --- coverage --------------------------------------------------------------------------------


@referent_required
def coverage(request):
    matrix = coverage_module.training_coverage(request.user.epci)
    return render(
        request,
        "trainings/followup/coverage.html",
        {"coverage": matrix, "flag_count": len(matrix.flags)},
    )


@referent_required
def coverage_csv(request):
    epci = request.user.epci
    response = HttpResponse(
        coverage_module.coverage_csv(coverage_module.training_coverage(epci)),
        content_type=coverage_module.CSV_CONTENT_TYPE,
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=coverage_module.coverage_filename(epci)
    )
    return response


# --- demand ----------------------------------------------------------------------------------


@referent_required
def demand(request):
    return render(
        request,
        "trainings/followup/demand.html",
        {
            "modules": demand_services.demand_by_module(request.user.epci),
            "threshold": demand_services.demand_threshold(),
        },
    )


@referent_required
def demand_propose(request, code):
    """« Proposer une session »: the session form pre-filled, the people waiting ticked; on
    save the session is created and they are enrolled, in one step."""
    user = request.user
    module = get_object_or_404(TrainingModule, code=code, is_active=True)
    waiting = demand_services.waiting_for(user.epci, module)
    count = waiting.count()
    if not count:
        messages.info(request, _("Personne n'attend plus de session de ce module."))
        return redirect("trainings:demand")
    data = request.POST if request.method == "POST" else None
    session_form = SessionForm(
        data,
        user=user,
        initial={
            "module": module.pk,
            "capacity": max(count, 12),
            "reminder_days": "7, 1",
            "open_now": True,
        },
    )
    session_form.fields["module"].disabled = True
    session_form.helper.form_tag = False
    people_form = DemandPeopleForm(data, demands=waiting)
    if request.method == "POST" and session_form.is_valid() & people_form.is_valid():
        fields = session_form.service_fields()
        fields.pop("module")
        try:
            session, enrolments = demand_services.demand_session_create(
                by=user,
                module=module,
                demands=list(people_form.cleaned_data["demands"]),
                open_now=session_form.cleaned_data["open_now"],
                **fields,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "demands" in exc.error_dict:
                people_form.add_error("demands", exc.error_dict.pop("demands"))
                if exc.error_dict:
                    add_service_error(session_form, ValidationError(exc.error_dict))
            else:
                add_service_error(session_form, exc)
        else:
            seated = sum(1 for e in enrolments if e.status == Enrolment.Status.ENROLLED)
            text = ngettext(
                "La session est créée et %(count)s personne y est inscrite.",
                "La session est créée et %(count)s personnes y sont inscrites.",
                seated,
            ) % {"count": seated}
            if len(enrolments) > seated:
                text += " " + ngettext(
                    "%(count)s personne est sur la liste d'attente.",
                    "%(count)s personnes sont sur la liste d'attente.",
                    len(enrolments) - seated,
                ) % {"count": len(enrolments) - seated}
            text += " " + _("Leurs demandes ont reçu la date de la session.")
            messages.success(request, text)
            return redirect("trainings:session_detail", pk=session.pk)
    return render(
        request,
        "trainings/followup/demand_propose.html",
        {
            "module": module,
            "session_form": session_form,
            "people_form": people_form,
            "count": count,
            "threshold": demand_services.demand_threshold(),
        },
        status=400 if (session_form.errors or people_form.errors) else 200,
    )


@referent_required
@require_POST
def demand_withdraw(request, pk):
    demand_obj = get_object_or_404(
        demand_services.demands_visible_to(request.user).select_related("contact"), pk=pk
    )
    try:
        demand_services.demand_withdraw(demand=demand_obj, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)s n'attend plus de session de ce module.")
            % {"name": demand_obj.contact.full_name},
        )
    return redirect("trainings:demand")


@referent_required
def demand_from_request(request, reference):
    """A commune's training request: the ticked people wait for a session of its module."""
    user = request.user
    obj = get_object_or_404(
        requests_visible_to(user).select_related("commune", "training_module", "submitted_by"),
        reference=reference,
    )
    action = demand_services.training_request_action(
        user=user, request_obj=obj, data=request.POST if request.method == "POST" else None
    )
    if action is None or not obj.is_open:
        raise Http404
    if request.method != "POST":
        return redirect("requests_relay:detail", reference=obj.reference)
    form = action.form
    if form.is_valid():
        try:
            demands = demand_services.demands_from_request(
                request=obj, contacts=list(form.cleaned_data["contacts"]), by=user
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s personne attend une session du module « %(module)s ». La commune "
                    "en est informée dans les échanges.",
                    "%(count)s personnes attendent une session du module « %(module)s ». La "
                    "commune en est informée dans les échanges.",
                    len(demands),
                )
                % {"count": len(demands), "module": obj.training_module.title},
            )
            return redirect("requests_relay:detail", reference=obj.reference)
    return render(
        request,
        "trainings/followup/request_action.html",
        {"action": action},
        status=400,
    )

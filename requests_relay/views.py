"""Pages of the requests: the agent's submission and follow-up, the referent's triage.

Every object is read through a selector: a request of another commune, a dossier or a relay
of another EPCI answers 404. A page meant for another role answers 403; an action on an object
by the wrong role answers 404 (it does not exist for them). The syndicat mixte (and the
platform operator) reads the relayed requests here, read-only: it writes nothing on the
portal, every POST on a request is a 404 for it, and its answer is given in the admin site or
by the signed API call (see requests_relay/selectors.py). Each action is a POST to its own
view: check permission → validate the form → call the service → message → redirect. A
ValidationError of a service goes back on the form, re-rendered with what the user typed.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communes.adoption.selectors import adoption_request_action
from communes.selectors import communes_visible_to
from referent_portal.accounts.decorators import agent_required, referent_required
from referent_portal.converters import ids_in
from referent_portal.uploads.responses import file_response
from trainings.demand import training_request_action

from . import services
from .forms import (
    AskInformationForm,
    AssignForm,
    DossierForm,
    InboxFilterForm,
    MessageForm,
    NoteForm,
    RelayRequestForm,
    RequestForm,
    ResolveForm,
    add_service_error,
)
from .models import CLOSED_STATUSES, OPEN_STATUSES, Category, Relay, Status
from .selectors import (
    Scope,
    acts_as_referent_on,
    attachments_visible_to,
    dossiers_visible_to,
    may_write_to,
    messages_visible_to,
    reader_scope,
    relays_visible_to,
    requests_visible_to,
)

PAGE_SIZE = 50
FAILING_RELAY_STATES = (Relay.State.FAILED, Relay.State.RETRY)


def _can_relay(obj) -> bool:
    """Open, in no dossier, and not waiting for the commune's answer (the services' rule)."""
    return obj.is_open and obj.dossier_id is None and obj.status != Status.WAITING_COMMUNE


def _age_in_days(moment) -> int:
    return (timezone.localdate() - timezone.localtime(moment).date()).days


# --- lists ---------------------------------------------------------------------------------


@login_required
def request_list(request):
    """The agent's « Mes demandes », or the referent's inbox. The syndicat mixte's list of
    the requests relayed to it is in the admin site (the same rule, see the selectors)."""
    user = request.user
    if reader_scope(user) is Scope.RELAYED:
        return redirect("admin:requests_relay_request_changelist")
    base = requests_visible_to(user).select_related("commune", "assigned_to", "dossier")
    if user.is_agent:
        requests = base.order_by("-updated_at", "-pk")
        page_obj = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "requests_relay/request_list.html",
            {
                "page_obj": page_obj,
                "requests": page_obj.object_list,
                "commune_count": communes_visible_to(user).count(),
                "query_string": "",
            },
        )

    form = InboxFilterForm(request.GET or None, user=user)
    if form.is_bound:
        form.is_valid()  # invalid criteria are shown on the form and ignored by filter()
    requests = form.filter(base)
    page_obj = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    for row in rows:
        row.age_days = _age_in_days(row.created_at)
        row.selectable = user.is_referent and _can_relay(row)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "requests_relay/request_inbox.html",
        {
            "form": form,
            # The consolidation form carries the filters, so that it can come back to them.
            "filter_params": _inbox_params(request.GET),
            "page_obj": page_obj,
            "requests": rows,
            "is_filtered": form.is_filtered if form.is_bound else False,
            "can_consolidate": any(row.selectable for row in rows),
            "query_string": params.urlencode(),
            "failing_relays": relays_visible_to(user)
            .filter(state__in=FAILING_RELAY_STATES)
            .count(),
        },
    )


def _inbox_params(query) -> list[tuple[str, str]]:
    """The inbox's filters and page in a query string (as sent, empty ones too), nothing else."""
    keys = [*InboxFilterForm.base_fields, "page"]
    return [(key, value) for key in keys for value in query.getlist(key)]


def _inbox_url(query) -> str:
    """The inbox as the referent left it: same filters, same page."""
    params = QueryDict(mutable=True)
    for key, value in _inbox_params(query):
        params.appendlist(key, value)
    url = reverse("requests_relay:list")
    return f"{url}?{params.urlencode()}" if params else url


# --- the agent's submission ----------------------------------------------------------------


@agent_required
def request_create(request):
    user = request.user
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                obj = services.request_submit(
                    user=user,
                    commune=data["commune"],
                    category=data["category"],
                    subject=data["subject"],
                    description=data["description"],
                    urgency=data["urgency"],
                    service=data["service"],
                    training_module=data["training_module"],
                    files=data["attachments"],
                )
            except ValidationError as exc:
                add_service_error(form, exc, field="attachments")
            else:
                messages.success(
                    request,
                    _(
                        "Votre demande %(ref)s est enregistrée. Un accusé de réception vous "
                        "est envoyé par courriel."
                    )
                    % {"ref": obj.reference},
                )
                return redirect("requests_relay:detail", reference=obj.reference)
    else:
        form = RequestForm(user=user)
    return render(
        request,
        "requests_relay/request_form.html",
        {"form": form, "has_commune": form.fields["commune"].queryset.exists()},
    )


# --- a request's page ----------------------------------------------------------------------


def _visible_request(user, reference):
    return get_object_or_404(
        requests_visible_to(user).select_related(
            "commune",
            "commune__epci",
            "submitted_by",
            "assigned_to",
            "dossier",
            "service",
            "training_module",
        ),
        reference=reference,
    )


def _render_detail(request, obj, *, status=200, **bound_forms):
    """The request's page; a bound form with errors replaces its blank counterpart."""
    user = request.user
    is_referent = acts_as_referent_on(user, obj)
    context = {
        "object": obj,
        "thread": messages_visible_to(user, obj),
        "attachments": attachments_visible_to(user).filter(request=obj, message__isnull=True),
        "age_days": _age_in_days(obj.created_at),
        "is_referent": is_referent,
        # The syndicat mixte reads here and answers the dossier in the admin site.
        "read_only": reader_scope(user) is Scope.RELAYED,
        "can_write": may_write_to(user, obj) and (is_referent or obj.status not in CLOSED_STATUSES),
        "open_action": next(iter(bound_forms), None),
    }
    context["message_form"] = bound_forms.get("message_form") or (
        MessageForm(user=user, request_obj=obj) if context["can_write"] else None
    )
    if is_referent:
        triage = obj.is_open and obj.dossier_id is None
        context["can_triage"] = triage
        context["can_relay"] = _can_relay(obj)
        # A membership request can become an adoption change in one step (communes app).
        context["adoption_action"] = adoption_request_action(user=user, request_obj=obj)
        # A training request puts people on the waiting list of its module (trainings app).
        context["training_action"] = training_request_action(user=user, request_obj=obj)
        # A meeting request becomes a meeting in one step (meetings app).
        if obj.category == Category.MEETING:
            context["request_meetings"] = list(obj.meetings.order_by("starts_at"))
            context["can_plan_meeting"] = True
        context["note_form"] = bound_forms.get("note_form") or NoteForm(user=user, request_obj=obj)
        blank_forms = {
            "assign_form": lambda: AssignForm(user=user, request_obj=obj),
            "ask_form": lambda: AskInformationForm(request_obj=obj),
            "resolve_form": lambda: ResolveForm(request_obj=obj),
        }
        for name, blank in blank_forms.items():
            offered = triage or (name == "assign_form" and obj.status not in CLOSED_STATUSES)
            # A form that came back with errors is shown even if the action is no longer
            # offered (someone else closed the request meanwhile): its message says why.
            context[name] = bound_forms.get(name) or (blank() if offered else None)
    return render(request, "requests_relay/request_detail.html", context, status=status)


@login_required
def request_detail(request, reference):
    return _render_detail(request, _visible_request(request.user, reference))


@login_required
def attachment_download(request, reference, pk):
    """A file of a request in the user's scope, never one of an internal note for the commune."""
    obj = _visible_request(request.user, reference)
    attachment = get_object_or_404(attachments_visible_to(request.user).filter(request=obj), pk=pk)
    return file_response(attachment.file, filename=attachment.filename)


@require_POST
@login_required
def message_add(request, reference):
    """A message to the other side: the commune's to the referent, the referent's to the commune.

    Never an internal note: that is `note_add`, another form with its own button.
    """
    user = request.user
    obj = _visible_request(user, reference)
    if not may_write_to(user, obj):
        raise Http404  # the syndicat mixte answers the dossier, in the admin site or the API
    form = MessageForm(request.POST, request.FILES, user=user, request_obj=obj)
    if form.is_valid():
        try:
            services.request_message_add(
                request=obj,
                author=user,
                body=form.cleaned_data["body"],
                internal=False,
                files=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, field="attachments")
        else:
            if acts_as_referent_on(user, obj):
                messages.success(request, _("Message envoyé à la commune."))
            else:
                messages.success(request, _("Message envoyé au référent."))
            return redirect("requests_relay:detail", reference=obj.reference)
    return _render_detail(request, obj, message_form=form)


@require_POST
@login_required
def note_add(request, reference):
    """The referent's internal note: in the thread for the referents, never for the commune."""
    obj = _referent_request(request, reference)
    form = NoteForm(request.POST, request.FILES, user=request.user, request_obj=obj)
    if form.is_valid():
        try:
            services.request_message_add(
                request=obj,
                author=request.user,
                body=form.cleaned_data["body"],
                internal=True,
                files=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, field="attachments")
        else:
            messages.success(request, _("Note interne ajoutée : la commune ne la voit pas."))
            return redirect("requests_relay:detail", reference=obj.reference)
    return _render_detail(request, obj, note_form=form)


def _referent_request(request, reference):
    """The request for a referent's action; for anyone else it does not exist."""
    obj = _visible_request(request.user, reference)
    if not acts_as_referent_on(request.user, obj):
        raise Http404
    return obj


@require_POST
@login_required
def request_assign(request, reference):
    obj = _referent_request(request, reference)
    form = AssignForm(request.POST, user=request.user, request_obj=obj)
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            services.request_assign(request=obj, assignee=assignee, by=request.user)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if assignee is None:
                messages.success(request, _("La demande n'est plus attribuée."))
            else:
                messages.success(
                    request,
                    _("Demande suivie par %(name)s.")
                    % {"name": assignee.get_full_name() or assignee.username},
                )
            return redirect("requests_relay:detail", reference=obj.reference)
    return _render_detail(request, obj, assign_form=form)


def _referent_reply(request, reference, *, form_class, form_name, service, success):
    """A referent's written action on a request (a question, a local answer): the form, the
    service, a message, back to the request; errors come back in the form that was sent."""
    obj = _referent_request(request, reference)
    form = form_class(request.POST, request_obj=obj)
    if form.is_valid():
        try:
            service(request=obj, by=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, success)
            return redirect("requests_relay:detail", reference=obj.reference)
    return _render_detail(request, obj, **{form_name: form})


@require_POST
@login_required
def request_ask_information(request, reference):
    return _referent_reply(
        request,
        reference,
        form_class=AskInformationForm,
        form_name="ask_form",
        service=services.request_ask_information,
        success=_("Question envoyée : la demande attend la réponse de la commune."),
    )


@require_POST
@login_required
def request_resolve(request, reference):
    return _referent_reply(
        request,
        reference,
        form_class=ResolveForm,
        form_name="resolve_form",
        service=services.request_resolve_locally,
        success=_("Réponse envoyée, la demande est close."),
    )


def _relay_recap(requests) -> dict:
    """Who hears of a relay: the syndicat mixte, and the agent behind each request."""
    return {
        "syndicat_email": settings.SYNDICAT_EMAIL,
        "syndicat_webhook": bool(settings.SYNDICAT_WEBHOOK_URL),
        "recap_requests": requests,
    }


@require_http_methods(["GET", "POST"])
@login_required
def request_relay(request, reference):
    """Relay one request: a confirmation page (GET) recaps what goes to whom; POST relays."""
    obj = _referent_request(request, reference)
    if request.method == "POST":
        form = RelayRequestForm(request.POST, request_obj=obj)
        if form.is_valid():
            try:
                dossier = services.request_relay(
                    request=obj,
                    by=request.user,
                    summary=form.cleaned_data["summary"],
                    arguments=form.cleaned_data["arguments"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Demande transmise au syndicat mixte dans le dossier %(ref)s.")
                    % {"ref": dossier.reference},
                )
                return redirect("requests_relay:dossier_detail", reference=dossier.reference)
    elif not _can_relay(obj):
        messages.warning(
            request,
            _(
                "La demande %(ref)s ne peut pas être transmise maintenant : elle est close, "
                "déjà dans un dossier ou en attente de la réponse de la commune."
            )
            % {"ref": obj.reference},
        )
        return redirect("requests_relay:detail", reference=obj.reference)
    else:
        form = RelayRequestForm(request_obj=obj, initial={"summary": obj.description})
    return render(
        request,
        "requests_relay/request_relay_confirm.html",
        {"object": obj, "form": form, **_relay_recap([obj])},
    )


# --- dossiers ------------------------------------------------------------------------------


@referent_required
def dossier_list(request):
    dossiers = (
        dossiers_visible_to(request.user)
        .select_related("service", "training_module")
        .annotate(
            request_count=Count("requests", distinct=True),
            commune_count=Count("requests__commune", distinct=True),
            failing_relays=Count(
                "relays", filter=Q(relays__state__in=FAILING_RELAY_STATES), distinct=True
            ),
        )
        .order_by("-created_at")
    )
    page_obj = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "requests_relay/dossier_list.html",
        {"page_obj": page_obj, "dossiers": page_obj.object_list, "query_string": ""},
    )


@referent_required
def dossier_create(request):
    """The requests ticked in the inbox (?requests=…) become one dossier."""
    user = request.user
    selected = ids_in(request.GET.getlist("requests"))
    candidates = requests_visible_to(user).filter(
        pk__in=selected, status__in=OPEN_STATUSES, dossier__isnull=True
    )
    inbox_url = _inbox_url(request.GET)
    if not candidates.exists():
        messages.error(
            request,
            _(
                "Aucune demande n'est cochée : cochez dans la liste les demandes ouvertes "
                "à regrouper, puis « Regrouper en dossier »."
            ),
        )
        return redirect(inbox_url)
    action = f"{reverse('requests_relay:dossier_create')}?{request.GET.urlencode()}"
    if request.method == "POST":
        form = DossierForm(request.POST, candidates=candidates, action=action, cancel_url=inbox_url)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dossier = services.dossier_create(
                    requests=list(data["requests"]),
                    by=user,
                    title=data["title"],
                    summary=data["summary"],
                    arguments=data["arguments"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Dossier %(ref)s créé. Relisez-le, puis transmettez-le au syndicat mixte.")
                    % {"ref": dossier.reference},
                )
                return redirect("requests_relay:dossier_detail", reference=dossier.reference)
    else:
        first = candidates.order_by("created_at").first()
        form = DossierForm(
            candidates=candidates,
            action=action,
            cancel_url=inbox_url,
            initial={"requests": list(candidates), "title": first.subject},
        )
    return render(
        request,
        "requests_relay/dossier_form.html",
        {"form": form, "candidates": candidates.select_related("commune")},
    )


def _visible_dossier(user, reference):
    return get_object_or_404(
        dossiers_visible_to(user).select_related(
            "epci", "service", "training_module", "created_by"
        ),
        reference=reference,
    )


@referent_required
def dossier_detail(request, reference):
    dossier = _visible_dossier(request.user, reference)
    relays = dossier.relays.prefetch_related(Prefetch("log", to_attr="attempts_log")).annotate(
        last_attempt_at=Max("log__started_at")
    )
    return render(
        request,
        "requests_relay/dossier_detail.html",
        {
            "dossier": dossier,
            "requests": dossier.requests.select_related("commune", "submitted_by").order_by(
                "commune__name", "created_at"
            ),
            "relays": relays,
            "can_relay": dossier.status == Status.IN_PROGRESS,
        },
    )


@require_http_methods(["GET", "POST"])
@referent_required
def dossier_relay(request, reference):
    """Relay a dossier: a confirmation page (GET) recaps what goes to whom; POST relays."""
    dossier = _visible_dossier(request.user, reference)
    if request.method != "POST":
        if dossier.status != Status.IN_PROGRESS:
            messages.info(request, _("Ce dossier a déjà été transmis au syndicat mixte."))
            return redirect("requests_relay:dossier_detail", reference=dossier.reference)
        requests = dossier.requests.select_related("commune", "submitted_by").order_by(
            "commune__name", "created_at"
        )
        return render(
            request,
            "requests_relay/dossier_relay_confirm.html",
            {"dossier": dossier, **_relay_recap(requests)},
        )
    try:
        services.dossier_relay(dossier=dossier, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Dossier %(ref)s transmis au syndicat mixte ; les communes sont prévenues.")
            % {"ref": dossier.reference},
        )
    return redirect("requests_relay:dossier_detail", reference=dossier.reference)


# --- relays --------------------------------------------------------------------------------


@referent_required
def relay_list(request):
    """The relays that failed or wait for a new attempt: what the referent must watch."""
    relays = (
        relays_visible_to(request.user)
        .filter(state__in=FAILING_RELAY_STATES)
        .select_related("dossier")
        .annotate(last_attempt_at=Max("log__started_at"))
        .order_by("state", "-updated_at")
    )
    return render(request, "requests_relay/relay_list.html", {"relays": relays})


@require_POST
@referent_required
def relay_retry(request, pk):
    relay = get_object_or_404(relays_visible_to(request.user).select_related("dossier"), pk=pk)
    try:
        services.relay_retry(relay=relay)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Nouvel envoi du dossier %(ref)s programmé.") % {"ref": relay.dossier.reference},
        )
    next_url = request.POST.get("next")
    if next_url == "relays":
        return redirect("requests_relay:relay_list")
    return redirect("requests_relay:dossier_detail", reference=relay.dossier.reference)

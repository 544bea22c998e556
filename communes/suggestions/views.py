"""Pages of the suggestions: the referent's list, writing one, the rules; the agent's answer.

Every suggestion is read through `suggestions_visible_to`: one made to another commune (or a
proposal the referent has not sent, for an agent) answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communes.selectors import communes_visible_to
from referent_portal.accounts.decorators import referent_required

from . import services
from .forms import AnswerForm, SuggestionForm, add_service_error
from .models import Suggestion
from .rules import RULES, rule_description, rule_title
from .selectors import (
    AWAITING_COMMUNE,
    suggestion_counts,
    suggestion_recipients,
    suggestions_visible_to,
)

PAGE_SIZE = 50
Status = Suggestion.Status

# The referent's tabs: (slug, label, statuses, order).
TABS = {
    "en-attente": (gettext_lazy("En attente de réponse"), (Status.SENT,), ("sent_at", "pk")),
    "proposees": (
        gettext_lazy("Proposées par le portail"),
        (Status.PROPOSED,),
        ("-created_at", "-pk"),
    ),
    "reponses": (gettext_lazy("Réponses"), Suggestion.ANSWERS, ("-answered_at", "-pk")),
}
TAB_COUNT_KEYS = {"en-attente": "sent", "proposees": "proposed", "reponses": "answered"}


def _referent_suggestion(request, pk):
    """The suggestion for a referent's action; for anyone else it does not exist."""
    if not request.user.is_referent:
        raise Http404
    return get_object_or_404(suggestions_visible_to(request.user), pk=pk)


def _list_url(tab: str) -> str:
    return f"{reverse('communes:suggestion_list')}?{urlencode({'onglet': tab})}"


@login_required
def suggestion_list(request):
    """The referent's suggestions by tab; an agent's, those made to their communes."""
    user = request.user
    if user.is_agent:
        suggestions = (
            suggestions_visible_to(user)
            .select_related("commune", "service", "answered_by")
            .order_by("-sent_at", "-pk")
        )
        return render(
            request,
            "communes/suggestions/agent_list.html",
            {
                "suggestions": list(suggestions),
                "awaiting": AWAITING_COMMUNE,
                "several_communes": communes_visible_to(user).count() > 1,
            },
        )
    if not user.is_referent:
        raise PermissionDenied

    tab = request.GET.get("onglet")
    if tab not in TABS:
        tab = "en-attente"
    _label, statuses, order = TABS[tab]
    suggestions = (
        suggestions_visible_to(user)
        .filter(status__in=statuses)
        .select_related("commune", "service", "created_by", "answered_by")
        .order_by(*order)
    )
    page_obj = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    for row in rows:
        row.rule_title = rule_title(row.rule) if row.rule else ""
    counts = suggestion_counts(user)
    return render(
        request,
        "communes/suggestions/suggestion_list.html",
        {
            "tab": tab,
            "tabs": [
                {
                    "slug": slug,
                    "label": label,
                    "count": counts[TAB_COUNT_KEYS[slug]],
                    "url": _list_url(slug),
                }
                for slug, (label, _statuses, _order) in TABS.items()
            ],
            "tab_label": TABS[tab][0],
            "suggestions": rows,
            "page_obj": page_obj,
            "query_string": urlencode({"onglet": tab}),
        },
    )


@referent_required
def suggestion_create(request):
    user = request.user
    if request.method == "POST":
        form = SuggestionForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                suggestion = services.suggestion_create(
                    by=user,
                    commune=data["commune"],
                    service=data["service"],
                    title=data["title"],
                    body=data["body"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                _report_sent(request, suggestion)
                return redirect(_list_url("en-attente"))
    else:
        initial = {}
        insee_code = request.GET.get("commune")
        if insee_code:
            initial["commune"] = (
                communes_visible_to(user)
                .filter(insee_code=insee_code)
                .values_list("pk", flat=True)
                .first()
            )
        form = SuggestionForm(user=user, initial=initial)
    return render(request, "communes/suggestions/suggestion_form.html", {"form": form})


def _report_sent(request, suggestion):
    recipients = suggestion_recipients(suggestion.commune).count()
    if recipients:
        messages.success(
            request,
            _("Suggestion envoyée à %(commune)s : %(count)s agent(s) la reçoivent par courriel.")
            % {"commune": suggestion.commune.name, "count": recipients},
        )
    else:
        messages.warning(
            request,
            _(
                "Suggestion enregistrée pour %(commune)s, mais aucun agent de la commune n'a de "
                "compte sur le portail : personne ne l'a reçue ni ne peut y répondre. "
                "Transmettez-la par un autre moyen."
            )
            % {"commune": suggestion.commune.name},
        )


@require_POST
@login_required
def suggestion_confirm(request, pk):
    suggestion = _referent_suggestion(request, pk)
    try:
        suggestion = services.suggestion_confirm(suggestion=suggestion, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _report_sent(request, suggestion)
    return redirect(_list_url("proposees"))


@require_POST
@login_required
def suggestion_dismiss(request, pk):
    suggestion = _referent_suggestion(request, pk)
    try:
        services.suggestion_dismiss(suggestion=suggestion, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Suggestion écartée : %(commune)s n'en saura rien.")
            % {"commune": suggestion.commune.name},
        )
    return redirect(_list_url("proposees"))


@referent_required
def suggestion_rules(request):
    """The rules by which the portal proposes suggestions, in plain language."""
    rules = [
        {
            "code": rule.code,
            "title": rule.title,
            "description": rule_description(rule),
            "enabled": rule.enabled,
            "disabled_reason": rule.disabled_reason,
        }
        for rule in RULES
    ]
    return render(
        request,
        "communes/suggestions/suggestion_rules.html",
        {"rules": rules, "quiet_days": services.QUIET_DAYS},
    )


@require_POST
@referent_required
def suggestion_propose_now(request):
    """Apply the rules to the referent's EPCI now, rather than waiting for the nightly run."""
    created = services.suggestions_propose(epci=request.user.epci)
    if created:
        messages.success(
            request,
            _("%(count)s nouvelle(s) suggestion(s) proposée(s) : relisez-les avant de les envoyer.")
            % {"count": len(created)},
        )
    else:
        messages.info(request, _("Les règles ne proposent rien de nouveau pour le moment."))
    return redirect(_list_url("proposees"))


@login_required
def suggestion_answer(request, pk):
    """An agent of the commune reads the suggestion and answers it."""
    user = request.user
    if not user.is_agent:
        raise Http404
    suggestion = get_object_or_404(
        suggestions_visible_to(user).select_related("commune", "service", "answered_by"), pk=pk
    )
    can_answer = suggestion.status in AWAITING_COMMUNE
    form = None
    if can_answer:
        if request.method == "POST":
            form = AnswerForm(request.POST, suggestion=suggestion)
            if form.is_valid():
                try:
                    services.suggestion_answer(
                        suggestion=suggestion,
                        by=user,
                        answer=form.cleaned_data["answer"],
                        comment=form.cleaned_data["comment"],
                    )
                except ValidationError as exc:
                    add_service_error(form, exc)
                else:
                    messages.success(request, _("Merci : votre réponse est transmise au référent."))
                    return redirect("communes:suggestion_answer", pk=suggestion.pk)
        else:
            initial = {"comment": suggestion.answer_comment} if suggestion.answer_comment else {}
            form = AnswerForm(suggestion=suggestion, initial=initial)
    elif request.method == "POST":
        messages.error(request, _("Cette suggestion a déjà reçu une réponse."))
        return redirect("communes:suggestion_answer", pk=suggestion.pk)
    return render(
        request,
        "communes/suggestions/suggestion_answer.html",
        {"suggestion": suggestion, "form": form},
        status=400 if form is not None and form.errors else 200,
    )

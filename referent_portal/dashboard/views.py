"""Where each role lands: the referent's pages, the agent's space."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.adoption.selectors import agent_adoptions
from communes.drives.selectors import commitments_awaiting_answer
from communes.networks.selectors import agent_networks
from communes.suggestions.selectors import suggestions_to_answer
from meetings.selectors import invitations_to_answer
from referent_portal.accounts.decorators import referent_required
from referent_portal.accounts.preferences import OPTIONAL
from referent_portal.csv import csv_response
from trainings.attestations import attestations_of
from trainings.selectors import enrolments_of

from . import referent, selectors


@login_required
def home(request):
    user = request.user
    if user.is_referent:
        return referent_home(request)
    if user.is_syndicat or user.is_superuser or user.is_staff:
        return redirect("admin:index")
    return redirect("dashboard:agent_home")


@login_required
def agent_home(request):
    """« Mon espace »: the agent's commune(s), their own contact card and their referent."""
    user = request.user
    if not user.is_agent:
        return redirect("dashboard:home")
    communes = list(selectors.agent_communes(user))
    return render(
        request,
        "dashboard/agent_home.html",
        {
            "communes": communes,
            "contact": selectors.agent_contact(user),
            "referents": list(selectors.referents_for(communes)),
            # What the communes app asks of the agent, and where their communes stand.
            "drive_commitments": commitments_awaiting_answer(user),
            "suggestions_to_answer": suggestions_to_answer(user),
            "adoption_rows": agent_adoptions(user=user),
            "my_networks": agent_networks(user),
            # Meetings and trainings: what to answer, where the agent is enrolled.
            "invitations": invitations_to_answer(user),
            "enrolments": enrolments_of(user),
            "attestations": attestations_of(user),
        },
    )


def former_requests_address(request, rest):
    """/requests/… is now /demandes/…: a link of an e-mail sent before still leads there."""
    url = reverse("requests_relay:list") + rest
    if request.META.get("QUERY_STRING"):
        url = f"{url}?{request.META['QUERY_STRING']}"
    return HttpResponsePermanentRedirect(url)


def referent_home(request):
    """The referent's day: what needs doing first, then the territory at a glance."""
    user = request.user
    return render(
        request,
        "dashboard/referent_home.html",
        {
            "todo": referent.referent_todo(user),
            "charts": referent.territory_charts(user),
        },
    )


@referent_required
def chart_csv(request, key):
    """The data of one chart of the dashboard, as a spreadsheet reads it."""
    chart = referent.chart_by_key(request.user, key)
    if chart is None:
        raise Http404
    rows = ([label, *values] for label, values in chart.rows())
    return csv_response(f"{key}.csv", ["", *chart.columns], rows)


class EmailPreferencesForm(forms.Form):
    receive = forms.MultipleChoiceField(
        label=_("Je souhaite recevoir"),
        choices=[(key, label) for key, (label, _kinds) in OPTIONAL.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


@login_required
def email_preferences(request):
    """The optional e-mails an agent may turn off; the others are listed, not offered."""
    user = request.user
    if not user.is_agent:
        return redirect("dashboard:home")
    receive = [key for key in OPTIONAL if key not in user.email_opt_outs]
    form = EmailPreferencesForm(request.POST or None, initial={"receive": receive})
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["receive"])
        user.email_opt_outs = [key for key in OPTIONAL if key not in chosen]
        user.save(update_fields=["email_opt_outs"])
        messages.success(request, gettext("Vos préférences sont enregistrées."))
        return redirect("dashboard:email_preferences")
    return render(request, "dashboard/email_preferences.html", {"form": form})

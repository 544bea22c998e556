"""Where each role lands: the referent's pages, the agent's space."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from communes.adoption.selectors import agent_adoptions
from communes.drives.selectors import commitments_awaiting_answer
from communes.networks.selectors import agent_networks
from communes.suggestions.selectors import suggestions_to_answer

from . import selectors


@login_required
def home(request):
    user = request.user
    if user.is_referent:
        return redirect("communes:list")
    if user.is_syndicat or user.is_staff:
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
        },
    )


def former_requests_address(request, rest):
    """/requests/… is now /demandes/…: a link of an e-mail sent before still leads there."""
    url = reverse("requests_relay:list") + rest
    if request.META.get("QUERY_STRING"):
        url = f"{url}?{request.META['QUERY_STRING']}"
    return HttpResponsePermanentRedirect(url)

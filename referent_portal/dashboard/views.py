"""Where each role lands: the referent's pages, the agent's space."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

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
        },
    )


def former_requests_address(request, rest):
    """/requests/… is now /demandes/…: a link of an e-mail sent before still leads there."""
    url = reverse("requests_relay:list") + rest
    if request.META.get("QUERY_STRING"):
        url = f"{url}?{request.META['QUERY_STRING']}"
    return HttpResponsePermanentRedirect(url)

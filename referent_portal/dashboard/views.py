"""Where each role lands: the referent's pages, the agent's space."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


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
    return render(request, "dashboard/agent_home.html")

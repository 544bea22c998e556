from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def agent_home(request):
    return render(request, "accounts/agent_home.html")

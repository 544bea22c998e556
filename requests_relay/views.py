"""Pages of the requests: the agent's submission and follow-up, the referent's triage."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .selectors import messages_visible_to, requests_visible_to


@login_required
def request_list(request):
    requests = requests_visible_to(request.user).select_related("commune")
    return render(request, "requests_relay/request_list.html", {"requests": requests})


@login_required
def request_detail(request, reference):
    obj = get_object_or_404(requests_visible_to(request.user), reference=reference)
    return render(
        request,
        "requests_relay/request_detail.html",
        {"object": obj, "thread": messages_visible_to(request.user, obj)},
    )

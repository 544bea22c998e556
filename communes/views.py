"""The referent's pages on the territory: the communes of the EPCI and each commune's page.

Every query goes through a selector of `communes.selectors`: a commune out of the user's
scope answers 404, never its content.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from meetings.attendance.selectors import commune_attendance
from meetings.selectors import commune_meetings

from .adoption.selectors import commune_adoptions
from .drives.selectors import commune_commitments
from .forms import CommuneFilterForm
from .selectors import commune_contacts, communes_visible_to, communes_with_contact_counts
from .suggestions.selectors import commune_suggestions
from .timeline.selectors import commune_timeline_latest

PAGE_SIZE = 25


def _query_string(params, **changes) -> str:
    """The current GET parameters with `changes` applied (None removes a key), URL-encoded."""
    params = params.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    return params.urlencode()


@login_required
def commune_list(request):
    user = request.user
    if not (user.is_referent or user.is_syndicat or user.is_superuser):
        # An agent's communes are listed in their own space.
        return redirect("dashboard:agent_home")

    form = CommuneFilterForm(request.GET)
    form.is_valid()  # invalid criteria are shown on the form and ignored by filter()
    communes = form.filter(communes_with_contact_counts(user))
    page_obj = Paginator(communes, PAGE_SIZE).get_page(request.GET.get("page"))

    current = form.current_sort
    sort_links = {}
    for column in ("name", "population"):
        direction = "descending" if current == f"-{column}" else "ascending"
        active = current.lstrip("-") == column
        next_sort = f"-{column}" if current == column else column
        sort_links[column] = {
            "query": _query_string(request.GET, sort=next_sort, page=None),
            "aria_sort": direction if active else None,
        }

    return render(
        request,
        "communes/commune_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "communes": page_obj.object_list,
            "is_filtered": any(form.cleaned_data.get(k) for k in ("q", "population", "contacts")),
            "show_epci": not user.is_referent,
            "sort_links": sort_links,
            "query_string": _query_string(request.GET, page=None),
        },
    )


@login_required
def commune_detail(request, insee_code):
    commune = get_object_or_404(
        communes_visible_to(request.user).select_related("epci"), insee_code=insee_code
    )
    contacts = commune_contacts(request.user, commune)
    return render(
        request,
        "communes/commune_detail.html",
        {
            "commune": commune,
            "elected": [c for c in contacts if c.is_elected],
            "staff": [c for c in contacts if not c.is_elected],
            "commune_adoptions": commune_adoptions(commune=commune),
            "commune_commitments": commune_commitments(request.user, commune),
            "suggestions": commune_suggestions(request.user, commune),
            "timeline_latest": commune_timeline_latest(commune=commune, user=request.user),
            "commune_meetings": commune_meetings(request.user, commune),
            "commune_attendance": (
                commune_attendance(commune) if request.user.is_referent else None
            ),
        },
    )

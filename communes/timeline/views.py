"""The commune's timeline page: everything that happened to it, newest first.

The commune is read through `communes_visible_to`: the referent of its EPCI and the agents who
serve it see the page (the syndicat mixte, every commune's); for anyone else the commune does
not exist (404). Its requests are those the user may see (`requests_visible_to`).
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from communes.selectors import communes_visible_to

from .forms import TimelineFilterForm
from .selectors import commune_timeline_kinds, commune_timeline_page


@login_required
def commune_timeline(request, insee_code):
    commune = get_object_or_404(
        communes_visible_to(request.user).select_related("epci"), insee_code=insee_code
    )
    url = reverse("communes:commune_timeline", args=[commune.insee_code])
    form = TimelineFilterForm(
        request.GET if "kind" in request.GET else None,
        kinds=commune_timeline_kinds(commune=commune),
        reset_url=url,
    )
    kind = form.chosen_kind
    page_obj = commune_timeline_page(
        commune=commune, user=request.user, kind=kind, page=request.GET.get("page")
    )
    return render(
        request,
        "communes/timeline/commune_timeline.html",
        {
            "commune": commune,
            "form": form,
            "kind": kind,
            "page_obj": page_obj,
            "items": page_obj.object_list,
            "query_string": urlencode({"kind": kind}) if kind else "",
        },
    )

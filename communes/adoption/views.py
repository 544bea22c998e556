"""Pages of the adoption feature: the matrix communes × services, a cell's change page, the
exports, and the referent's « Mettre à jour l'adhésion » on a membership request.

The referent works on the communes of their EPCI; the syndicat mixte's staff picks an EPCI.
A commune out of scope answers 404. An agent sees their communes' services in « Mon espace »,
read-only: the matrix sends them there, a change page answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communes.models import Service
from referent_portal.forms import add_service_error
from requests_relay.selectors import requests_visible_to

from . import exports, services
from .forms import AdoptionChangeForm, MatrixFilterForm, filter_query
from .selectors import (
    active_services,
    adoption_cell,
    adoption_communes_editable_by,
    adoption_history,
    adoption_matrix,
    adoption_request_action,
    can_change_adoptions,
    matrix_epcis_for,
    status_legend,
)


def _criteria(request):
    """The matrix's EPCI and filter form, from the query string."""
    user = request.user
    service_list = active_services()
    epcis = None if user.is_referent else matrix_epcis_for(user)
    form = MatrixFilterForm(request.GET or None, epcis=epcis, services=service_list)
    if form.is_bound:
        form.is_valid()  # invalid criteria are shown on the form and ignored
    epci = user.epci if user.is_referent else form.selected_epci
    return epci, form, service_list


def _matrix_url(user, commune, back: str = "") -> str:
    """Back to the matrix with its criteria, at the commune's row."""
    params = QueryDict(filter_query(QueryDict(back or "")), mutable=True)
    if not user.is_referent and "epci" not in params and commune.epci_id:
        params["epci"] = commune.epci.siren
    query = params.urlencode()
    url = reverse("communes:adoption_matrix")
    return f"{url}{'?' + query if query else ''}#commune-{commune.insee_code}"


@login_required
def adoption_matrix_view(request):
    user = request.user
    if user.is_agent:
        # An agent's services are listed in their own space.
        return redirect("dashboard:agent_home")
    if not can_change_adoptions(user):
        raise PermissionDenied
    epci, form, service_list = _criteria(request)
    matrix = None
    if epci is not None:
        matrix = adoption_matrix(epci=epci, services=service_list, communes_filter=form.to_filter())
    return render(
        request,
        "communes/adoption/matrix.html",
        {
            "form": form,
            "epci": epci,
            "matrix": matrix,
            "is_filtered": form.to_filter().is_active,
            "query": filter_query(request.GET),
            "statuses": status_legend(),
        },
    )


@login_required
def adoption_export(request):
    """The matrix as on the page (same criteria): ?format=csv or ?format=xlsx."""
    user = request.user
    if not can_change_adoptions(user):
        raise PermissionDenied
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Format d'export inconnu : choisissez csv ou xlsx."))
    epci, form, service_list = _criteria(request)
    if epci is None:
        return redirect("communes:adoption_matrix")
    matrix = adoption_matrix(epci=epci, services=service_list, communes_filter=form.to_filter())
    if file_format == "xlsx":
        response = HttpResponse(exports.matrix_xlsx(matrix), content_type=exports.XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(exports.matrix_csv(matrix), content_type=exports.CSV_CONTENT_TYPE)
    filename = exports.export_filename(matrix, file_format)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def adoption_change(request, insee_code, service_code):
    """A cell of the matrix: its history, and a form to change its status."""
    user = request.user
    commune = get_object_or_404(
        adoption_communes_editable_by(user).select_related("epci"), insee_code=insee_code
    )
    service = get_object_or_404(Service, code=service_code)
    current = adoption_cell(commune=commune, service=service)

    if request.method == "POST":
        form = AdoptionChangeForm(request.POST, current=current)
        if form.is_valid():
            data = form.cleaned_data
            try:
                adoption = services.adoption_set_status(
                    commune=commune,
                    service=service,
                    status=data["status"],
                    by=user,
                    reason=data["reason"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(commune)s : « %(service)s » est maintenant « %(status)s ».")
                    % {
                        "commune": commune.name,
                        "service": service.name,
                        "status": adoption.get_status_display(),
                    },
                )
                return redirect(_matrix_url(user, commune, data["back"]))
    else:
        form = AdoptionChangeForm(initial={"back": filter_query(request.GET)}, current=current)

    back = form["back"].value() or ""
    return render(
        request,
        "communes/adoption/change.html",
        {
            "commune": commune,
            "service": service,
            "cell": current,
            "form": form,
            "history": adoption_history(commune=commune, service=service),
            "matrix_url": _matrix_url(user, commune, back),
        },
    )


@require_POST
@login_required
def adoption_from_request(request, reference):
    """A membership request becomes an adoption status change, in one step."""
    user = request.user
    obj = get_object_or_404(
        requests_visible_to(user).select_related("commune", "service"), reference=reference
    )
    action = adoption_request_action(user=user, request_obj=obj, data=request.POST)
    if action is None:
        raise Http404
    form = action.form
    if form.is_valid():
        try:
            adoption = services.adoption_from_request(
                request=obj,
                status=form.cleaned_data["status"],
                by=user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Adhésion mise à jour : %(commune)s est « %(status)s » pour « %(service)s ». "
                    "La commune en est informée dans les échanges."
                )
                % {
                    "commune": obj.commune.name,
                    "service": obj.service.name,
                    "status": adoption.get_status_display(),
                },
            )
            return redirect("requests_relay:detail", reference=obj.reference)
    return render(request, "communes/adoption/request_action.html", {"action": action})

"""Pages of the networks of competences: the referent's list and management, the directory.

Every network is read through `networks_visible_to`: a network of another EPCI, or one an agent
is not a member of, answers 404. Writing is the referent's: for anyone else the write views
answer 403 (pages) or 404 (an action on an object they cannot see).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings.selectors import network_meetings
from referent_portal.accounts.decorators import referent_required
from referent_portal.forms import add_service_error

from . import services
from .forms import MemberAddForm, NetworkForm
from .models import Membership
from .selectors import network_members, networks_visible_to, networks_with_counts


def _visible_network(user, pk):
    return get_object_or_404(
        networks_visible_to(user).select_related("service", "coordinator", "epci"), pk=pk
    )


def _referent_network(request, pk):
    """The network for a referent's action; for anyone else it does not exist."""
    if not request.user.is_referent:
        raise Http404
    return _visible_network(request.user, pk)


@login_required
def network_list(request):
    """The referent's networks of the EPCI, or the agent's own networks."""
    return render(
        request,
        "communes/networks/network_list.html",
        {"networks": networks_with_counts(request.user), "can_manage": request.user.is_referent},
    )


def _render_detail(request, network, *, member_form=None, status=200):
    user = request.user
    can_manage = user.is_referent
    context = {
        "network": network,
        "memberships": network_members(network, include_inactive=can_manage),
        "can_manage": can_manage,
        "network_meetings": network_meetings(network, include_drafts=can_manage),
    }
    if can_manage:
        context["member_form"] = member_form or MemberAddForm(network=network)
    return render(request, "communes/networks/network_detail.html", context, status=status)


@login_required
def network_detail(request, pk):
    """The directory of the network: who its members are and how to reach them."""
    return _render_detail(request, _visible_network(request.user, pk))


@referent_required
def network_create(request):
    if request.method == "POST":
        form = NetworkForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                network = services.network_create(
                    by=request.user, name=data["name"], theme=data["theme"], service=data["service"]
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Le réseau « %(name)s » est créé : ajoutez-lui des membres.")
                    % {"name": network.name},
                )
                return redirect("communes:network_detail", pk=network.pk)
    else:
        form = NetworkForm()
    return render(request, "communes/networks/network_form.html", {"form": form, "network": None})


@referent_required
def network_update(request, pk):
    network = _visible_network(request.user, pk)
    if request.method == "POST":
        form = NetworkForm(request.POST, network=network)
        if form.is_valid():
            data = form.cleaned_data
            try:
                network = services.network_update(
                    network=network,
                    by=request.user,
                    name=data["name"],
                    theme=data["theme"],
                    service=data["service"],
                    coordinator=data["coordinator"],
                    is_active=data["is_active"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Le réseau est enregistré."))
                return redirect("communes:network_detail", pk=network.pk)
    else:
        form = NetworkForm(network=network)
    return render(
        request, "communes/networks/network_form.html", {"form": form, "network": network}
    )


@require_POST
@login_required
def network_member_add(request, pk):
    network = _referent_network(request, pk)
    form = MemberAddForm(request.POST, network=network)
    if form.is_valid():
        contact = form.cleaned_data["contact"]
        try:
            services.network_member_add(network=network, contact=contact, by=request.user)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s est membre du réseau.") % {"name": contact.full_name},
            )
            return redirect("communes:network_detail", pk=network.pk)
    return _render_detail(request, network, member_form=form, status=400)


@require_POST
@login_required
def network_member_remove(request, pk, membership_pk):
    network = _referent_network(request, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("contact"), network=network, pk=membership_pk
    )
    services.network_member_remove(membership=membership, by=request.user)
    messages.success(
        request,
        _("%(name)s ne fait plus partie du réseau.") % {"name": membership.contact.full_name},
    )
    return redirect("communes:network_detail", pk=network.pk)

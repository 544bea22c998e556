"""The referent's pages of the meetings: list, calendar, create, edit, cancel, documents.

Invitations and the invitees' answers live in meetings/invitations, check-in, the attendance
sheet and the follow-up in meetings/attendance; the meeting page brings their panels together.
"""

import calendar
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import Network
from referent_portal.accounts.decorators import referent_required
from referent_portal.converters import as_id
from referent_portal.uploads.responses import file_response
from requests_relay.models import Category, Request

from . import services
from .attendance.selectors import attendance_panel
from .forms import CancelForm, DocumentForm, MeetingForm, add_service_error
from .invitations.selectors import invitations_panel
from .models import Meeting, MeetingDocument
from .selectors import meeting_list as select_meetings
from .selectors import meetings_visible_to, with_invitation_counts


def visible_meeting(user, pk) -> Meeting:
    return get_object_or_404(
        meetings_visible_to(user).select_related(
            "epci", "host_commune", "service", "network", "request__commune", "created_by"
        ),
        pk=pk,
    )


def serve_document(document: MeetingDocument) -> FileResponse:
    """A meeting's document, for whom the caller checked: the EPCI's referent (or the
    syndicat mixte), or an invitee through their signed link."""
    return file_response(document.file, filename=document.filename)


@referent_required
def meeting_list(request, past=False):
    meetings = select_meetings(request.user, past=past)
    return render(request, "meetings/meeting_list.html", {"meetings": meetings, "past": past})


@referent_required
def meeting_calendar(request):
    """A month grid of the EPCI's meetings; ?mois=2026-12 picks the month."""
    today = timezone.localdate()
    try:
        month = datetime.strptime(request.GET.get("mois", ""), "%Y-%m").date()
    except ValueError:
        month = today.replace(day=1)
    first = month.replace(day=1)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = weeks[0][0], weeks[-1][-1] + timedelta(days=1)
    tz = timezone.get_current_timezone()
    meetings = (
        meetings_visible_to(request.user)
        .filter(
            starts_at__gte=datetime.combine(start, datetime.min.time(), tzinfo=tz),
            starts_at__lt=datetime.combine(end, datetime.min.time(), tzinfo=tz),
        )
        .select_related("host_commune")
        .order_by("starts_at")
    )
    by_day: dict[date, list[Meeting]] = {}
    for meeting in meetings:
        by_day.setdefault(timezone.localdate(meeting.starts_at), []).append(meeting)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "meetings/meeting_calendar.html",
        {
            "month": first,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "today": today,
            "previous": previous,
            "following": following,
            "meetings": meetings,
        },
    )


def _origin_request(user, reference: str) -> Request | None:
    """The commune's meeting request the new meeting answers (?demande=DEM-…), if any."""
    if not reference:
        return None
    from requests_relay.selectors import requests_visible_to

    return get_object_or_404(
        requests_visible_to(user).select_related("commune", "service"),
        reference=reference,
        category=Category.MEETING,
    )


def _origin_network(user, pk: str) -> Network | None:
    """The network whose meeting is being prepared (?reseau=<pk>), if any."""
    if as_id(pk) is None:
        return None
    return get_object_or_404(Network.objects.filter(epci_id=user.epci_id), pk=pk)


@referent_required
def meeting_create(request):
    user = request.user
    origin = _origin_request(user, request.GET.get("demande") or request.POST.get("demande", ""))
    initial = {}
    if origin is not None:
        initial = {
            "title": origin.subject,
            "service": origin.service,
            "host_commune": origin.commune,
            "description": origin.description,
        }
    network = _origin_network(user, request.GET.get("reseau", ""))
    if network is not None:
        initial = {"kind": Meeting.Kind.NETWORK, "network": network, "service": network.service}
    form = MeetingForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(by=user, request=origin, **form.meeting_fields())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "La réunion « %(title)s » est enregistrée. Choisissez maintenant les "
                    "invités : rien n'est envoyé avant que vous le confirmiez."
                )
                % {"title": meeting.title},
            )
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "origin": origin})


def render_detail(request, meeting: Meeting, *, status=200, **forms):
    """The meeting page; a form that came back with errors replaces its blank twin."""
    counted = with_invitation_counts(Meeting.objects.filter(pk=meeting.pk)).get()
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "counts": counted,
            "documents": list(meeting.documents.all()),
            "document_form": DocumentForm(),
            "is_open": meeting.status in (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED),
            **attendance_panel(meeting),
            **invitations_panel(meeting),
            **forms,
        },
        status=status,
    )


@referent_required
def meeting_detail(request, pk):
    return render_detail(request, visible_meeting(request.user, pk))


@referent_required
def meeting_edit(request, pk):
    user = request.user
    meeting = visible_meeting(user, pk)
    if meeting.status not in (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED):
        messages.error(request, services.STATE_ERRORS[meeting.status])
        return redirect("meetings:detail", pk=meeting.pk)
    form = MeetingForm(request.POST or None, user=user, instance=meeting)
    if request.method == "POST" and form.is_valid():
        fields = form.meeting_fields()
        try:
            # The form's instance already carries the new values: compare with the stored row.
            changed = services.meeting_update(
                meeting=Meeting.objects.get(pk=meeting.pk), by=user, **fields
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if not changed:
                messages.info(request, _("Rien n'a changé."))
            elif meeting.status == Meeting.Status.SCHEDULED and set(changed) & set(
                services.CALENDAR_FIELDS
            ):
                messages.success(
                    request,
                    _("La réunion est modifiée ; les invités reçoivent l'invitation mise à jour."),
                )
            else:
                messages.success(request, _("La réunion est modifiée."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


@referent_required
def meeting_cancel(request, pk):
    user = request.user
    meeting = visible_meeting(user, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(meeting=meeting, by=user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("La réunion est annulée ; chaque invité reçoit l'annulation."),
            )
            return redirect("meetings:detail", pk=meeting.pk)
    invited = meeting.invitations.exclude(email_message=None).count()
    return render(
        request,
        "meetings/meeting_cancel.html",
        {"meeting": meeting, "form": form, "invited": invited},
    )


@referent_required
def document_add(request, pk):
    meeting = visible_meeting(request.user, pk)
    if request.method != "POST":
        return redirect("meetings:detail", pk=meeting.pk)
    form = DocumentForm(request.POST, request.FILES)
    if meeting.status == Meeting.Status.CANCELLED:
        form.add_error(None, services.STATE_ERRORS[Meeting.Status.CANCELLED])
    if form.is_valid():
        try:
            document = services.meeting_document_add(
                meeting=meeting,
                by=request.user,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Le document « %(title)s » est ajouté ; les invités peuvent le télécharger.")
                % {"title": document.title},
            )
            return redirect("meetings:detail", pk=meeting.pk)
    return render_detail(request, meeting, status=400, document_form=form)


@referent_required
def document_download(request, pk, document_pk):
    meeting = visible_meeting(request.user, pk)
    return serve_document(get_object_or_404(meeting.documents, pk=document_pk))

"""The referent's pages of the attendance: check-in on a phone, the attendance sheet (PDF),
the rates, the minutes and the follow-ups.

Every meeting is read through `visible_meeting` (another EPCI's answers 404); a commune
agent gets 403 from `referent_required`. Sending the minutes e-mails people: it has a
confirmation page (GET) before the action (POST).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from referent_portal.accounts.decorators import referent_required
from referent_portal.forms import add_service_error

from ..models import Meeting
from ..views import visible_meeting
from . import exports, pdf, services
from .forms import (
    FollowUpForm,
    FollowUpRequestForm,
    FollowUpSuggestionForm,
    MinutesForm,
    WalkInForm,
)
from .selectors import (
    DEFAULT_RATE_SORT,
    RATE_SORTS,
    checkin_closed_reason,
    checkin_sheet,
    epci_commune_rates,
    meeting_day,
    minutes_recipients,
)


def _checkin_url(meeting: Meeting, anchor: str = "") -> str:
    url = reverse("meetings:checkin", args=[meeting.pk])
    return f"{url}#{anchor}" if anchor else url


def _closed_message(meeting: Meeting) -> str | None:
    reason = checkin_closed_reason(meeting)
    if reason is None:
        return None
    return str(services.CHECKIN_ERRORS[reason]) % {
        "day": formats.date_format(meeting_day(meeting), "DATE_FORMAT")
    }


def _render_checkin(request, meeting: Meeting, *, walk_in_form=None, status=200):
    closed = _closed_message(meeting)
    return render(
        request,
        "meetings/attendance/checkin.html",
        {
            "meeting": meeting,
            "sheet": checkin_sheet(meeting),
            "closed": closed,
            "walk_in_form": walk_in_form or WalkInForm(meeting=meeting),
        },
        status=status,
    )


@referent_required
def checkin(request, pk):
    return _render_checkin(request, visible_meeting(request.user, pk))


@referent_required
def checkin_mark(request, pk, invitation_pk):
    meeting = visible_meeting(request.user, pk)
    invitation = get_object_or_404(meeting.invitations, pk=invitation_pk)
    if request.method != "POST":
        return redirect(_checkin_url(meeting))
    choice = request.POST.get("attended")
    if choice not in ("present", "absent"):
        messages.error(request, _("Choisissez « Présent » ou « Absent »."))
        return redirect(_checkin_url(meeting, f"invite-{invitation.pk}"))
    try:
        services.attendance_mark(
            invitation=invitation, attended=choice == "present", by=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_checkin_url(meeting))
    if choice == "present":
        messages.success(request, _("%(name)s : présent.") % {"name": invitation.name})
    else:
        messages.success(request, _("%(name)s : absent.") % {"name": invitation.name})
    return redirect(_checkin_url(meeting, f"invite-{invitation.pk}"))


@referent_required
def checkin_walk_in(request, pk):
    meeting = visible_meeting(request.user, pk)
    if request.method != "POST":
        return redirect(_checkin_url(meeting, "sur-place"))
    form = WalkInForm(request.POST, meeting=meeting)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.attendance_add_walk_in(
                meeting=meeting,
                by=request.user,
                name=data["name"],
                commune=data["commune"],
                function=data["function"],
                email=data["email"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s est ajouté à la liste, présent.") % {"name": invitation.name},
            )
            return redirect(_checkin_url(meeting, f"invite-{invitation.pk}"))
    return _render_checkin(request, meeting, walk_in_form=form, status=400)


@referent_required
def attendance_sheet_pdf(request, pk):
    meeting = visible_meeting(request.user, pk)
    response = HttpResponse(pdf.attendance_sheet_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=pdf.sheet_filename(meeting)
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- rates ---------------------------------------------------------------------------------


def _sort_links(current: str) -> dict:
    """The header links of the rates table: a name sorts A→Z first, a figure highest first;
    the active column's link reverses it."""
    links = {}
    for column, first in (("commune", "commune"), ("reunions", "-reunions"), ("taux", "-taux")):
        active = current.lstrip("-") == column
        descending = current.startswith("-")
        following = (column if descending else f"-{column}") if active else first
        links[column] = {
            "query": f"tri={following}",
            "aria_sort": ("descending" if descending else "ascending") if active else None,
        }
    return links


@referent_required
def rates(request):
    epci = request.user.epci
    sort = request.GET.get("tri", DEFAULT_RATE_SORT)
    if sort not in RATE_SORTS:
        sort = DEFAULT_RATE_SORT
    communes = list(epci_commune_rates(epci, sort=sort))
    return render(
        request,
        "meetings/attendance/rates.html",
        {
            "communes": communes,
            "sort": sort,
            "sort_links": _sort_links(sort),
            "with_meetings": sum(1 for c in communes if c.meetings_count),
        },
    )


@referent_required
def rates_csv(request):
    epci = request.user.epci
    response = HttpResponse(
        exports.rates_csv(epci_commune_rates(epci)), content_type=exports.CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exports.rates_filename(epci)
    )
    return response


# --- minutes -------------------------------------------------------------------------------


@referent_required
def minutes_edit(request, pk):
    meeting = visible_meeting(request.user, pk)
    form = MinutesForm(request.POST or None, initial={"minutes": meeting.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(
                meeting=meeting, by=request.user, minutes=form.cleaned_data["minutes"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if meeting.minutes_sent_at:
                messages.success(
                    request,
                    _(
                        "Le compte rendu est enregistré. Les invités ont reçu la version "
                        "précédente : renvoyez-le pour qu'ils aient celle-ci."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("Le compte rendu est enregistré. Relisez-le, puis envoyez-le aux invités."),
                )
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#suivi-titre")
    return render(
        request,
        "meetings/attendance/minutes_form.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@referent_required
def minutes_send(request, pk):
    meeting = visible_meeting(request.user, pk)
    errors = []
    if request.method == "POST":
        try:
            count = services.minutes_send(
                meeting=meeting, by=request.user, seen=request.POST.get("seen", "")
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                ngettext(
                    "Le compte rendu part par courriel à %(count)s invité.",
                    "Le compte rendu part par courriel à %(count)s invités.",
                    count,
                )
                % {"count": count},
            )
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#suivi-titre")
    return render(
        request,
        "meetings/attendance/minutes_send.html",
        {
            "meeting": meeting,
            "recipients": minutes_recipients(meeting),
            "documents": list(meeting.documents.all()),
            "errors": errors,
            "seen": services.sent_mark(Meeting.objects.get(pk=meeting.pk)),
            "can_send": meeting.status == Meeting.Status.HELD and bool(meeting.minutes.strip()),
        },
        status=400 if errors else 200,
    )


# --- follow-ups ----------------------------------------------------------------------------


@referent_required
def follow_up_add(request, pk):
    meeting = visible_meeting(request.user, pk)
    form = FollowUpForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_add(
                meeting=meeting,
                by=request.user,
                text=form.cleaned_data["text"],
                commune=form.cleaned_data["commune"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("La suite à donner est notée."))
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#suites-titre")
    return render(
        request,
        "meetings/attendance/follow_up_form.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


def _follow_up(request, pk, follow_up_pk):
    meeting = visible_meeting(request.user, pk)
    follow_up = get_object_or_404(
        meeting.follow_ups.select_related("commune", "request", "suggestion"), pk=follow_up_pk
    )
    follow_up.meeting = meeting
    return meeting, follow_up


def _already_converted(request, meeting, follow_up):
    if follow_up.request_id or follow_up.suggestion_id:
        messages.info(
            request, _("Cette suite a déjà donné lieu à une demande ou à une suggestion.")
        )
        return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#suites-titre")
    return None


def _convert_follow_up(request, pk, follow_up_pk, *, target, form_class, initial, convert, done):
    """The two conversions of a follow-up share their page: a form pre-filled from the
    follow-up, the service's errors back on it, and where to go once it is done."""
    meeting, follow_up = _follow_up(request, pk, follow_up_pk)
    if converted := _already_converted(request, meeting, follow_up):
        return converted
    form = form_class(
        request.POST or None, follow_up=follow_up, initial=initial(follow_up, meeting)
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = convert(follow_up, form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return done(created, meeting)
    return render(
        request,
        "meetings/attendance/follow_up_convert.html",
        {"meeting": meeting, "follow_up": follow_up, "form": form, "target": target},
        status=400 if form.errors else 200,
    )


def _first_line(follow_up) -> str:
    return follow_up.text.splitlines()[0][:200]


@referent_required
def follow_up_request(request, pk, follow_up_pk):
    def done(created, meeting):
        messages.success(
            request,
            _("La demande %(ref)s est enregistrée pour %(commune)s.")
            % {"ref": created.reference, "commune": created.commune.name},
        )
        return redirect("requests_relay:detail", reference=created.reference)

    return _convert_follow_up(
        request,
        pk,
        follow_up_pk,
        target="request",
        form_class=FollowUpRequestForm,
        initial=lambda follow_up, meeting: {
            "subject": _first_line(follow_up),
            "description": follow_up.text,
            "service": meeting.service_id,
        },
        convert=lambda follow_up, data: services.follow_up_to_request(
            follow_up=follow_up,
            by=request.user,
            category=data["category"],
            subject=data["subject"],
            description=data["description"],
            service=data["service"],
            training_module=data["training_module"],
            commune=data.get("commune"),
        ),
        done=done,
    )


@referent_required
def follow_up_suggestion(request, pk, follow_up_pk):
    def done(created, meeting):
        messages.success(
            request,
            _("La suggestion « %(title)s » est envoyée à %(commune)s.")
            % {"title": created.title, "commune": created.commune.name},
        )
        return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#suites-titre")

    return _convert_follow_up(
        request,
        pk,
        follow_up_pk,
        target="suggestion",
        form_class=FollowUpSuggestionForm,
        initial=lambda follow_up, meeting: {
            "title": _first_line(follow_up),
            "body": follow_up.text,
            "service": meeting.service_id,
        },
        convert=lambda follow_up, data: services.follow_up_to_suggestion(
            follow_up=follow_up,
            by=request.user,
            title=data["title"],
            body=data["body"],
            service=data["service"],
            commune=data.get("commune"),
        ),
        done=done,
    )

"""Pages of the drives: the referent runs them, the communes' agents answer them.

Every object is read through a selector: a drive of another EPCI, a commitment of another
commune answers 404. A referent's page asked for by another role answers 403. Opening and
closing a drive e-mail people: each has a confirmation page (GET) before the action (POST).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from referent_portal.accounts.decorators import referent_required
from referent_portal.forms import add_service_error

from . import services
from .forms import AnswerForm, CancelForm, CloseForm, DriveForm
from .models import Commitment, Drive
from .selectors import (
    commitments_visible_to,
    communes_without_recipient,
    drive_commitments,
    drive_counts,
    drive_recipients,
    drives_visible_to,
    drives_with_counts,
)

Answer = Commitment.Status


def _drive(user, pk) -> Drive:
    return get_object_or_404(
        drives_visible_to(user).select_related("service", "created_by", "dossier"), pk=pk
    )


@login_required
def drive_list(request):
    user = request.user
    if user.is_agent:
        # An agent finds the drives of their communes in their own space.
        return redirect("dashboard:agent_home")
    if not user.is_referent:
        raise PermissionDenied
    drives = list(drives_with_counts(user))
    return render(
        request,
        "communes/drives/drive_list.html",
        {
            "drives": drives,
            "current": [d for d in drives if d.status in (Drive.Status.DRAFT, Drive.Status.OPEN)],
            "past": [
                d for d in drives if d.status in (Drive.Status.CLOSED, Drive.Status.CANCELLED)
            ],
        },
    )


@referent_required
def drive_create(request):
    user = request.user
    form = DriveForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drive = services.drive_create(
                by=user,
                service=data["service"],
                title=data["title"],
                message=data["message"],
                deadline=data["deadline"],
                communes=data["communes"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "La démarche « %(title)s » est enregistrée en brouillon. Relisez-la, puis "
                    "lancez-la : les communes recevront alors l'invitation."
                )
                % {"title": drive.title},
            )
            return redirect("communes:drive_detail", pk=drive.pk)
    return render(request, "communes/drives/drive_form.html", {"form": form})


@referent_required
def drive_detail(request, pk):
    drive = _drive(request.user, pk)
    commitments = list(drive_commitments(drive))
    counts = drive_counts(drive)
    return render(
        request,
        "communes/drives/drive_detail.html",
        {
            "drive": drive,
            "commitments": commitments,
            "counts": counts,
            "committed_count": sum(1 for c in commitments if c.status == Answer.COMMITTED),
            "answered_count": sum(1 for c in commitments if c.status != Answer.INVITED),
        },
    )


@referent_required
def drive_open(request, pk):
    drive = _drive(request.user, pk)
    errors = []
    if request.method == "POST":
        try:
            services.drive_open(drive=drive, by=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            count = len(drive_recipients(drive))
            messages.success(
                request,
                ngettext(
                    "La démarche est lancée : %(count)s invitation part par courriel.",
                    "La démarche est lancée : %(count)s invitations partent par courriel.",
                    count,
                )
                % {"count": count},
            )
            return redirect("communes:drive_detail", pk=drive.pk)
    recipients = drive_recipients(drive)
    return render(
        request,
        "communes/drives/drive_open.html",
        {
            "drive": drive,
            "recipients": recipients.items(),
            "recipient_count": len(recipients),
            "unreached": communes_without_recipient(drive),
            "commune_count": drive.commitments.count(),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@referent_required
def drive_close(request, pk):
    drive = _drive(request.user, pk)
    commitments = list(drive_commitments(drive))
    committed = [c for c in commitments if c.status == Answer.COMMITTED]
    if request.method == "POST":
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                dossier = services.drive_close(
                    drive=drive,
                    by=request.user,
                    summary=form.cleaned_data["summary"],
                    arguments=form.cleaned_data["arguments"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "La démarche est close : l'engagement de %(count)s commune est transmis "
                        "au syndicat mixte dans le dossier %(ref)s.",
                        "La démarche est close : les engagements de %(count)s communes sont "
                        "transmis au syndicat mixte dans le dossier %(ref)s.",
                        len(committed),
                    )
                    % {"count": len(committed), "ref": dossier.reference},
                )
                return redirect("communes:drive_detail", pk=drive.pk)
    else:
        names = ", ".join(c.commune.name for c in committed)
        form = CloseForm(
            initial={
                "summary": ngettext(
                    "%(count)s commune s'engage à adhérer au service %(service)s : %(names)s.",
                    "%(count)s communes s'engagent à adhérer ensemble au service %(service)s : "
                    "%(names)s.",
                    len(committed),
                )
                % {"count": len(committed), "service": drive.service.name, "names": names}
                if committed
                else ""
            }
        )
    return render(
        request,
        "communes/drives/drive_close.html",
        {
            "drive": drive,
            "form": form,
            "committed": committed,
            "others": [c for c in commitments if c.status != Answer.COMMITTED],
            # Communes still on their way to a decision: closing now leaves them out.
            "undecided": [
                c for c in commitments if c.status in (Answer.INTERESTED, Answer.DELIBERATION)
            ],
        },
        status=400 if form.errors else 200,
    )


@referent_required
def drive_cancel(request, pk):
    drive = _drive(request.user, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.drive_cancel(drive=drive, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("La démarche est abandonnée."))
            return redirect("communes:drive_detail", pk=drive.pk)
    return render(
        request,
        "communes/drives/drive_cancel.html",
        {"drive": drive, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def drive_answer(request, pk, insee_code):
    """A commune's answer: its agent gives it, or the referent records it."""
    user = request.user
    commitment = get_object_or_404(
        commitments_visible_to(user).select_related(
            "drive", "drive__service", "drive__created_by", "commune", "changed_by"
        ),
        drive_id=pk,
        commune__insee_code=insee_code,
    )
    if not services.may_answer(user, commitment):
        raise PermissionDenied
    drive = commitment.drive
    form = None
    if drive.status == Drive.Status.OPEN:
        form = AnswerForm(request.POST or None, commitment=commitment)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.commitment_set(
                    commitment=commitment,
                    status=data["status"],
                    by=user,
                    deliberation_date=data["deliberation_date"],
                    comment=data["comment"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                commitment.refresh_from_db()
                messages.success(
                    request,
                    _("Réponse enregistrée pour %(commune)s : %(answer)s.")
                    % {
                        "commune": commitment.commune.name,
                        "answer": commitment.get_status_display(),
                    },
                )
                if user.is_referent:
                    return redirect("communes:drive_detail", pk=drive.pk)
                return redirect(
                    "communes:drive_answer", pk=drive.pk, insee_code=commitment.commune.insee_code
                )
    elif request.method == "POST":
        messages.error(request, services.STATE_ERRORS[drive.status])
        return redirect("communes:drive_answer", pk=drive.pk, insee_code=insee_code)
    return render(
        request,
        "communes/drives/drive_answer.html",
        {"drive": drive, "commitment": commitment, "form": form},
        status=400 if form is not None and form.errors else 200,
    )

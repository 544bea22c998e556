"""Pages of the invitations: the referent invites and resends; the invitee answers.

The referent's pages read the meeting through `visible_meeting` (another EPCI's: 404; an
agent: 403). The invitee's pages need no login: the signed link is the key. Their GET never
changes anything — mail scanners open links — and each answer is a button (POST). A link
edited by hand answers 400, a link whose invitation is gone 404, a link of a meeting over or
cancelled 410: each with a page that says so, in the invitee's language.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from meetings.forms import add_service_error
from meetings.models import Invitation
from meetings.views import serve_document, visible_meeting
from referent_portal import ical
from referent_portal.accounts.decorators import referent_required

from . import services
from .forms import DelegateForm, InviteForm
from .selectors import function_label
from .services import CANCELLED, EXPIRED, OPEN
from .tokens import UnknownInvitation, invitation_from_signature

Response = Invitation.Response
T = "meetings/invitations"


def _detail_url(meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk]) + "#invitations"


# --- the referent's pages --------------------------------------------------------------------


@referent_required
def invitation_add(request, pk):
    """Choose the audience (GET), see who it is (GET with the choice), send (POST)."""
    meeting = visible_meeting(request.user, pk)
    context = {"meeting": meeting}
    refused = services.invitable_error(meeting)
    if refused:
        return render(
            request, f"{T}/invitation_add.html", {**context, "refused": refused}, status=409
        )
    if request.method == "POST":
        form = InviteForm(request.POST, epci=meeting.epci)
        if form.is_valid():
            try:
                sent = services.invitations_send(
                    meeting=meeting, recipients=form.recipients(), by=request.user
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s invitation part par courriel.",
                        "%(count)s invitations partent par courriel, une par personne.",
                        len(sent),
                    )
                    % {"count": len(sent)},
                )
                return redirect(_detail_url(meeting))
        return render(request, f"{T}/invitation_add.html", {**context, "form": form}, status=400)
    if not request.GET:
        return render(
            request, f"{T}/invitation_add.html", {**context, "form": InviteForm(epci=meeting.epci)}
        )
    form = InviteForm(request.GET, epci=meeting.epci)
    if not form.is_valid():
        return render(request, f"{T}/invitation_add.html", {**context, "form": form}, status=400)
    if request.GET.get("modifier"):
        # Back from the preview: the choice as it was, to change it.
        return render(request, f"{T}/invitation_add.html", {**context, "form": form})
    recipients = form.recipients()
    already = services.recipients_already_invited(meeting, recipients)
    unreachable = services.recipients_unreachable(recipients) - already
    rows = [
        {
            "recipient": recipient,
            "function": function_label(recipient.contact.function),
            "already": recipient.contact.pk in already,
            "unreachable": recipient.contact.pk in unreachable,
        }
        for recipient in recipients
    ]
    return render(
        request,
        f"{T}/invitation_preview.html",
        {
            **context,
            "form": form,
            "rows": rows,
            "new_count": sum(1 for row in rows if not (row["already"] or row["unreachable"])),
            "already_count": len(already),
            "unreachable_count": len(unreachable),
            "hidden": form.hidden_values(),
            "change_url": request.get_full_path(),
        },
    )


@referent_required
@require_POST
def invitation_resend(request, pk, invitation_pk):
    meeting = visible_meeting(request.user, pk)
    invitation = get_object_or_404(meeting.invitations, pk=invitation_pk)
    try:
        services.invitation_resend(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("L'invitation est renvoyée à %(name)s (%(email)s).")
            % {"name": invitation.name, "email": invitation.email},
        )
    return redirect(_detail_url(meeting))


# --- the invitee's pages ---------------------------------------------------------------------


def _language(request, invitation: Invitation | None) -> str:
    """The language the person chose on the portal, else their invitation's."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        return chosen
    if invitation is not None and invitation.language in dict(settings.LANGUAGES):
        return invitation.language
    return translation.get_language()


def rsvp_view(view=None, *, after_meeting: bool = False):
    """Resolve the signed link, speak the invitee's language, answer a dead link clearly.

    The view receives (request, invitation, signed, ...). Unless `after_meeting`, a link of a
    meeting that is over or cancelled gets its page (410) instead of the view.
    """
    if view is None:
        return lambda view: rsvp_view(view, after_meeting=after_meeting)

    @wraps(view)
    def wrapper(request, signed, *args, **kwargs):
        try:
            invitation = invitation_from_signature(signed)
        except signing.SignatureExpired:
            return render(request, f"{T}/rsvp_invalid.html", {"reason": "expired"}, status=410)
        except signing.BadSignature:
            return render(request, f"{T}/rsvp_invalid.html", {"reason": "tampered"}, status=400)
        except UnknownInvitation:
            return render(request, f"{T}/rsvp_invalid.html", {"reason": "unknown"}, status=404)
        with translation.override(_language(request, invitation)):
            state = services.rsvp_state(invitation)
            if state != OPEN and not after_meeting:
                response = _closed(request, invitation, signed, state)
            else:
                response = view(request, invitation, signed, *args, **kwargs)
        # The link is a key: keep it out of caches and out of the Referer sent to other sites
        # (the video link). Not "no-referrer": the browser would send "Origin: null" with the
        # answer buttons' POST and the CSRF check would refuse them.
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def _closed(request, invitation: Invitation, signed: str, state: str):
    """The meeting is over (its documents stay downloadable) or cancelled."""
    template = {EXPIRED: "rsvp_expired.html", CANCELLED: "rsvp_cancelled.html"}[state]
    return render(request, f"{T}/{template}", _page_context(invitation, signed), status=410)


def _links(signed: str) -> dict[str, str]:
    return {
        name: reverse(f"meetings:rsvp{suffix}", args=[signed])
        for name, suffix in (
            ("page", ""),
            ("accept", "_accept"),
            ("decline", "_decline"),
            ("delegate", "_delegate"),
            ("ics", "_ics"),
        )
    }


def _page_context(invitation: Invitation, signed: str, **extra) -> dict:
    meeting = invitation.meeting
    colleague = None
    if invitation.response == Response.DELEGATED:
        colleague = invitation.substitutes.order_by("pk").first()
    return {
        "meeting": meeting,
        "invitation": invitation,
        "signed": signed,
        "links": _links(signed),
        "documents": list(meeting.documents.all()),
        "colleague": colleague,
        "location": services.meeting_location(meeting),
        **extra,
    }


def _rsvp_page(request, invitation, signed, *, status=200, **extra):
    return render(
        request, f"{T}/rsvp.html", _page_context(invitation, signed, **extra), status=status
    )


@rsvp_view
def rsvp(request, invitation, signed):
    """The invitee's page: the meeting, the documents, the answer buttons. Reading only."""
    return _rsvp_page(request, invitation, signed)


ANSWERED = {
    Response.ACCEPTED: gettext_lazy("Merci, votre réponse est enregistrée : vous participez."),
    Response.DECLINED: gettext_lazy(
        "Merci, votre réponse est enregistrée : vous ne participez pas."
    ),
}
CONFIRM_TITLES = {
    Response.ACCEPTED: gettext_lazy("Confirmer votre participation"),
    Response.DECLINED: gettext_lazy("Confirmer que vous ne participez pas"),
}


def _answer(request, invitation, signed, response):
    """GET asks to confirm; POST records. The same answer twice changes nothing."""
    if request.method == "POST":
        try:
            changed = services.invitation_respond(invitation=invitation, response=response)
        except ValidationError as exc:
            return _rsvp_page(request, invitation, signed, status=409, errors=exc.messages)
        if changed:
            messages.success(request, str(ANSWERED[response]))
        else:
            messages.info(
                request,
                _("Votre réponse était déjà enregistrée : %(answer)s. Rien n'a changé.")
                % {"answer": Response(response).label.lower()},
            )
        return redirect("meetings:rsvp", signed=signed)
    return render(
        request,
        f"{T}/rsvp_confirm.html",
        _page_context(
            invitation,
            signed,
            answer=response,
            title=str(CONFIRM_TITLES[response]),
            action=_links(signed)["accept" if response == Response.ACCEPTED else "decline"],
        ),
    )


@rsvp_view
def rsvp_accept(request, invitation, signed):
    return _answer(request, invitation, signed, Response.ACCEPTED)


@rsvp_view
def rsvp_decline(request, invitation, signed):
    return _answer(request, invitation, signed, Response.DECLINED)


@rsvp_view
def rsvp_delegate(request, invitation, signed):
    """Send a colleague instead: their name and address; they get their own invitation."""
    form = DelegateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            delegation = services.invitation_delegate(
                invitation=invitation,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                function=form.cleaned_data["function"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            colleague = delegation.colleague
            if delegation.created:
                messages.success(
                    request,
                    _(
                        "Merci : %(name)s vous remplace et reçoit sa propre invitation à "
                        "l'adresse %(email)s."
                    )
                    % {"name": colleague.name, "email": colleague.email},
                )
            else:
                messages.info(
                    request,
                    _("Votre réponse était déjà enregistrée : %(name)s vous remplace.")
                    % {"name": colleague.name},
                )
            return redirect("meetings:rsvp", signed=signed)
    status = 400 if form.is_bound else 200
    return render(
        request,
        f"{T}/rsvp_delegate.html",
        _page_context(invitation, signed, form=form),
        status=status,
    )


@rsvp_view
def rsvp_ics(request, invitation, signed):
    """The meeting for the invitee's calendar (same UID and SEQUENCE as the e-mailed one)."""
    content = services.invitation_ics(invitation, method=ical.PUBLISH)
    response = HttpResponse(content, content_type=ical.MIMETYPES[ical.PUBLISH] + "; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reunion.ics"'
    return response


@rsvp_view(after_meeting=True)
def rsvp_document(request, invitation, signed, document_pk):
    """A document of the meeting, through the invitee's link; still there after the meeting
    (the minutes come after), not once it is cancelled."""
    if services.rsvp_state(invitation) == CANCELLED:
        return _closed(request, invitation, signed, CANCELLED)
    document = invitation.meeting.documents.filter(pk=document_pk).first()
    if document is None:
        raise Http404(_("Ce document n'existe plus."))
    return serve_document(document)

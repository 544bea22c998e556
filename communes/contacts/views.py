"""The referent's contacts pages: the list, export and import (upload → preview → confirm), and
the RGPD actions on one contact (export of their data, anonymisation).

Pages are the referent's: anyone else gets 403. A contact is read through
`selectors.contacts_managed_by`: one of another EPCI is a 404.

Between the steps of an import the file is kept as plain data (its rows as text) in the
referent's session — stored on the server, never in MEDIA — under a random token that the
confirmation must carry: a confirmation posted from an older preview (another tab, a file
uploaded since) is refused rather than importing something else than what was shown.
"""

import json
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from referent_portal.accounts.decorators import referent_required

from . import services
from .forms import AnonymiseForm, ContactFileForm, ContactSearchForm, ImportConfirmForm
from .selectors import anonymised_count, contact_list, contacts_managed_by

PAGE_SIZE = 50
SESSION_KEY = "communes.contacts.import"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the list and the export ----------------------------------------------------------------


@referent_required
def contact_list_view(request):
    form = ContactSearchForm(request.GET or None)
    contacts = contact_list(request.user, query=form.query)
    page_obj = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communes/contacts/contact_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "contacts": page_obj.object_list,
            "query": form.query,
            "query_string": urlencode({"q": form.query}) if form.query else "",
            "anonymised_count": anonymised_count(request.user),
            "retention_days": settings.CONTACT_RETENTION_DAYS,
        },
    )


@require_GET
@referent_required
def contacts_export(request):
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        file_format = "csv"
    return _download(*services.contacts_export(epci=request.user.epci, file_format=file_format))


# --- the import -----------------------------------------------------------------------------


def _pending_import(request) -> dict | None:
    """The file uploaded at step 1, if it is this referent's EPCI's."""
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("epci") != request.user.epci_id:
        return None
    return pending


@referent_required
def contacts_import(request):
    """Step 1: upload the file."""
    if request.method == "POST":
        form = ContactFileForm(request.POST, request.FILES)
        if form.is_valid():
            request.session[SESSION_KEY] = {
                "token": secrets.token_urlsafe(16),
                "epci": request.user.epci_id,
                "uploaded_at": timezone.now().isoformat(),
                **form.contents,
            }
            return redirect("communes:contacts_import_preview")
    else:
        form = ContactFileForm()
    return render(request, "communes/contacts/import_upload.html", {"form": form})


def _render_preview(request, pending, *, status=200):
    preview = services.contacts_import_preview(epci=request.user.epci, data=pending)
    return render(
        request,
        "communes/contacts/import_preview.html",
        {
            "preview": preview,
            "counts": preview.counts,
            "confirm_form": ImportConfirmForm(initial={"token": pending["token"]}),
        },
        status=status,
    )


@referent_required
def contacts_import_preview(request):
    """Step 2 (GET): what the file would do, row by row. Step 3 (POST): import it."""
    pending = _pending_import(request)
    if pending is None:
        messages.info(request, _("Aucun fichier en attente d'import : déposez-en un."))
        return redirect("communes:contacts_import")
    if request.method != "POST":
        return _render_preview(request, pending)

    form = ImportConfirmForm(request.POST)
    if not form.is_valid() or form.cleaned_data["token"] != pending["token"]:
        messages.warning(
            request,
            _(
                "Cet aperçu n'était plus à jour (un autre fichier a été déposé) : "
                "vérifiez celui-ci."
            ),
        )
        return redirect("communes:contacts_import_preview")
    try:
        preview = services.contacts_import(epci=request.user.epci, data=pending, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _render_preview(request, pending, status=400)
    del request.session[SESSION_KEY]
    counts = preview.counts
    parts = []
    if counts["new"]:
        parts.append(
            ngettext("%(n)s contact ajouté", "%(n)s contacts ajoutés", counts["new"])
            % {"n": counts["new"]}
        )
    if counts["update"]:
        parts.append(
            ngettext("%(n)s contact mis à jour", "%(n)s contacts mis à jour", counts["update"])
            % {"n": counts["update"]}
        )
    if counts["unchanged"]:
        parts.append(
            ngettext("%(n)s inchangé", "%(n)s inchangés", counts["unchanged"])
            % {"n": counts["unchanged"]}
        )
    messages.success(request, _("Import terminé : %(parts)s.") % {"parts": ", ".join(parts)})
    return redirect("communes:contact_list")


@require_GET
@referent_required
def contacts_import_errors(request):
    """The rows in error of the pending file, with their messages: a CSV to fix."""
    pending = _pending_import(request)
    if pending is None:
        messages.info(request, _("Aucun fichier en attente d'import : déposez-en un."))
        return redirect("communes:contacts_import")
    preview = services.contacts_import_preview(epci=request.user.epci, data=pending)
    stem = pending.get("filename", "contacts").rsplit(".", 1)[0] or "contacts"
    return _download(
        services.contacts_import_error_report(preview=preview),
        "text/csv; charset=utf-8",
        f"{stem}-erreurs.csv".replace('"', ""),
    )


# --- RGPD -----------------------------------------------------------------------------------


@require_GET
@referent_required
def contact_export(request, pk):
    """Everything the portal holds about a contact, as JSON (right of access)."""
    contact = get_object_or_404(
        contacts_managed_by(request.user).select_related("epci", "user"), pk=pk
    )
    data = services.contact_export_json(contact=contact)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return _download(content, "application/json; charset=utf-8", f"contact-{contact.pk}.json")


@referent_required
def contact_anonymise(request, pk):
    """A confirmation page, then the anonymisation."""
    contact = get_object_or_404(
        contacts_managed_by(request.user).filter(anonymised_at__isnull=True).select_related("user"),
        pk=pk,
    )
    action = reverse("communes:contact_anonymise", args=[contact.pk])
    cancel = reverse("communes:contact_list")
    form = AnonymiseForm(
        request.POST if request.method == "POST" else None, action=action, cancel=cancel
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_anonymise(contact=contact, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Le contact est anonymisé : son historique est conservé sans données "
                    "personnelles."
                ),
            )
            return redirect("communes:contact_list")
    return render(
        request,
        "communes/contacts/contact_anonymise.html",
        {"contact": contact, "form": form, "is_self": contact.user_id == request.user.pk},
        status=400 if form.errors else 200,
    )

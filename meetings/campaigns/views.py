"""Pages of the information campaigns: the referent's only.

Every campaign is read through a selector: another EPCI's answers 404; another role, 403.
Sending e-mails people: a confirmation page (GET) comes before the action (POST). Each page
runs a fixed number of queries whatever the size of the audience.
"""

import csv
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from meetings.models import Campaign, CampaignRecipient
from referent_portal.accounts.decorators import referent_required
from referent_portal.csv import neutralise
from referent_portal.uploads.responses import file_response

from . import services
from .forms import CampaignForm, RecipientFilterForm, add_service_error
from .selectors import (
    RecipientStatus,
    campaign_audience,
    campaign_counts,
    campaign_reach,
    campaign_recipients,
    campaigns_visible_to,
    campaigns_with_counts,
)

Status = Campaign.Status
RECIPIENTS_PER_PAGE = 50


def _campaign(user, pk) -> Campaign:
    return get_object_or_404(campaigns_visible_to(user).select_related("epci", "created_by"), pk=pk)


@referent_required
def campaign_list(request):
    campaigns = list(campaigns_with_counts(request.user))
    return render(
        request,
        "meetings/campaigns/campaign_list.html",
        {
            "drafts": [c for c in campaigns if c.status == Status.DRAFT],
            "sending": [c for c in campaigns if c.status == Status.SENDING],
            "sent": [c for c in campaigns if c.status == Status.SENT],
            "any": bool(campaigns),
        },
    )


def _save(request, campaign: Campaign | None):
    user = request.user
    form = CampaignForm(
        request.POST or None,
        request.FILES or None,
        epci=user.epci,
        campaign=campaign,
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_save(by=user, campaign=campaign, **form.campaign_fields())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Le brouillon « %(subject)s » est enregistré. Vérifiez ses destinataires, "
                    "puis envoyez-le."
                )
                % {"subject": campaign.subject},
            )
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(
        request,
        "meetings/campaigns/campaign_form.html",
        {"form": form, "campaign": campaign},
        status=400 if form.errors else 200,
    )


@referent_required
def campaign_create(request):
    return _save(request, None)


@referent_required
def campaign_edit(request, pk):
    campaign = _campaign(request.user, pk)
    if campaign.status != Status.DRAFT:
        messages.error(request, services.STATE_ERRORS[campaign.status])
        return redirect("campaigns:detail", pk=campaign.pk)
    return _save(request, campaign)


@referent_required
def campaign_detail(request, pk):
    campaign = _campaign(request.user, pk)
    context = {"campaign": campaign, "documents": list(campaign.documents.all())}
    if campaign.status == Status.DRAFT:
        context |= {
            "communes": list(campaign.communes.all()),
            "networks": list(campaign.networks.all()),
            "contacts": list(campaign.contacts.all()),
            "functions": [
                label
                for value, label in CampaignForm.base_fields["functions"].choices
                if value in (campaign.functions or [])
            ],
        }
        return render(request, "meetings/campaigns/campaign_draft.html", context)

    filter_form = RecipientFilterForm(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    page = Paginator(campaign_recipients(campaign, status=status), RECIPIENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    reach = campaign_reach(campaign)
    context |= {
        "filter_form": filter_form,
        "status": status,
        "status_label": RecipientStatus.labels.get(status, ""),
        "page_obj": page,
        "query_string": f"status={status}" if status else "",
        "counts": campaign_counts(campaign),
        "reach": reach,
        "reached_count": sum(1 for r in reach if r.reached),
    }
    return render(request, "meetings/campaigns/campaign_detail.html", context)


@referent_required
def campaign_preview(request, pk):
    campaign = _campaign(request.user, pk)
    if campaign.status != Status.DRAFT:
        return redirect("campaigns:detail", pk=campaign.pk)
    return render(
        request,
        "meetings/campaigns/campaign_preview.html",
        {"campaign": campaign, "audience": campaign_audience(campaign)},
    )


@referent_required
def campaign_send(request, pk):
    campaign = _campaign(request.user, pk)
    errors = []
    if request.method == "POST":
        try:
            count = services.campaign_send(campaign=campaign, by=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                ngettext(
                    "L'envoi est lancé : %(count)s courriel part par lots, suivez-le ici.",
                    "L'envoi est lancé : %(count)s courriels partent par lots, suivez-les ici.",
                    count,
                )
                % {"count": count},
            )
            return redirect("campaigns:detail", pk=campaign.pk)
    if campaign.status != Status.DRAFT and not errors:
        return redirect("campaigns:detail", pk=campaign.pk)
    audience = campaign_audience(campaign) if campaign.status == Status.DRAFT else None
    return render(
        request,
        "meetings/campaigns/campaign_send.html",
        {
            "campaign": campaign,
            "audience": audience,
            "documents": list(campaign.documents.all()),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@referent_required
@require_POST
def recipient_resend(request, pk, recipient_pk):
    campaign = _campaign(request.user, pk)
    recipient = get_object_or_404(CampaignRecipient, campaign=campaign, pk=recipient_pk)
    try:
        services.campaign_recipient_resend(recipient=recipient, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Le courriel à %(name)s est renvoyé.") % {"name": recipient.name},
        )
    url = f"{campaign_url(campaign)}?status={RecipientStatus.FAILED}#destinataires"
    return redirect(url)


def campaign_url(campaign: Campaign) -> str:
    return reverse("campaigns:detail", args=[campaign.pk])


@referent_required
def campaign_export(request, pk):
    """The recipients and their state: CSV for Excel in French (semicolons, UTF-8 with BOM)."""
    campaign = _campaign(request.user, pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Nom"),
            _("Adresse e-mail"),
            _("Commune"),
            _("Code INSEE"),
            _("État"),
            _("Envoyé le"),
            _("Erreur"),
        ]
    )
    for recipient in campaign_recipients(campaign).iterator(chunk_size=2000):
        email = recipient.email_message
        sent_at = email.sent_at if email and email.sent_at else None
        writer.writerow(
            [
                neutralise(value)
                for value in (
                    recipient.name,
                    recipient.email,
                    recipient.commune.name if recipient.commune else "",
                    recipient.commune.insee_code if recipient.commune else "",
                    str(RecipientStatus.labels[recipient.status]),
                    timezone.localtime(sent_at).strftime("%d/%m/%Y %H:%M") if sent_at else "",
                    email.last_error if email and recipient.status == "failed" else "",
                )
            ]
        )
    name = (
        f"campagne-{campaign.pk}-{slugify(campaign.subject)[:40]}-{timezone.localdate():%Y-%m-%d}"
    )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
    return response


@referent_required
def document_download(request, pk, document_pk):
    campaign = _campaign(request.user, pk)
    document = get_object_or_404(campaign.documents, pk=document_pk)
    return file_response(document.file, filename=document.title)

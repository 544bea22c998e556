"""The referent's campaign form: the text, the documents and the audience.

The audience fields and their rule (at least one way of choosing people) come from
meetings.audience.AudienceForm; the services check everything again.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.audience import AudienceForm
from meetings.models import Campaign, CampaignDocument
from referent_portal.forms import ModelMultipleChoiceField, add_service_error
from referent_portal.uploads.forms import FILES_AGAIN_NOTE, MultipleFileField, attachment_help_text

from .selectors import RecipientStatus

__all__ = ["CampaignForm", "RecipientFilterForm", "add_service_error"]


class CampaignForm(AudienceForm):
    subject = forms.CharField(
        label=_("Objet du courriel"),
        max_length=200,
        help_text=_("Par exemple : « Parapheur électronique : la nouvelle version arrive »."),
    )
    source = forms.CharField(
        label=_("Campagne du syndicat mixte"),
        max_length=200,
        required=False,
        help_text=_("Intitulé ou référence de la campagne d'origine, cité dans le courriel."),
    )
    body = forms.CharField(
        label=_("Texte"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Le texte du courriel, après « Bonjour » et le nom de chaque destinataire."),
    )
    documents = MultipleFileField(label=_("Pièces jointes"))
    removed_documents = ModelMultipleChoiceField(
        label=_("Pièces jointes à retirer"),
        queryset=CampaignDocument.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ["subject", "source", "body", "documents", "removed_documents"]

    def __init__(self, *args, epci, campaign: Campaign | None = None, **kwargs):
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "subject": campaign.subject,
                "source": campaign.source,
                "body": campaign.body,
                "communes": list(campaign.communes.all()),
                "functions": list(campaign.functions or []),
                "networks": list(campaign.networks.all()),
                "contacts": list(campaign.contacts.all()),
            }
        super().__init__(*args, epci=epci, **kwargs)
        self.fields["documents"].help_text = f"{attachment_help_text()} {FILES_AGAIN_NOTE}"
        documents = campaign.documents.all() if campaign is not None else None
        if documents is not None and documents.exists():
            self.fields["removed_documents"].queryset = documents
        else:
            del self.fields["removed_documents"]
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}
        text = ["subject", "source", "body", "documents"]
        if "removed_documents" in self.fields:
            text.append("removed_documents")
        self.helper.layout = Layout(
            Fieldset(_("Le message"), *text),
            Fieldset(
                _("Le public"),
                "communes",
                "functions",
                "networks",
                "contacts",
            ),
            Submit("save", _("Enregistrer le brouillon")),
        )

    def campaign_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "subject": data["subject"],
            "source": data["source"],
            "body": data["body"],
            "communes": data["communes"],
            "functions": data["functions"],
            "networks": data["networks"],
            "contacts": data["contacts"],
            "new_documents": data["documents"],
            "removed_documents": [d.pk for d in data.get("removed_documents") or []],
        }


class RecipientFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("État"),
        choices=[("", _("Tous les états")), *RecipientStatus.choices],
        required=False,
    )

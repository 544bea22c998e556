"""The referent's forms of the attendance: a walk-in, the minutes, a follow-up and what it
becomes. Each receives the meeting (or the follow-up) and narrows its choices to the EPCI."""

from django import forms
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Service
from referent_portal.forms import ModelChoiceField
from requests_relay.models import Category
from trainings.models import TrainingModule

from ..models import FollowUp, Meeting


def _epci_communes(meeting: Meeting):
    return Commune.objects.filter(epci_id=meeting.epci_id).order_by("search_name")


class WalkInForm(forms.Form):
    name = forms.CharField(label=_("Prénom et nom"), max_length=200)
    commune = ModelChoiceField(
        label=_("Commune représentée"),
        queryset=Commune.objects.none(),
        required=False,
        empty_label=_("Aucune (EPCI ou autre organisme)"),
    )
    function = forms.CharField(
        label=_("Fonction"),
        max_length=100,
        required=False,
        help_text=_("Ex. adjointe au maire, secrétaire de mairie."),
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        required=False,
        help_text=_("Facultative : pour lui envoyer le compte rendu."),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        kwargs.setdefault("auto_id", "sur_place_%s")
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = _epci_communes(meeting)
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Indiquez le nom de la personne."), code="required")
        return name


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Compte rendu"),
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        help_text=_(
            "Ce qui a été présenté, les questions, les décisions. Envoyé ensuite à chaque "
            "invité avec les documents de la réunion."
        ),
    )


class FollowUpForm(forms.Form):
    commune = ModelChoiceField(
        label=_("Commune concernée"),
        queryset=Commune.objects.none(),
        required=False,
        empty_label=_("Aucune en particulier"),
    )
    text = forms.CharField(
        label=_("Suite à donner"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Ex. « Plénée-Jugon souhaite une formation au parapheur pour deux agents »."),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = _epci_communes(meeting)

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Décrivez la suite à donner."), code="required")
        return text


class _ConversionForm(forms.Form):
    """Asks for the commune only when the follow-up names none."""

    commune = ModelChoiceField(
        label=_("Commune concernée"),
        queryset=Commune.objects.none(),
        empty_label=_("Choisissez une commune…"),
    )

    def __init__(self, *args, follow_up: FollowUp, **kwargs):
        super().__init__(*args, **kwargs)
        if follow_up.commune_id:
            del self.fields["commune"]
        else:
            self.fields["commune"].queryset = _epci_communes(follow_up.meeting)
        self.fields["service"].queryset = Service.objects.filter(is_active=True)


class FollowUpRequestForm(_ConversionForm):
    category = forms.ChoiceField(label=_("Nature de la demande"), choices=Category.choices)
    subject = forms.CharField(label=_("Objet"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Une ligne ajoutée à la fin indique que la demande vient de la réunion."),
    )
    service = ModelChoiceField(
        label=_("Service concerné"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Aucun"),
        help_text=_("Obligatoire pour une adhésion à un service."),
    )
    training_module = ModelChoiceField(
        label=_("Module de formation"),
        queryset=TrainingModule.objects.none(),
        required=False,
        empty_label=_("Aucun"),
        help_text=_("Obligatoire pour une demande de formation."),
    )

    def __init__(self, *args, follow_up: FollowUp, **kwargs):
        super().__init__(*args, follow_up=follow_up, **kwargs)
        self.fields["training_module"].queryset = TrainingModule.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        category = data.get("category")
        if category == Category.MEMBERSHIP and not data.get("service"):
            self.add_error("service", _("Une demande d'adhésion précise le service."))
        if category == Category.TRAINING and not data.get("training_module"):
            self.add_error("training_module", _("Une demande de formation précise le module."))
        return data


class FollowUpSuggestionForm(_ConversionForm):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    body = forms.CharField(label=_("Suggestion"), widget=forms.Textarea(attrs={"rows": 6}))
    service = ModelChoiceField(
        label=_("Service concerné"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Aucun"),
    )

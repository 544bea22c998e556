"""Forms of the drives: the referent's drive, a commune's answer, the close of a drive.

Forms check what a person can fix on the page; the services check the rules again and their
ValidationError is put back on the form (`add_service_error`).
"""

from datetime import timedelta

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout
from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Service
from referent_portal.forms import DateInput, ModelChoiceField, ModelMultipleChoiceField

from .models import Commitment


class DriveForm(forms.Form):
    service = ModelChoiceField(
        label=_("Service du syndicat mixte"),
        queryset=Service.objects.none(),
        empty_label=_("Choisissez un service…"),
    )
    title = forms.CharField(
        label=_("Intitulé"),
        max_length=200,
        help_text=_("Par exemple : « Adhésion groupée au parapheur électronique en 2027 »."),
    )
    message = forms.CharField(
        label=_("Message aux communes"),
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "Envoyé par courriel aux maires, délégués au numérique, DGS et secrétaires de mairie "
            "des communes choisies : l'intérêt du service, le coût, ce que vous attendez d'elles."
        ),
    )
    deadline = forms.DateField(
        label=_("Date limite de réponse"),
        widget=DateInput(),
        help_text=_("Les communes qui n'ont pas répondu sont relancées avant cette date."),
    )
    all_communes = forms.BooleanField(
        label=_("Toutes les communes de l'EPCI"),
        required=False,
        help_text=_("Cochée, la démarche s'adresse à toutes, quelle que soit la liste ci-dessous."),
    )
    communes = ModelMultipleChoiceField(
        label=_("Communes invitées"),
        queryset=Commune.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.fields["communes"].queryset = Commune.objects.filter(epci_id=user.epci_id).order_by(
            "search_name"
        )
        self.fields["deadline"].widget.attrs["min"] = (
            timezone.localdate() + timedelta(days=1)
        ).isoformat()
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Fieldset(
                gettext("La démarche"),
                Field("service"),
                Field("title"),
                Field("message"),
                Field("deadline", css_class="w-auto"),
            ),
            Fieldset(
                gettext("Les communes"),
                Field("all_communes"),
                Field("communes"),
            ),
            StrictButton(
                gettext("Enregistrer le brouillon"), type="submit", css_class="btn-primary"
            ),
        )

    def clean(self):
        data = super().clean()
        if data.get("all_communes"):
            data["communes"] = list(self.fields["communes"].queryset)
        elif not data.get("communes") and "communes" not in self.errors:
            self.add_error(
                "communes",
                _("Choisissez au moins une commune, ou cochez « Toutes les communes de l'EPCI »."),
            )
        return data


class AnswerForm(forms.Form):
    """A commune's answer to a drive, given by its agent or recorded by the referent."""

    status = forms.ChoiceField(
        label=_("Réponse de la commune"),
        choices=[
            (value, label) for value, label in Commitment.Status.choices if value != "invited"
        ],
        widget=forms.RadioSelect,
    )
    deliberation_date = forms.DateField(
        label=_("Date de la délibération du conseil municipal"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Obligatoire pour « Délibération prévue » : la séance où le conseil en décidera."
        ),
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Facultatif : une condition, une question, la raison d'un refus."),
    )

    def __init__(self, *args, commitment: Commitment, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": None
                if commitment.status == Commitment.Status.INVITED
                else commitment.status,
                "deliberation_date": commitment.deliberation_date,
                "comment": commitment.comment,
            },
        )
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("status"),
            Field("deliberation_date", css_class="w-auto"),
            Field("comment"),
            StrictButton(gettext("Enregistrer la réponse"), type="submit", css_class="btn-primary"),
        )


class CloseForm(forms.Form):
    summary = forms.CharField(
        label=_("Synthèse pour le syndicat mixte"),
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("Ce que les communes engagées demandent ensemble ; repris dans le dossier."),
    )
    arguments = forms.CharField(
        label=_("Arguments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Facultatif : calendrier souhaité, besoins d'accompagnement, formations…"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_tag = False
        self.helper.layout = Layout(Field("summary"), Field("arguments"))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Facultatif ; communiqué aux communes si elles ont été invitées."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field("reason"))

"""Forms of the suggestions pages: the referent writes one, an agent answers."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Service
from communes.selectors import communes_visible_to
from referent_portal.forms import ModelChoiceField, add_service_error

from .models import Suggestion

__all__ = ["AnswerForm", "SuggestionForm", "add_service_error"]


class SuggestionForm(forms.Form):
    commune = ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.none(),
        empty_label=_("Choisissez une commune…"),
    )
    service = ModelChoiceField(
        label=_("Service du syndicat mixte"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Aucun en particulier"),
    )
    title = forms.CharField(
        label=_("Intitulé"),
        max_length=200,
        help_text=_("Par exemple : « Adhérer au service d'archivage électronique »."),
    )
    body = forms.CharField(
        label=_("Suggestion"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Ce que vous proposez et pourquoi, pour cette commune. Les agents de la commune "
            "qui ont un compte la reçoivent par courriel et y répondent depuis leur espace."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes_visible_to(user).order_by("search_name")
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = reverse("communes:suggestion_create")
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("commune"),
            Field("service"),
            Field("title"),
            Field("body"),
            Div(
                StrictButton(
                    gettext("Envoyer la suggestion"), type="submit", css_class="btn-primary"
                ),
                HTML(
                    format_html(
                        '<a class="btn btn-link" href="{}">{}</a>',
                        reverse("communes:suggestion_list"),
                        gettext("Annuler"),
                    )
                ),
                css_class="d-flex gap-2 align-items-center",
            ),
        )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Votre réponse"),
        choices=[
            (Suggestion.Status.ACCEPTED, _("Oui, cela nous intéresse")),
            (Suggestion.Status.DECLINED, _("Non, merci")),
            (Suggestion.Status.LATER, _("Plus tard")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Facultatif : vos raisons, vos questions, le bon moment pour en reparler."),
    )

    def __init__(self, *args, suggestion: Suggestion, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = reverse("communes:suggestion_answer", args=[suggestion.pk])
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("answer", css_class="border-secondary"),
            Field("comment"),
            StrictButton(gettext("Envoyer ma réponse"), type="submit", css_class="btn-primary"),
        )

"""Forms of the follow-up of trainings: the satisfaction survey, a training request turned
into people waiting, and the people enrolled in a session proposed from the demand."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Contact
from referent_portal.forms import ModelMultipleChoiceField

from .demand import request_candidates
from .models import TrainingDemand

SCORE_CHOICES = [
    (1, _("1 — pas du tout satisfait(e)")),
    (2, _("2 — peu satisfait(e)")),
    (3, _("3 — moyennement satisfait(e)")),
    (4, _("4 — satisfait(e)")),
    (5, _("5 — très satisfait(e)")),
]


def _score(label):
    return forms.TypedChoiceField(
        label=label,
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une note de 1 à 5.")},
    )


class SurveyForm(forms.Form):
    overall = _score(_("Dans l'ensemble, êtes-vous satisfait(e) de cette formation ?"))
    content = _score(_("Le contenu répond-il à vos besoins au quotidien ?"))
    trainer = _score(_("Le formateur ou la formatrice a-t-il été clair et disponible ?"))
    comment = forms.CharField(
        label=_("Un commentaire ? (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce qui vous a été utile, ce qui manquait, une suite souhaitée…"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("overall"),
            Field("content"),
            Field("trainer"),
            Field("comment"),
            StrictButton(
                gettext("Envoyer mon avis"), type="submit", css_class="btn-primary btn-lg"
            ),
        )


class ContactChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, contact):
        return f"{contact.full_name} — {contact.get_function_display()}"


class DemandFromRequestForm(forms.Form):
    """Who of the commune waits for the requested module (the submitter ticked already)."""

    contacts = ContactChoiceField(
        label=_("Personnes à inscrire en attente d'une session"),
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une personne.")},
    )

    def __init__(self, *args, request_obj, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_obj = request_obj
        candidates = request_candidates(request_obj)
        self.fields["contacts"].queryset = candidates
        submitter = request_obj.submitted_by_id
        if not self.is_bound:
            self.initial["contacts"] = [c.pk for c in candidates if c.user_id == submitter]
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = reverse(
            "trainings:demand_from_request", args=[request_obj.reference]
        )
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("contacts"),
            StrictButton(
                gettext("Mettre en attente"),
                type="submit",
                css_class="btn-outline-primary btn-sm",
            ),
        )


class DemandLabelField(ModelMultipleChoiceField):
    def label_from_instance(self, demand):
        return f"{demand.contact.full_name} ({demand.commune.name})"


class DemandPeopleForm(forms.Form):
    """The people waiting for the module who are enrolled in the new session (all, at first)."""

    demands = DemandLabelField(
        label=_("Personnes à inscrire"),
        queryset=TrainingDemand.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une personne à inscrire.")},
    )

    def __init__(self, *args, demands, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demands"].queryset = demands
        if not self.is_bound:
            self.initial["demands"] = [d.pk for d in demands]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field("demands"))

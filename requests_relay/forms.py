"""Forms of the requests pages: submission, thread, triage, consolidation, inbox filters.

Forms receive their context (the user, the request) and narrow their querysets in
`__init__`. They check what a person can fix on the page; the services check the rules again
and their ValidationError is put back on the form by `add_service_error`.
"""

from datetime import timedelta

from crispy_forms.bootstrap import InlineRadios, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Service
from communes.selectors import communes_visible_to
from referent_portal.accounts.models import User
from referent_portal.accounts.selectors import active_referents
from referent_portal.forms import ModelChoiceField, ModelMultipleChoiceField
from referent_portal.uploads.forms import (
    FILES_AGAIN_NOTE,
    MultipleFileField,
    attachment_help_text,
)
from trainings.models import TrainingModule

from .models import OPEN_STATUSES, Category, Request, Status, Urgency

# Categories for which the service field is shown (required for a membership).
SERVICE_CATEGORIES = (Category.MEMBERSHIP, Category.SETUP, Category.USAGE)


def add_service_error(form: forms.Form, error: ValidationError, *, field: str | None = None):
    """Put a service's ValidationError on the form, on the field it names when the form has it.

    File errors (codes file_*) go to `field` when given: that is where the user fixes them.
    """
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    for item in error.error_list:
        target = field if field and (item.code or "").startswith("file_") else None
        form.add_error(target, item)


def _submit(label, css_class="btn-primary") -> StrictButton:
    return StrictButton(label, type="submit", css_class=css_class)


# --- the commune's side ----------------------------------------------------------------


class RequestForm(forms.Form):
    commune = ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.none(),
        empty_label=None,
        error_messages={"required": _("Choisissez la commune concernée par la demande.")},
    )
    category = forms.ChoiceField(
        label=_("Nature de la demande"),
        choices=[("", _("Choisissez…")), *Category.choices],
    )
    training_module = ModelChoiceField(
        label=_("Module de formation"),
        queryset=TrainingModule.objects.none(),
        required=False,
        empty_label=_("Choisissez un module…"),
        help_text=_("Obligatoire pour une demande de formation."),
    )
    service = ModelChoiceField(
        label=_("Service du syndicat mixte"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Choisissez un service…"),
        help_text=_("Obligatoire pour une adhésion ; facultatif pour une demande d'assistance."),
    )
    subject = forms.CharField(
        label=_("Objet"),
        max_length=200,
        help_text=_("En une ligne, ce que vous demandez."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "Le contexte, ce que vous avez déjà essayé, les personnes concernées, "
            "les dates qui comptent."
        ),
    )
    urgency = forms.ChoiceField(
        label=_("Urgence"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    attachments = MultipleFileField(label=_("Pièces jointes"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        communes = communes_visible_to(user).order_by("search_name")
        self.fields["commune"].queryset = communes
        self.fields["training_module"].queryset = TrainingModule.objects.filter(is_active=True)
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.fields["attachments"].help_text = attachment_help_text()
        self.single_commune = communes.first() if communes.count() == 1 else None
        if self.single_commune is not None:
            self.fields["commune"].widget = forms.HiddenInput()
            self.fields["commune"].initial = self.single_commune.pk
        else:
            # Several communes: nothing preselected, the agent says which one is concerned.
            self.fields["commune"].empty_label = _("— Choisissez la commune —")

        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = reverse("requests_relay:create")
        self.helper.attrs = {"novalidate": ""}
        if self.single_commune is not None:
            # One commune: nothing to choose; its name is shown, its id travels hidden.
            commune_block = [
                HTML(
                    format_html(
                        '<p class="mb-3"><span class="fw-semibold">{}</span> {}</p>',
                        gettext("Commune :"),
                        self.single_commune.name,
                    )
                ),
                Field("commune"),
            ]
        else:
            commune_block = [Field("commune")]
        self.helper.layout = Layout(
            Fieldset(
                gettext("Votre demande"),
                *commune_block,
                Field("category"),
                Div(
                    "training_module",
                    data_show_for=Category.TRAINING,
                    css_class="conditional-field",
                ),
                Div(
                    "service",
                    data_show_for=" ".join(SERVICE_CATEGORIES),
                    css_class="conditional-field",
                ),
                Field("subject"),
                Field("description"),
                InlineRadios("urgency"),
            ),
            Fieldset(
                gettext("Documents"),
                Field("attachments"),
                HTML(
                    format_html(
                        '<p class="small text-body-secondary">{}</p>', gettext(FILES_AGAIN_NOTE)
                    )
                ),
            ),
            Div(
                _submit(gettext("Envoyer la demande")),
                HTML(
                    format_html(
                        '<a class="btn btn-link" href="{}">{}</a>',
                        reverse("requests_relay:list"),
                        gettext("Annuler"),
                    )
                ),
                css_class="d-flex gap-2 align-items-center",
            ),
        )

    def clean(self):
        data = super().clean()
        category = data.get("category")
        if category == Category.TRAINING and not data.get("training_module"):
            self.add_error("training_module", _("Précisez le module de formation souhaité."))
        if category == Category.MEMBERSHIP and not data.get("service"):
            self.add_error("service", _("Précisez le service auquel la commune souhaite adhérer."))
        if category != Category.TRAINING:
            data["training_module"] = None
        if category not in SERVICE_CATEGORIES:
            data["service"] = None
        return data


class MessageForm(forms.Form):
    """A message in a request's thread, read by the commune and the referent alike.

    The referent's message goes to the commune by e-mail; an internal note is another form
    (`NoteForm`), posted to another view: the two can never be mistaken for one another.
    """

    prefix_name = "message"
    url_name = "requests_relay:message_add"

    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Pièces jointes"))

    def __init__(self, *args, user: User, request_obj: Request, **kwargs):
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachment_help_text()
        button, button_class = self.wording(user=user, request_obj=request_obj)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = reverse(self.url_name, args=[request_obj.reference])
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("body"), Field("attachments"), _submit(button, button_class)
        )

    def wording(self, *, user: User, request_obj: Request) -> tuple[str, str]:
        """Set the labels for who writes; return the button's label and class."""
        if user.is_referent:
            submitter = request_obj.submitted_by
            self.fields["body"].label = _("Message à la commune")
            self.fields["body"].help_text = gettext(
                "Visible par la commune, et envoyé par courriel à %(name)s."
            ) % {"name": submitter.get_full_name() or submitter.username}
            return gettext("Répondre à la commune"), "btn-primary"
        if request_obj.status == Status.WAITING_COMMUNE:
            self.fields["body"].label = _("Informations complémentaires")
        return gettext("Envoyer au référent"), "btn-primary"


class NoteForm(MessageForm):
    """The referent's internal note: kept in the thread, never shown to the commune."""

    prefix_name = "note"
    url_name = "requests_relay:note_add"

    def wording(self, *, user: User, request_obj: Request) -> tuple[str, str]:
        body = self.fields["body"]
        body.label = _("Note interne")
        body.help_text = _(
            "Lue par les seuls référents de l'EPCI : la commune ne la voit jamais "
            "et n'en est pas prévenue."
        )
        body.widget.attrs["rows"] = 3
        return gettext("Ajouter une note interne"), "btn-warning"


# --- the referent's triage ----------------------------------------------------------------


class _ActionForm(forms.Form):
    """A small triage form posted to its own view; prefixed so that ids stay unique."""

    url_name = ""
    button = ""
    button_class = "btn-primary"

    def __init__(self, *args, request_obj: Request, **kwargs):
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = reverse(self.url_name, args=[request_obj.reference])
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(*self.fields, _submit(gettext(self.button), self.button_class))

    def cancel_link(self, request_obj: Request) -> HTML:
        return HTML(
            format_html(
                '<a class="btn btn-link" href="{}">{}</a>',
                reverse("requests_relay:detail", args=[request_obj.reference]),
                gettext("Annuler"),
            )
        )


class AssignForm(_ActionForm):
    prefix_name = "assign"
    url_name = "requests_relay:assign"
    button = _("Attribuer")
    button_class = "btn-outline-primary"

    assignee = ModelChoiceField(
        label=_("Suivie par"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Personne"),
    )

    def __init__(self, *args, user: User, request_obj: Request, **kwargs):
        kwargs.setdefault("initial", {"assignee": request_obj.assigned_to_id or user.pk})
        super().__init__(*args, request_obj=request_obj, **kwargs)
        self.fields["assignee"].queryset = active_referents(request_obj.commune.epci_id).order_by(
            "last_name", "first_name"
        )
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.username


class AskInformationForm(_ActionForm):
    prefix_name = "ask"
    url_name = "requests_relay:ask_information"
    button = _("Demander à la commune")
    button_class = "btn-outline-primary"

    body = forms.CharField(
        label=_("Information attendue"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Envoyée à la commune par courriel ; la demande attend sa réponse."),
    )


class ResolveForm(_ActionForm):
    prefix_name = "resolve"
    url_name = "requests_relay:resolve"
    button = _("Répondre et clore")

    body = forms.CharField(
        label=_("Réponse à la commune"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Support de premier niveau : la demande est close avec cette réponse."),
    )


class RelayRequestForm(_ActionForm):
    """Shown on the confirmation page of the relay, below the recap of who receives what."""

    prefix_name = "relay"
    url_name = "requests_relay:relay"
    button = _("Confirmer la transmission")

    summary = forms.CharField(
        label=_("Synthèse du référent"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que le syndicat mixte doit comprendre en premier."),
    )
    arguments = forms.CharField(
        label=_("Arguments"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, request_obj: Request, **kwargs):
        super().__init__(*args, request_obj=request_obj, **kwargs)
        self.helper.layout = Layout(
            *self.fields,
            Div(
                _submit(gettext(self.button), self.button_class),
                self.cancel_link(request_obj),
                css_class="d-flex flex-wrap gap-2 align-items-center",
            ),
        )


class DossierForm(forms.Form):
    """Consolidate several open requests of the EPCI into one dossier."""

    requests = ModelMultipleChoiceField(
        label=_("Demandes regroupées"),
        queryset=Request.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une demande.")},
    )
    title = forms.CharField(label=_("Intitulé du dossier"), max_length=200)
    summary = forms.CharField(
        label=_("Synthèse du référent"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Le besoin commun, en quelques phrases : c'est ce que lit le syndicat mixte."),
    )
    arguments = forms.CharField(
        label=_("Arguments"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Population concernée, échéances, enjeux pour le territoire."),
    )

    def __init__(
        self, *args, candidates: QuerySet[Request], action: str, cancel_url: str, **kwargs
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["requests"]
        field.queryset = candidates.select_related("commune")
        field.label_from_instance = lambda r: f"{r.reference} — {r.commune.name} — {r.subject}"
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = action
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("requests"),
            Field("title"),
            Field("summary"),
            Field("arguments"),
            Div(
                _submit(gettext("Créer le dossier")),
                HTML(
                    format_html(
                        '<a class="btn btn-link" href="{}">{}</a>', cancel_url, gettext("Annuler")
                    )
                ),
                css_class="d-flex gap-2 align-items-center",
            ),
        )


# --- the referent's inbox ----------------------------------------------------------------


class InboxFilterForm(forms.Form):
    """Filters of the referent's inbox (a GET form: nothing is saved)."""

    OPEN = "open"
    ALL = "all"
    AGES = {"7": 7, "30": 30}

    commune = ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.none(),
        required=False,
        empty_label=_("Toutes les communes"),
    )
    category = forms.ChoiceField(
        label=_("Nature"),
        required=False,
        choices=[("", _("Toutes les natures")), *Category.choices],
    )
    status = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[
            (OPEN, _("À traiter")),
            (ALL, _("Tous les états")),
            *Status.choices,
        ],
    )
    age = forms.ChoiceField(
        label=_("Ancienneté"),
        required=False,
        choices=[
            ("", _("Toutes")),
            ("7", _("Déposées il y a plus de 7 jours")),
            ("30", _("Déposées il y a plus de 30 jours")),
        ],
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes_visible_to(user).order_by("search_name")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = reverse("requests_relay:list")
        self.helper.attrs = {"role": "search", "aria-label": gettext("Filtrer les demandes")}
        self.helper.layout = Layout(
            Row(
                Column("commune", css_class="col-md-6 col-lg-3"),
                Column("category", css_class="col-md-6 col-lg-3"),
                Column("status", css_class="col-md-6 col-lg-2"),
                Column("age", css_class="col-md-6 col-lg-2"),
                Column(
                    HTML(
                        format_html(
                            '<button type="submit" class="btn btn-primary">{}</button>'
                            '<a class="btn btn-link" href="{}" aria-label="{}">{}</a>',
                            gettext("Filtrer"),
                            reverse("requests_relay:list"),
                            gettext("Effacer les filtres"),
                            gettext("Effacer"),
                        )
                    ),
                    css_class="col-md-6 col-lg-2 filter-actions",
                ),
            ),
        )

    @property
    def is_filtered(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(
            data.get("commune")
            or data.get("category")
            or data.get("age")
            or (data.get("status") or self.OPEN) != self.OPEN
        )

    def filter(self, queryset: QuerySet[Request]) -> QuerySet[Request]:
        """Apply the valid criteria; by default the open requests. Oldest first, always."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        status = data.get("status") or self.OPEN
        if status == self.OPEN:
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        elif status != self.ALL:
            queryset = queryset.filter(status=status)
        if data.get("commune"):
            queryset = queryset.filter(commune=data["commune"])
        if data.get("category"):
            queryset = queryset.filter(category=data["category"])
        days = self.AGES.get(data.get("age") or "")
        if days:
            queryset = queryset.filter(created_at__lt=timezone.now() - timedelta(days=days))
        return queryset.order_by("created_at", "pk")

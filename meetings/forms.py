"""The referent's forms for a meeting: the meeting itself, a document, the cancellation."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Network, Service
from referent_portal.converters import as_id
from referent_portal.forms import DateTimeInput, add_service_error, formfield
from referent_portal.uploads.forms import UploadField, attachment_help_text

from .models import Meeting

__all__ = ["CancelForm", "DocumentForm", "MeetingForm", "add_service_error"]


class ReminderDaysField(forms.CharField):
    """« 7, 1 » → [7, 1]: the days before the meeting when those who accepted are reminded."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        days = set()
        for part in value.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            day = as_id(part)
            if day is None or not 1 <= day <= 60:
                raise forms.ValidationError(
                    _("Indiquez des nombres de jours entre 1 et 60, séparés par des virgules."),
                    code="invalid_days",
                )
            days.add(day)
        return sorted(days, reverse=True)


class MeetingForm(forms.ModelForm):
    reminder_days = ReminderDaysField(
        label=_("Rappels (jours avant la réunion)"),
        required=False,
        help_text=_("Ex. « 7, 1 » : rappel une semaine puis la veille à ceux qui ont accepté."),
    )

    class Meta:
        formfield_callback = formfield  # the kit's choice fields for its foreign keys
        model = Meeting
        fields = [
            "kind",
            "title",
            "topic",
            "service",
            "network",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "address",
            "host_commune",
            "video_url",
            "capacity",
            "reminder_days",
            "chase_days",
            "chase_staff",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 6}),
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.fields["network"].queryset = Network.objects.filter(
            epci_id=user.epci_id, is_active=True
        )
        self.fields["host_commune"].queryset = Commune.objects.filter(
            epci_id=user.epci_id
        ).order_by("search_name")
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.layout = Layout(
            Fieldset(
                _("La réunion"), "kind", "title", "topic", "service", "network", "description"
            ),
            Fieldset(
                _("Date et lieu"),
                "starts_at",
                "ends_at",
                "place",
                "address",
                "host_commune",
                "video_url",
                "capacity",
            ),
            Fieldset(_("Rappels et relances"), "reminder_days", "chase_days", "chase_staff"),
            Submit("save", _("Enregistrer")),
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("La fin doit suivre le début."))
        if starts and not self.instance.pk and starts < timezone.now():
            self.add_error("starts_at", _("La date de début est déjà passée."))
        if not (data.get("place") or data.get("host_commune") or data.get("video_url")):
            self.add_error(
                "place",
                _("Indiquez un lieu, une commune d'accueil ou un lien de visioconférence."),
            )
        if data.get("kind") == Meeting.Kind.NETWORK and not data.get("network"):
            self.add_error("network", _("Choisissez le réseau qui se réunit."))
        return data

    def meeting_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Titre du document"), max_length=200)
    file = UploadField(label=_("Fichier"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = attachment_help_text(count=False)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif, envoyé aux invités"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

"""Forms of the trainings: the referent's session, enrolling others, cancelling a session.

Forms check what a person can fix on the page; the services check the rules again and their
ValidationError is put back on the form (`add_service_error`).
"""

import re
from datetime import datetime, timedelta

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Contact
from referent_portal.converters import as_id
from referent_portal.forms import DateInput, ModelChoiceField, ModelMultipleChoiceField, TimeInput
from referent_portal.forms import add_service_error as put_service_error

from .models import TrainingModule, TrainingSession

# The session's fields a datetime is made of, and the form fields errors go back to.
SERVICE_FIELD_ALIASES = {"starts_at": "day", "ends_at": "end_time"}


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """A service's error on the session form's own fields (a datetime is a day and a time)."""
    put_service_error(form, error, aliases=SERVICE_FIELD_ALIASES)


class SessionForm(forms.Form):
    module = ModelChoiceField(
        label=_("Module"),
        queryset=TrainingModule.objects.none(),
        empty_label=_("Choisissez un module…"),
    )
    day = forms.DateField(label=_("Date de la session"), widget=DateInput())
    start_time = forms.TimeField(label=_("Heure de début"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Heure de fin"), widget=TimeInput())
    venue = forms.ChoiceField(
        label=_("Lieu"),
        choices=TrainingSession.Venue.choices,
        widget=forms.RadioSelect,
        initial=TrainingSession.Venue.EPCI,
    )
    host_commune = ModelChoiceField(
        label=_("Commune d'accueil"),
        queryset=Commune.objects.none(),
        required=False,
        empty_label=_("Choisissez une commune…"),
        help_text=_("Pour une session dans une mairie."),
    )
    place = forms.CharField(
        label=_("Salle et adresse"),
        max_length=300,
        required=False,
        help_text=_("Ex. salle du conseil, 1 place de la Mairie."),
    )
    video_url = forms.URLField(
        label=_("Lien de visioconférence"),
        required=False,
        help_text=_("Pour une session en visioconférence."),
    )
    trainer_name = forms.CharField(label=_("Formateur ou formatrice"), max_length=200)
    trainer_email = forms.EmailField(
        label=_("Adresse e-mail du formateur"),
        required=False,
    )
    capacity = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=500)
    registration_deadline = forms.DateField(
        label=_("Date limite d'inscription"),
        widget=DateInput(),
        help_text=_("Les agents s'inscrivent et se désistent jusqu'à ce jour inclus."),
    )
    details = forms.CharField(
        label=_("Informations pratiques"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce qu'il faut apporter, l'accès, le repas… repris dans les courriels."),
    )
    reminder_days = forms.CharField(
        label=_("Rappels (jours avant la session)"),
        required=False,
        max_length=40,
        help_text=_("Séparés par des virgules, ex. « 7, 1 ». Vide : aucun rappel."),
    )
    open_now = forms.BooleanField(
        label=_("Ouvrir les inscriptions dès maintenant"),
        required=False,
        initial=True,
        help_text=_("Décochée, la session reste « planifiée » : les agents ne la voient pas."),
    )

    def __init__(self, *args, user, session: TrainingSession | None = None, **kwargs):
        if session is not None:
            starts = timezone.localtime(session.starts_at)
            ends = timezone.localtime(session.ends_at)
            kwargs.setdefault(
                "initial",
                {
                    "module": session.module_id,
                    "day": starts.date(),
                    "start_time": starts.time(),
                    "end_time": ends.time(),
                    "venue": session.venue,
                    "host_commune": session.host_commune_id,
                    "place": session.place,
                    "video_url": session.video_url,
                    "trainer_name": session.trainer_name,
                    "trainer_email": session.trainer_email,
                    "capacity": session.capacity,
                    "registration_deadline": session.registration_deadline,
                    "details": session.details,
                    "reminder_days": ", ".join(str(d) for d in session.reminder_days or []),
                },
            )
        else:
            kwargs.setdefault(
                "initial",
                {
                    "reminder_days": ", ".join(
                        str(d) for d in TrainingSession._meta.get_field("reminder_days").default()
                    ),
                    "capacity": 12,
                },
            )
        super().__init__(*args, **kwargs)
        self.session = session
        modules = TrainingModule.objects.filter(is_active=True)
        if session is not None:
            modules = TrainingModule.objects.filter(is_active=True) | TrainingModule.objects.filter(
                pk=session.module_id
            )
            del self.fields["open_now"]
        self.fields["module"].queryset = modules.order_by("position", "title")
        self.fields["host_commune"].queryset = Commune.objects.filter(
            epci_id=user.epci_id
        ).order_by("search_name")
        if session is None:
            self.fields["day"].widget.attrs["min"] = (
                timezone.localdate() + timedelta(days=1)
            ).isoformat()
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Fieldset(
                gettext("La formation"),
                Field("module"),
                Field("trainer_name"),
                Field("trainer_email"),
            ),
            Fieldset(
                gettext("Quand"),
                Div(
                    Div(Field("day"), css_class="col-sm-4"),
                    Div(Field("start_time"), css_class="col-sm-4"),
                    Div(Field("end_time"), css_class="col-sm-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                gettext("Où"),
                Field("venue"),
                Field("host_commune"),
                Field("place"),
                Field("video_url"),
            ),
            Fieldset(
                gettext("Inscriptions"),
                Field("capacity", css_class="w-auto"),
                Field("registration_deadline", css_class="w-auto"),
                Field("reminder_days", css_class="w-auto"),
                *([Field("open_now")] if session is None else []),
            ),
            Field("details"),
            StrictButton(gettext("Enregistrer la session"), type="submit", css_class="btn-primary"),
        )

    def clean_reminder_days(self):
        value = self.cleaned_data["reminder_days"].strip()
        if not value:
            return []
        parts = [part for part in re.split(r"[\s,;]+", value) if part]
        numbers = [as_id(part) for part in parts]
        if None in numbers:
            raise ValidationError(
                _("Indiquez des nombres de jours séparés par des virgules, ex. « 7, 1 »."),
                code="invalid",
            )
        days = sorted(set(numbers), reverse=True)
        if any(day > 60 for day in days):
            raise ValidationError(_("Un rappel part entre 0 et 60 jours avant la session."))
        return days

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            data["starts_at"] = timezone.make_aware(datetime.combine(day, start))
            data["ends_at"] = timezone.make_aware(datetime.combine(day, end))
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", _("L'heure de fin doit suivre l'heure de début."))
        venue = data.get("venue")
        missing = {
            TrainingSession.Venue.MAIRIE: (
                "host_commune",
                _("Choisissez la commune qui accueille la session."),
            ),
            TrainingSession.Venue.ONLINE: (
                "video_url",
                _("Indiquez le lien de la visioconférence."),
            ),
        }
        if venue in missing:
            name, message = missing[venue]
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "module": data["module"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "venue": data["venue"],
            "host_commune": data["host_commune"],
            "place": data["place"],
            "video_url": data["video_url"],
            "trainer_name": data["trainer_name"],
            "trainer_email": data["trainer_email"],
            "capacity": data["capacity"],
            "registration_deadline": data["registration_deadline"],
            "details": data["details"],
            "reminder_days": data["reminder_days"],
        }


class ContactChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, contact):
        communes = ", ".join(c.name for c in contact.communes.all())
        label = f"{contact.full_name} — {contact.get_function_display()}"
        return f"{label} ({communes})" if communes else label


class EnrolOthersForm(forms.Form):
    """Several people of the EPCI (the referent) or of the commune (its DGS or secrétaire)."""

    contacts = ContactChoiceField(
        label=_("Personnes à inscrire"),
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une personne.")},
    )

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = contacts
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field("contacts"))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Facultatif ; communiqué par courriel aux inscrits et à la liste d'attente."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field("reason"))

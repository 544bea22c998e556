"""Forms of the invitations: the referent's choice of invitees, the invitee's colleague."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from communes.models import Contact
from meetings.audience import AudienceForm

AUDIENCE_FIELDS = ("communes", "functions", "networks", "contacts")


class InviteForm(AudienceForm):
    """The audience, sent by GET to the preview: nothing is written before the confirmation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communes"].widget.attrs["size"] = 8
        self.fields["contacts"].widget.attrs["size"] = 8
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            *AUDIENCE_FIELDS, Submit("apercu", _("Voir la liste des invités"))
        )

    def hidden_values(self) -> list[tuple[str, str]]:
        """The audience as the preview's confirmation form carries it (name, value pairs)."""
        return [
            (name, value) for name in AUDIENCE_FIELDS for value in self.data.getlist(name) if value
        ]


class DelegateForm(forms.Form):
    name = forms.CharField(label=_("Nom et prénom de la personne"), max_length=200)
    email = forms.EmailField(
        label=_("Son adresse e-mail"),
        help_text=_("Elle reçoit sa propre invitation, avec ses liens pour répondre."),
    )
    function = forms.ChoiceField(
        label=_("Sa fonction"),
        choices=[("", _("Autre ou non précisée")), *Contact.Function.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.helper = FormHelper()
        # The server's messages, in the error summary, rather than the browser's bubbles.
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            "name", "email", "function", Submit("send", _("Envoyer l'invitation à ma place"))
        )

"""Forms of the login pages. Layout with crispy; the <form> tag and buttons live in templates."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core import validators
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from . import services
from .selectors import login_username_for


class CrispyFormMixin:
    """A crispy helper that renders the fields only: the template owns <form> and buttons."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class LoginForm(CrispyFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Identifiant, adresse e-mail ou mot de passe incorrect. Après plusieurs erreurs, "
            "le compte est bloqué pendant quelques minutes."
        ),
        "inactive": _("Ce compte est désactivé. Adressez-vous à votre référent."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Identifiant ou adresse e-mail")
        # AuthenticationForm sets max_length after the field is built, so no validator checks
        # it: without this one a longer identifier reached the lockout's 255-character record.
        username.max_length = 254
        username.validators.append(validators.MaxLengthValidator(254))
        username.widget.attrs.update({"maxlength": 254, "autocomplete": "username"})
        self.fields["password"].label = _("Mot de passe")

    @sensitive_variables()
    def clean(self):
        # An address is turned into the account's username before authenticating, so the
        # lockout counts the same account whichever of the two was typed.
        username = self.cleaned_data.get("username")
        if username:
            self.cleaned_data["username"] = login_username_for(username)
        return super().clean()


class MagicLinkForm(CrispyFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("Votre adresse e-mail professionnelle"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class OutboxPasswordResetForm(CrispyFormMixin, PasswordResetForm):
    """Django's password reset, its e-mail written to the outbox instead of sent from here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Votre adresse e-mail")

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # Django made a token for `context`; the outbox makes its own when it sends.
        services.password_reset_email_queue(user=context["user"])


class PortalSetPasswordForm(CrispyFormMixin, SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Nouveau mot de passe")
        self.fields["new_password2"].label = _("Confirmez le nouveau mot de passe")


class PortalPasswordChangeForm(CrispyFormMixin, PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Mot de passe actuel")
        self.fields["new_password1"].label = _("Nouveau mot de passe")
        self.fields["new_password2"].label = _("Confirmez le nouveau mot de passe")

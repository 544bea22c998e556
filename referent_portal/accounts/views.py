"""Login by password or magic link, logout, password reset and change."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView
from sesame import settings as sesame_settings

from . import services
from .forms import (
    LoginForm,
    MagicLinkForm,
    OutboxPasswordResetForm,
    PortalPasswordChangeForm,
    PortalSetPasswordForm,
)


def _valid_minutes() -> int:
    return int(settings.SESAME_MAX_AGE.total_seconds() // 60)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Déconnexion effectuée."))
        return response


class MagicLinkRequestView(FormView):
    """Ask for a login link by e-mail. The answer never tells whether the address is known."""

    template_name = "accounts/magic_link_request.html"
    form_class = MagicLinkForm
    success_url = reverse_lazy("accounts:magic_link_sent")

    def form_valid(self, form):
        services.magic_link_request(email=form.cleaned_data["email"])
        return super().form_valid(form)


class MagicLinkSentView(TemplateView):
    template_name = "accounts/magic_link_sent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            valid_minutes=_valid_minutes(),
            per_window=services.EMAILS_PER_WINDOW,
            window_minutes=int(services.EMAIL_WINDOW.total_seconds() // 60),
            **kwargs,
        )


@method_decorator(never_cache, name="dispatch")
class MagicLinkLoginView(View):
    """Open a magic link.

    Following the link (GET) only checks the token and asks for a click; the POST of that
    button spends it. Mail filters that open every link of an incoming message, as many
    administrations have, would otherwise use up the one-time link before the agent does.
    """

    def get(self, request):
        token = request.GET.get(sesame_settings.TOKEN_NAME, "")
        user = authenticate(request, sesame=token) if token else None
        if user is None:
            return self.invalid()
        return render(
            request,
            "accounts/magic_link_confirm.html",
            {"token": token, "token_name": sesame_settings.TOKEN_NAME, "link_user": user},
        )

    def post(self, request):
        token = request.POST.get(sesame_settings.TOKEN_NAME, "")
        user = authenticate(request, sesame=token) if token else None
        if user is None:
            return self.invalid()
        login(request, user)  # updates last_login, which spends the one-time token
        messages.success(request, _("Connexion réussie."))
        return redirect(settings.LOGIN_REDIRECT_URL)

    def invalid(self):
        return render(
            self.request,
            "accounts/magic_link_invalid.html",
            {"valid_minutes": _valid_minutes()},
            status=400,
        )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            valid_hours=settings.PASSWORD_RESET_TIMEOUT // 3600, **kwargs
        )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = PortalSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.account_unlock(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("dashboard:home")

    def get_form_class(self):
        # An agent who only ever used magic links has no password yet: let them set one.
        if self.request.user.has_usable_password():
            return PortalPasswordChangeForm
        return PortalSetPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Votre mot de passe a été modifié."))
        return response

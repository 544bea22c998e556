"""Writes of the accounts app: the e-mails that let someone in, through the outbox."""

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from sesame.utils import get_query_string

from referent_portal.outbox.models import OutgoingEmail
from referent_portal.outbox.secrets import LinkUnavailable, link_placeholder
from referent_portal.outbox.services import email_queue

from .models import User
from .selectors import magic_link_recipients

MAGIC_LINK_KIND = "accounts.magic_link"
PASSWORD_RESET_KIND = "accounts.password_reset"
# At most this many e-mails of one kind to one address per window: a form that anyone can
# submit must not become a way to flood someone's mailbox.
EMAILS_PER_WINDOW = 3
EMAIL_WINDOW = timedelta(minutes=15)


def _recently_queued(*, kind: str, to: str) -> int:
    since = timezone.now() - EMAIL_WINDOW
    return OutgoingEmail.objects.filter(kind=kind, to__iexact=to, created_at__gte=since).count()


def _lock(users) -> list[User]:
    # Lock the accounts so two simultaneous requests cannot both pass the rate limit.
    return list(users.select_for_update())


def magic_link_url(user: User) -> str:
    """An absolute, one-time, short-lived login link for `user`."""
    return settings.SITE_URL + reverse("accounts:magic_link_login") + get_query_string(user)


def password_reset_url(user: User) -> str:
    """An absolute password reset link for `user`, spent when the password changes."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL + path


def _recipient(accounts, ref: str, email) -> User:
    """The account a login or reset message is for, if it may still be let in this way at
    the address the message goes to (the account may have been deactivated, raised to staff
    or given another address since the message was written)."""
    user = accounts.filter(pk=int(ref)).first() if ref.isdigit() else None
    if user is None or user.email.strip().lower() != email.to.strip().lower():
        raise LinkUnavailable("The account no longer receives links at this address.")
    return user


# Link providers of the outbox (registered in AppConfig.ready): the link is made when the
# message is sent, so the outbox and its admin site never hold a usable one, and a resend
# gives the recipient a fresh token.


def magic_link_links(ref: str, email) -> dict[str, str]:
    return {"link": magic_link_url(_recipient(magic_link_recipients(email.to), ref, email))}


def password_reset_links(ref: str, email) -> dict[str, str]:
    user = _recipient(User.objects.filter(is_active=True), ref, email)
    if not user.has_usable_password():
        raise LinkUnavailable("The account has no password to reset.")
    return {"link": password_reset_url(user)}


@transaction.atomic
def magic_link_request(*, email: str) -> int:
    """Queue a magic link for each account that may receive one at `email`.

    Says nothing about whether an account exists: the caller shows the same page either way.
    Returns the number of e-mails queued (0 for an unknown address or over the rate limit).
    """
    queued = 0
    for user in _lock(magic_link_recipients(email)):
        if _recently_queued(kind=MAGIC_LINK_KIND, to=user.email) >= EMAILS_PER_WINDOW:
            continue
        email_queue(
            to=user.email,
            template="accounts/email/magic_link",
            context={
                "user": user,
                "link": link_placeholder("link"),
                "valid_minutes": int(settings.SESAME_MAX_AGE.total_seconds() // 60),
            },
            kind=MAGIC_LINK_KIND,
            language=user.language,
            secret_ref=user.pk,
        )
        queued += 1
    return queued


@transaction.atomic
def password_reset_email_queue(*, user: User) -> bool:
    """Queue the password reset e-mail for `user`; False when over the rate limit.

    The token Django's form made is not used: the link is made when the e-mail is sent.
    """
    _lock(User.objects.filter(pk=user.pk))
    if _recently_queued(kind=PASSWORD_RESET_KIND, to=user.email) >= EMAILS_PER_WINDOW:
        return False
    email_queue(
        to=user.email,
        template="accounts/email/password_reset",
        context={
            "user": user,
            "link": link_placeholder("link"),
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
        kind=PASSWORD_RESET_KIND,
        language=user.language,
        secret_ref=user.pk,
    )
    return True


def account_unlock(*, user: User) -> None:
    """Lift a password lockout: whoever set a new password through their e-mail owns it."""
    axes_reset(username=user.get_username())


@transaction.atomic
def login_logs_purge(*, now=None) -> int:
    """Delete the login journal older than LOGIN_LOG_RETENTION_DAYS and the expired sessions.

    django-axes keeps, for every login and every failure, the login name, the IP address and
    the browser; nothing else ever deletes them. Returns the number of rows deleted.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LOGIN_LOG_RETENTION_DAYS)
    deleted = 0
    for model in (AccessLog, AccessAttempt, AccessFailureLog):
        deleted += model.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted += Session.objects.filter(expire_date__lt=now).delete()[0]
    return deleted

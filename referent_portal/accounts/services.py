"""Writes of the accounts app: the e-mails that let someone in, through the outbox."""

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from sesame.utils import get_query_string

from referent_portal.outbox.models import OutgoingEmail
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
                "link": magic_link_url(user),
                "valid_minutes": int(settings.SESAME_MAX_AGE.total_seconds() // 60),
            },
            kind=MAGIC_LINK_KIND,
            language=user.language,
        )
        queued += 1
    return queued


@transaction.atomic
def password_reset_email_queue(*, user: User, uidb64: str, token: str) -> bool:
    """Queue the password reset e-mail for `user`; False when over the rate limit."""
    _lock(User.objects.filter(pk=user.pk))
    if _recently_queued(kind=PASSWORD_RESET_KIND, to=user.email) >= EMAILS_PER_WINDOW:
        return False
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    email_queue(
        to=user.email,
        template="accounts/email/password_reset",
        context={
            "user": user,
            "link": settings.SITE_URL + path,
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
        kind=PASSWORD_RESET_KIND,
        language=user.language,
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

"""RGPD: the login journal (login name, IP address, browser) is not kept forever."""

from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from referent_portal.accounts.tasks import purge_login_logs
from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def login(username, password=PASSWORD) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client


def test_the_login_journal_and_expired_sessions_are_deleted_past_the_retention(settings):
    settings.LOGIN_LOG_RETENTION_DAYS = 180
    old, recent = UserFactory(), UserFactory()
    with freeze_time(timezone.now() - timedelta(days=181)):
        login(old.username)
        login("inconnu", "mauvais")
    client = login(recent.username)
    # (django-axes deletes failed attempts itself once past the cool-off)
    assert AccessLog.objects.count() == 2
    assert Session.objects.count() == 2

    purge_login_logs()

    assert list(AccessLog.objects.values_list("username", flat=True)) == [recent.username]
    # the session of 181 days ago had expired (14 days); the current one still works
    assert Session.objects.count() == 1
    assert client.session.get("_auth_user_id") == str(recent.pk)


def test_the_purge_runs_every_day_from_the_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["login-logs-retention"]
    assert entry["task"] == purge_login_logs.name
    assert entry["schedule"] == timedelta(hours=24)

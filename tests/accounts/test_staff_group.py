"""The « Syndicat mixte » group is made by `migrate`, least privilege: the officer manages the
business data, creates accounts, reads and resends the outbox, and takes over nothing."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from referent_portal.outbox.models import OutgoingEmail
from tests.factories import ReferentFactory, SyndicatFactory, UserFactory
from tests.outbox.utils import queue_example

pytestmark = pytest.mark.django_db

MIGRATION = import_module("referent_portal.accounts.migrations.0004_syndicat_mixte_group")


def group_permissions():
    return set(
        Group.objects.get(name="Syndicat mixte").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def the_group_as_migrate_makes_it():
    """What the migration makes on a database that has none (a flushed test database may
    have lost the group that `migrate` made for the session)."""
    Group.objects.filter(name="Syndicat mixte").delete()
    MIGRATION.syndicat_group(apps, None)
    return group_permissions()


def test_migrate_makes_the_group_with_exactly_the_intended_permissions():
    granted = the_group_as_migrate_makes_it()

    by_app = {}
    for app_label, codename in granted:
        by_app.setdefault(app_label, set()).add(codename)
    assert set(by_app) == {
        "accounts",
        "outbox",
        "axes",
        "communes",
        "meetings",
        "trainings",
        "requests_relay",
    }
    assert by_app["accounts"] == {"view_user", "add_user", "change_user"}
    assert by_app["outbox"] == {
        "view_outgoingemail",
        "resend_outgoingemail",
        "view_outgoingattachment",
        "view_deliveryattempt",
    }
    assert by_app["axes"] == {
        "view_accessattempt",
        "view_accessfailurelog",
        "view_accesslog",
    }
    assert {"change_contact", "add_contact", "view_epci"} <= by_app["communes"]
    assert not {"delete_epci", "delete_commune", "delete_contact"} & by_app["communes"]
    history = {
        c for app in ("communes", "meetings", "trainings") for c in by_app[app] if "historical" in c
    }
    assert history and all(codename.startswith("view_") for codename in history)
    # Every other permission of the business apps is there.
    business = set(
        Permission.objects.filter(
            content_type__app_label__in=["meetings", "trainings", "requests_relay"]
        )
        .exclude(codename__contains="historical")
        .values_list("content_type__app_label", "codename")
    )
    assert business <= granted


def test_an_older_seed_demo_group_is_cut_back_to_the_list():
    group, _ = Group.objects.get_or_create(name="Syndicat mixte")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="auth"))
    MIGRATION.syndicat_group(apps, None)
    assert not {label for label, _codename in group_permissions()} & {"auth", "authtoken"}


@pytest.fixture
def officer_client(client):
    the_group_as_migrate_makes_it()
    officer = SyndicatFactory()
    officer.groups.set([Group.objects.get(name="Syndicat mixte")])
    client.force_login(officer)
    return client


def test_the_officer_changes_no_account_group_permission_or_message(officer_client):
    referent = ReferentFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)
    email = queue_example(kind="accounts.password_reset")
    refused = [
        reverse("admin:auth_user_password_change", args=[referent.pk]),
        reverse("admin:accounts_user_change", args=[admin.pk]),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
        reverse("admin:outbox_outgoingemail_delete", args=[email.pk]),
    ]
    for url in refused:
        post = officer_client.post(
            url,
            {
                "email": "officier@syndicat.example.org",
                "password1": "x-nouveau-2026",
                "password2": "x-nouveau-2026",
            },
        )
        assert post.status_code in (403, 302), url
    # The address of an existing account is not the officer's to set (a reset goes there).
    change = reverse("admin:accounts_user_change", args=[referent.pk])
    assert 'name="email"' not in officer_client.get(change).content.decode()
    referent.refresh_from_db()
    assert referent.email != "officier@syndicat.example.org"
    assert not referent.check_password("x-nouveau-2026")
    assert OutgoingEmail.objects.filter(pk=email.pk).exists()
    assert officer_client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert officer_client.get(reverse("admin:accounts_user_add")).status_code == 200
    page = officer_client.get(reverse("admin:outbox_outgoingemail_change", args=[email.pk]))
    assert page.status_code == 200
    assert "Contenu réservé au destinataire." in page.content.decode()


def test_the_officer_lifts_no_lockout(officer_client):
    """Deleting the record of a lockout restarts the count: an officer who could would let
    anyone guess a superuser's password five attempts at a time. A locked-out person lifts it
    by choosing a new password (« mot de passe oublié »)."""
    from axes.models import AccessAttempt

    admin = UserFactory(is_staff=True, is_superuser=True)
    attempt = AccessAttempt.objects.create(
        username=admin.username, ip_address="192.0.2.1", user_agent="t", failures_since_start=5
    )
    response = officer_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()

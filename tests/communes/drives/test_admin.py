"""The syndicat mixte reads the EPCIs' drives in the admin site; it never edits them there."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from communes.drives.models import Commitment
from communes.drives.services import commitment_set, drive_close, drive_open
from tests.communes.drives.conftest import drive_of
from tests.factories import SyndicatFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:communes_drive_changelist")


@pytest.fixture
def officer_client(client):
    officer = SyndicatFactory(username="erwan.guillou")
    officer.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["communes", "requests_relay"])
    )
    client.force_login(officer)
    return client


@pytest.fixture
def closed_drive(referent, communes, henon):
    drive = drive_open(drive=drive_of(referent, communes), by=referent)
    commitment_set(
        commitment=Commitment.objects.get(drive=drive, commune=henon),
        status=Commitment.Status.COMMITTED,
        by=referent,
        comment="Vote unanime du conseil.",
    )
    drive_close(drive=drive, by=referent, summary="Hénon adhère.")
    drive.refresh_from_db()
    return drive


def test_the_syndicat_lists_the_drives_with_their_counts_and_dossier(officer_client, closed_drive):
    response = officer_client.get(CHANGELIST)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Adhésion groupée au parapheur électronique" in body
    assert "Lamballe Terre et Mer" in body
    assert closed_drive.dossier.reference in body
    assert reverse("admin:requests_relay_dossier_change", args=[closed_drive.dossier.pk]) in body
    row = response.context["cl"].result_list[0]
    assert (row._commune_count, row._committed_count) == (3, 1)


def test_the_syndicat_reads_a_drive_and_its_commitments_without_editing(
    officer_client, closed_drive
):
    url = reverse("admin:communes_drive_change", args=[closed_drive.pk])

    response = officer_client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Vote unanime du conseil." in body
    assert "Hénon" in body
    assert response.context["has_change_permission"] is False
    assert response.context["has_add_permission"] is False
    assert officer_client.get(reverse("admin:communes_drive_add")).status_code == 403
    officer_client.post(url, {"title": "Autre intitulé"})
    closed_drive.refresh_from_db()
    assert closed_drive.title == "Adhésion groupée au parapheur électronique"

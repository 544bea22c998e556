"""The syndicat mixte's systems authenticate with a token issued in the admin site; deleting
the token revokes it at once."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.api.conftest import auth, token_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def url():
    return reverse("api:commune-list")


def test_a_valid_token_reads_the_api(client, territory, syndicat, url):
    response = client.get(url, headers=auth(token_for(syndicat)))
    assert response.status_code == 200
    assert response.json()["count"] == 5


def test_a_revoked_token_is_refused_with_401(client, territory, syndicat, url):
    key = token_for(syndicat)
    Token.objects.filter(key=key).delete()
    response = client.get(url, headers=auth(key))
    assert response.status_code == 401
    assert response.json() == {
        "error": "authentication_failed",
        "detail": "Token non valide.",  # DRF's own French
    }


def test_a_missing_or_malformed_token_is_refused_with_401(client, territory, url):
    for headers in ({}, {"Authorization": "Token"}, {"Authorization": "Token a b"}, auth("x" * 40)):
        response = client.get(url, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Token"


def test_the_token_of_a_deactivated_account_is_refused(client, territory, syndicat, url):
    key = token_for(syndicat)
    syndicat.is_active = False
    syndicat.save(update_fields=["is_active"])
    assert client.get(url, headers=auth(key)).status_code == 401


def test_a_superuser_issues_and_revokes_a_token_in_the_admin_site(client, syndicat):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    add = reverse("admin:authtoken_tokenproxy_add")
    assert client.get(add).status_code == 200

    response = client.post(add, {"user": syndicat.pk})

    assert response.status_code == 302
    token = Token.objects.get(user=syndicat)
    assert len(token.key) == 40
    # DRF's token admin names a token by its user's id.
    delete = reverse("admin:authtoken_tokenproxy_delete", args=[syndicat.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(user=syndicat).exists()

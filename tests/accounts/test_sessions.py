"""Sessions: a new key at every login, nothing left after logout, pages not kept by the
browser; and the lockouts of both ways in, which never tell whether an account exists."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from freezegun import freeze_time

from referent_portal.accounts import services
from referent_portal.outbox.models import OutgoingEmail
from tests.accounts.conftest import PASSWORD, link_in, without_tokens
from tests.factories import CommuneFactory, ReferentFactory, SyndicatFactory, agent_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")


def planted_session(client) -> str:
    """A session an attacker got the victim's browser to use before logging in."""
    session = client.session
    session["planted"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def test_a_password_login_gives_a_new_session_key(client):
    agent = agent_of(CommuneFactory())
    before = planted_session(client)
    response = client.post(LOGIN, {"username": agent.username, "password": PASSWORD})
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_a_magic_link_login_gives_a_new_session_key(client, agent):
    services.magic_link_request(email=agent.email)
    token = link_in(OutgoingEmail.objects.get()).split("jeton=", 1)[1]
    before = planted_session(client)
    response = client.post(reverse("accounts:magic_link_login"), {"jeton": token})
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_after_logout_the_old_session_cookie_opens_nothing(client):
    referent = ReferentFactory()
    client.post(LOGIN, {"username": referent.username, "password": PASSWORD})
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("dashboard:home")).status_code == 200

    assert client.get(reverse("accounts:logout")).status_code == 405  # a link cannot log out
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not Session.objects.filter(session_key=stolen).exists()

    client.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


@pytest.mark.parametrize(
    "name", ["dashboard:home", "communes:list", "requests_relay:list", "accounts:password_change"]
)
def test_pages_shown_to_a_logged_in_referent_are_not_stored_by_the_browser(client, name):
    client.force_login(ReferentFactory())
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_the_agent_space_and_the_admin_site_are_not_stored_either(client):
    client.force_login(agent_of(CommuneFactory()))
    assert "no-store" in client.get(reverse("dashboard:agent_home")).headers["Cache-Control"]
    client.force_login(SyndicatFactory())
    assert "no-store" in client.get(reverse("admin:index")).headers["Cache-Control"]


def test_public_pages_keep_their_own_caching(client):
    # Nothing is private on them: no reason to forbid the browser's cache.
    response = client.get(reverse("legal:notice"))
    assert "no-store" not in response.headers.get("Cache-Control", "")


# --- Password lockout: never tells whether the account exists ------------------------------


def five_failures(client, url, username):
    for _ in range(5):
        last = client.post(url, {"username": username, "password": "mauvais-mot-de-passe"})
    return last


def test_the_lockout_page_is_the_same_for_an_unknown_identifier(client):
    known = agent_of(CommuneFactory(), email="secretariat@mairie.example.org")
    locked_known = five_failures(client, LOGIN, known.email)
    locked_unknown = five_failures(client, LOGIN, "personne@mairie.example.org")
    assert locked_known.status_code == locked_unknown.status_code == 429
    assert without_tokens(locked_known) == without_tokens(locked_unknown)
    # and before the lockout, the error is the same too
    unknown = client.post(LOGIN, {"username": "autre@mairie.example.org", "password": "x"})
    agent_of(CommuneFactory(), username="mlefebvre")
    known = client.post(LOGIN, {"username": "mlefebvre", "password": "x"})
    assert known.status_code == unknown.status_code == 200
    assert without_tokens(unknown).replace("autre@mairie.example.org", "X") == (
        without_tokens(known).replace("mlefebvre", "X")
    )


def test_the_admin_site_s_login_locks_the_account_even_for_the_right_password(client):
    officer = SyndicatFactory()
    with freeze_time("2026-03-02 09:00:00"):
        assert five_failures(client, ADMIN_LOGIN, officer.username).status_code == 429
        right = client.post(ADMIN_LOGIN, {"username": officer.username, "password": PASSWORD})
        assert right.status_code == 429
        assert "Compte temporairement bloqué" in right.content.decode()
        assert "_auth_user_id" not in client.session
    with freeze_time("2026-03-02 09:16:00"):
        again = client.post(ADMIN_LOGIN, {"username": officer.username, "password": PASSWORD})
        assert again.status_code == 302
        assert client.session["_auth_user_id"] == str(officer.pk)


def test_failures_on_the_admin_site_and_the_portal_add_up(client):
    officer = SyndicatFactory()
    for url in [LOGIN, ADMIN_LOGIN, LOGIN, ADMIN_LOGIN]:
        client.post(url, {"username": officer.username, "password": "mauvais"})
    assert client.post(LOGIN, {"username": officer.username, "password": "x"}).status_code == 429


# --- Magic-link requests: throttled per address, the same answer for everyone ----------------


def test_over_the_limit_the_answer_is_the_one_an_unknown_address_gets(client, agent):
    unknown = client.post(reverse("accounts:magic_link"), {"email": "x@ailleurs.example.org"})
    with freeze_time("2026-03-02 09:00:00"):
        for _ in range(services.EMAILS_PER_WINDOW + 1):
            throttled = client.post(reverse("accounts:magic_link"), {"email": agent.email})
        page = client.get(throttled.url).content.decode()
    assert throttled.status_code == unknown.status_code == 302
    assert throttled.url == unknown.url
    assert OutgoingEmail.objects.count() == services.EMAILS_PER_WINDOW
    # the page says the limit plainly, for every address alike
    assert "Au plus 3 liens sont envoyés à une même adresse en 15 minutes" in page


def test_a_throttled_address_gets_a_link_again_after_the_window(client, agent):
    with freeze_time("2026-03-02 09:00:00"):
        for _ in range(services.EMAILS_PER_WINDOW + 1):
            services.magic_link_request(email=agent.email)
        assert services.magic_link_request(email=agent.email) == 0
    with freeze_time("2026-03-02 09:16:00"):
        assert services.magic_link_request(email=agent.email) == 1

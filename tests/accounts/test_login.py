import re

import pytest
from django.urls import reverse
from freezegun import freeze_time

from tests.accounts.conftest import PASSWORD
from tests.factories import CommuneFactory, ReferentFactory, SyndicatFactory, UserFactory, agent_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def landing_page(client, response):
    """Follow the login redirect through dashboard:home to the role's page: the referent's
    dashboard is dashboard:home itself, the others are sent on."""
    assert response.status_code == 302, response.content.decode()
    assert response.url == reverse("dashboard:home")
    home = client.get(response.url)
    if home.status_code == 200:
        return response.url
    assert home.status_code == 302
    return home.url


def is_logged_in(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_the_login_page_is_in_french_with_labelled_fields_and_the_other_ways_in(client):
    page = client.get(LOGIN).content.decode()
    assert '<html lang="fr">' in page
    main = page.split('<main id="contenu"', 1)[1]
    assert re.search(r"<h[1-6]", main).group() == "<h1"
    assert "Identifiant ou adresse e-mail" in page
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert 'for="id_username"' in page and 'for="id_password"' in page
    assert reverse("accounts:magic_link") in page
    assert reverse("accounts:password_reset") in page


def test_a_referent_logs_in_and_lands_on_their_dashboard(client):
    referent = ReferentFactory()
    assert landing_page(client, login(client, referent.username)) == reverse("dashboard:home")
    assert is_logged_in(client, referent)


def test_an_agent_logs_in_and_lands_on_their_space(client):
    agent = agent_of(CommuneFactory())
    assert landing_page(client, login(client, agent.username)) == reverse("dashboard:agent_home")


def test_the_syndicat_mixte_logs_in_and_lands_on_the_admin_site(client):
    officer = SyndicatFactory()
    assert landing_page(client, login(client, officer.username)) == reverse("admin:index")


def test_an_agent_may_log_in_with_their_email_address_in_any_case(client):
    agent = agent_of(CommuneFactory(), email="Secretaire@Mairie-Test.example.org")
    response = login(client, "  secretaire@mairie-test.example.org ")
    assert response.status_code == 302
    assert is_logged_in(client, agent)


def test_an_address_shared_by_two_accounts_logs_in_neither(client):
    UserFactory(email="accueil@mairie.example.org")
    UserFactory(email="accueil@mairie.example.org")
    response = login(client, "accueil@mairie.example.org")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_answers_a_clear_error_and_keeps_the_identifier(client):
    user = UserFactory(username="mdupont")
    response = login(client, user.username, "pas-le-bon")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Identifiant, adresse e-mail ou mot de passe incorrect" in page
    assert 'value="mdupont"' in page
    assert "_auth_user_id" not in client.session


def test_the_next_page_is_honoured_after_login(client):
    agent = agent_of(CommuneFactory())
    next_url = reverse("accounts:password_change")
    # the form the browser gets carries the page to come back to
    form = client.get(f"{LOGIN}?next={next_url}").content.decode()
    assert f'<input type="hidden" name="next" value="{next_url}">' in form
    response = client.post(
        f"{LOGIN}?next={next_url}",
        {"username": agent.username, "password": PASSWORD, "next": next_url},
    )
    assert response.status_code == 302 and response.url == next_url


def test_an_inactive_account_cannot_log_in(client):
    user = UserFactory(is_active=False)
    login(client, user.username)
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client):
    user = agent_of(CommuneFactory())
    for _ in range(4):
        assert login(client, user.username, "mauvais-mot-de-passe").status_code == 200

    fifth = login(client, user.username, "mauvais-mot-de-passe")
    assert fifth.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in fifth.templates]
    page = fifth.content.decode()
    assert "Compte temporairement bloqué" in page
    assert "réessayer dans 15 minutes" in page
    assert reverse("accounts:magic_link") in page
    assert reverse("accounts:password_reset") in page

    right = login(client, user.username, PASSWORD)
    assert right.status_code == 429
    assert "Compte temporairement bloqué" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_by_address_and_by_username_count_against_the_same_account(client):
    user = agent_of(CommuneFactory(), email="compta@mairie.example.org")
    for identifier in ["compta@mairie.example.org", user.username] * 2:
        assert login(client, identifier, "mauvais").status_code == 200
    assert login(client, "COMPTA@mairie.example.org", "mauvais").status_code == 429
    assert login(client, user.username, PASSWORD).status_code == 429


def test_the_lockout_of_one_account_leaves_the_others_alone(client):
    victim, colleague = UserFactory(), UserFactory()
    for _ in range(5):
        login(client, victim.username, "mauvais")
    assert login(client, colleague.username).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client):
    user = UserFactory()
    with freeze_time("2026-03-02 09:00:00"):
        for _ in range(5):
            login(client, user.username, "mauvais")
        assert login(client, user.username).status_code == 429
    with freeze_time("2026-03-02 09:16:00"):
        assert login(client, user.username).status_code == 302


def test_logout_is_a_post_that_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert is_logged_in(client, user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == LOGIN
    assert "_auth_user_id" not in client.session
    assert "Déconnexion effectuée" in client.get(LOGIN).content.decode()


def test_a_logged_in_user_visiting_the_login_page_goes_to_their_page(client):
    client.force_login(UserFactory())
    response = client.get(LOGIN)
    assert response.status_code == 302 and response.url == reverse("dashboard:home")


def test_a_user_changes_their_password(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "un-autre-mot-de-passe-9",
            "new_password2": "un-autre-mot-de-passe-9",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("un-autre-mot-de-passe-9")
    assert is_logged_in(client, user)


def test_an_agent_without_a_password_may_set_one_once_logged_in(client):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "id_old_password" not in page
    response = client.post(
        reverse("accounts:password_change"),
        {"new_password1": "un-premier-mot-de-passe", "new_password2": "un-premier-mot-de-passe"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("un-premier-mot-de-passe")


def test_an_identifier_longer_than_the_field_is_refused_with_a_message_not_a_server_error(client):
    """The browser's maxlength is no check: 300 characters typed by a script were given to the
    lockout, whose record holds 255, and the login page answered 500."""
    from axes.models import AccessAttempt

    response = login(client, "x" * 300, "wrong")
    assert response.status_code == 200
    assert "au plus 254 caractères" in response.content.decode()
    assert not AccessAttempt.objects.exists()

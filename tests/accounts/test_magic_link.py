import pytest
from django.urls import reverse
from freezegun import freeze_time

from referent_portal.accounts import services
from referent_portal.outbox.models import OutgoingEmail
from tests.accounts.conftest import link_in, without_tokens
from tests.factories import CommuneFactory, ReferentFactory, SyndicatFactory, UserFactory
from tests.outbox.utils import sent_text

pytestmark = pytest.mark.django_db

REQUEST = reverse("accounts:magic_link")
KIND = "accounts.magic_link"


def ask_link(client, email):
    return client.post(REQUEST, {"email": email}, follow=True)


def magic_links():
    return OutgoingEmail.objects.filter(kind=KIND)


def test_a_known_agent_gets_a_link_in_the_outbox_in_their_language(client, agent):
    agent.language = "en"
    agent.save()
    response = ask_link(client, "AGENT.Saint-Glen@mairie.example.org")
    assert response.redirect_chain == [(reverse("accounts:magic_link_sent"), 302)]
    email = magic_links().get()
    assert email.to == agent.email
    assert email.language == "en"
    assert email.status == OutgoingEmail.Status.QUEUED
    assert link_in(email).startswith(reverse("accounts:magic_link_login") + "?jeton=")
    assert agent.username in email.body_text


def test_an_unknown_address_gets_nothing_and_the_same_answer(client, agent):
    known = ask_link(client, agent.email)
    unknown = ask_link(client, "personne@ailleurs.example.org")
    assert unknown.redirect_chain == known.redirect_chain
    assert without_tokens(unknown) == without_tokens(known)
    assert "Si un compte" in unknown.content.decode()
    assert magic_links().count() == 1


def test_the_e_mail_is_in_french_by_default_with_a_text_and_an_html_part(client, agent):
    ask_link(client, agent.email)
    email = magic_links().get()
    assert email.subject == "Votre lien de connexion au portail du référent e-administration"
    assert "valable 15 minutes" in email.body_text
    assert '<html lang="fr">' in email.body_html


def test_referents_get_links_but_admin_site_accounts_and_inactive_ones_do_not(client):
    referent = ReferentFactory(email="referent@epci.example.org")
    SyndicatFactory(email="officier@syndicat.example.org")
    UserFactory(email="parti@mairie.example.org", is_active=False)
    for address in [referent.email, "officier@syndicat.example.org", "parti@mairie.example.org"]:
        ask_link(client, address)
    assert list(magic_links().values_list("to", flat=True)) == [referent.email]


def test_at_most_three_links_per_address_per_quarter_hour(client, agent):
    with freeze_time("2026-03-02 09:00:00"):
        for _ in range(5):
            response = ask_link(client, agent.email)
            assert response.redirect_chain[-1][0] == reverse("accounts:magic_link_sent")
        assert magic_links().count() == 3
    with freeze_time("2026-03-02 09:16:00"):
        ask_link(client, agent.email)
        assert magic_links().count() == 4


def test_an_invalid_address_is_a_form_error_that_keeps_the_input(client):
    response = client.post(REQUEST, {"email": "pas-une-adresse"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="pas-une-adresse"' in page
    assert 'aria-invalid="true"' in page
    assert not magic_links().exists()


def test_the_link_logs_the_agent_in_once(client, agent):
    ask_link(client, agent.email)
    link = link_in(magic_links().get())

    # Opening the link only asks for a click: mail filters that open links spend nothing.
    confirm = client.get(link)
    assert confirm.status_code == 200
    assert "Me connecter" in confirm.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(link).status_code == 200

    token = link.split("jeton=", 1)[1]
    response = client.post(reverse("accounts:magic_link_login"), {"jeton": token})
    assert response.status_code == 302 and response.url == reverse("dashboard:home")
    assert client.session["_auth_user_id"] == str(agent.pk)

    client.post(reverse("accounts:logout"))
    again = client.get(link)
    assert again.status_code == 400
    assert "Ce lien de connexion ne fonctionne plus" in again.content.decode()
    assert reverse("accounts:magic_link") in again.content.decode()
    replay = client.post(reverse("accounts:magic_link_login"), {"jeton": token})
    assert replay.status_code == 400
    assert "_auth_user_id" not in client.session


def test_an_expired_link_shows_the_clear_page(client, agent):
    with freeze_time("2026-03-02 09:00:00"):
        services.magic_link_request(email=agent.email)
        token = link_in(magic_links().get()).split("jeton=", 1)[1]
    with freeze_time("2026-03-02 09:16:00"):
        for response in [
            client.get(reverse("accounts:magic_link_login"), {"jeton": token}),
            client.post(reverse("accounts:magic_link_login"), {"jeton": token}),
        ]:
            assert response.status_code == 400
            assert "Ce lien de connexion ne fonctionne plus" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("query", ["", "?jeton=", "?jeton=n%27importe-quoi", "?jeton=" + "A" * 500])
def test_a_broken_link_shows_the_clear_page_not_an_error(client, query):
    response = client.get(reverse("accounts:magic_link_login") + query)
    assert response.status_code == 400
    assert "Ce lien de connexion ne fonctionne plus" in response.content.decode()


def test_a_new_link_does_not_spend_the_previous_one_but_logging_in_spends_both(client, agent):
    services.magic_link_request(email=agent.email)
    services.magic_link_request(email=agent.email)
    first, second = (link_in(e).split("jeton=")[1] for e in magic_links().order_by("pk"))
    login_url = reverse("accounts:magic_link_login")
    assert client.get(login_url, {"jeton": first}).status_code == 200
    assert client.post(login_url, {"jeton": second}).status_code == 302
    client.post(reverse("accounts:logout"))
    assert client.post(login_url, {"jeton": first}).status_code == 400


def test_magic_link_failures_do_not_lock_anyone_out(client, agent):
    for _ in range(8):
        client.get(reverse("accounts:magic_link_login"), {"jeton": "faux"})
    services.magic_link_request(email=agent.email)
    token = link_in(magic_links().get()).split("jeton=")[1]
    assert client.post(reverse("accounts:magic_link_login"), {"jeton": token}).status_code == 302


def test_a_locked_out_agent_can_still_come_in_by_magic_link(client, agent):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": agent.username, "password": "x"})
    services.magic_link_request(email=agent.email)
    token = link_in(magic_links().get()).split("jeton=")[1]
    assert client.post(reverse("accounts:magic_link_login"), {"jeton": token}).status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_the_link_is_absolute_and_made_from_site_url(agent, settings):
    settings.SITE_URL = "https://portail.lamballe-terre-mer.example"
    services.magic_link_request(email=agent.email)
    assert "https://portail.lamballe-terre-mer.example/accounts/lien/connexion/?jeton=" in (
        sent_text(magic_links().get())
    )


def test_an_agent_serving_no_commune_yet_still_gets_a_link(client):
    user = UserFactory(email="nouvel.agent@mairie.example.org")
    CommuneFactory()
    assert services.magic_link_request(email=user.email) == 1

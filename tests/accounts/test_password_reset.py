import pytest
from django.urls import reverse

from referent_portal.outbox.models import OutgoingEmail
from tests.accounts.conftest import PASSWORD, link_in, without_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KIND = "accounts.password_reset"
NEW_PASSWORD = "nouveau-mot-de-passe-2026"


def ask_reset(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email}, follow=True)


def reset_emails():
    return OutgoingEmail.objects.filter(kind=KIND)


def set_new_password(client, link, password=NEW_PASSWORD):
    # Django swaps the token for a session key and redirects to .../set-password/.
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Nouveau mot de passe" in form_page.content.decode()
    form_url = form_page.redirect_chain[-1][0]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_password_reset_goes_through_the_outbox_and_lets_the_user_choose_a_password(
    client, mailoutbox
):
    user = UserFactory(email="mairie@plurien.example.org")
    response = ask_reset(client, "Mairie@Plurien.example.org")
    assert response.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]
    assert "Consultez votre messagerie" in response.content.decode()
    assert mailoutbox == []  # nothing sent from the request: the outbox sends it later

    email = reset_emails().get()
    assert email.to == user.email
    assert email.subject.startswith("Choisir un nouveau mot de passe")
    assert user.username in email.body_text

    done = set_new_password(client, link_in(email))
    assert done.status_code == 302 and done.url == reverse("accounts:password_reset_complete")
    assert "Mot de passe enregistré" in client.get(done.url).content.decode()

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    login = client.post(
        reverse("accounts:login"), {"username": user.username, "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_the_reset_link_works_once(client):
    user = UserFactory()
    ask_reset(client, user.email)
    link = link_in(reset_emails().get())
    set_new_password(client, link)
    again = client.get(link, follow=True)
    assert "Ce lien ne fonctionne plus" in again.content.decode()
    assert reverse("accounts:password_reset") in again.content.decode()


def test_an_unknown_address_gets_no_e_mail_and_the_same_answer(client):
    user = UserFactory()
    known = ask_reset(client, user.email)
    unknown = ask_reset(client, "inconnu@example.org")
    assert unknown.redirect_chain == known.redirect_chain
    assert without_tokens(unknown) == without_tokens(known)
    assert reset_emails().count() == 1


def test_a_weak_new_password_is_refused_with_a_message(client):
    user = UserFactory()
    ask_reset(client, user.email)
    response = set_new_password(client, link_in(reset_emails().get()), password="12345678")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_new_password_lifts_the_lockout(client):
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "x"})
    locked = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert locked.status_code == 429

    ask_reset(client, user.email)
    set_new_password(client, link_in(reset_emails().get()))
    login = client.post(
        reverse("accounts:login"), {"username": user.username, "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_at_most_three_reset_e_mails_per_address_per_quarter_hour(client):
    user = UserFactory()
    for _ in range(5):
        ask_reset(client, user.email)
    assert reset_emails().count() == 3

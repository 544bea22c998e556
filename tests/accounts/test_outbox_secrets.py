"""A login or reset link is its recipient's alone: the outbox never holds a usable one.

The attack of issue #11: a syndicat-mixte officer asks a password reset for a superuser's
address (or a magic link for a referent's), reads the link in the outbox admin and is in.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from referent_portal.outbox.models import OutgoingEmail
from referent_portal.outbox.services import email_deliver, email_resend
from tests.factories import ReferentFactory, SyndicatFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "nouveau-mot-de-passe-2026"
RESET, MAGIC = "accounts.password_reset", "accounts.magic_link"
# A reset link (/accounts/mot-de-passe/nouveau/<uid>/<token>/) or a magic link (?jeton=…),
# absolute or not, as it may appear in a page (HTML-escaped or not).
SECRET_LINK = re.compile(
    r"(/accounts/mot-de-passe/nouveau/(?!termine/)[^\s\"'<>]+|/accounts/lien/connexion/\?jeton=[^\s\"'<>]+)"
)


def officer():
    user = SyndicatFactory(username="officier", email="officier@syndicat.example.org")
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="outbox",
            codename__in=["view_outgoingemail", "resend_outgoingemail"],
        )
    )
    return user


def superuser():
    return UserFactory(
        username="admin",
        email="admin@syndicat.example.org",
        is_staff=True,
        is_superuser=True,
    )


def ask_for_the_links(target_superuser, referent):
    anonymous = Client()
    anonymous.post(reverse("accounts:password_reset"), {"email": target_superuser.email})
    anonymous.post(reverse("accounts:magic_link"), {"email": referent.email})
    return OutgoingEmail.objects.get(kind=RESET), OutgoingEmail.objects.get(kind=MAGIC)


def outbox_pages(client):
    """Every admin page of the outbox a viewer can reach, with each message and attachment."""
    pages = [
        client.get(reverse("admin:outbox_outgoingemail_changelist")),
        client.get(reverse("admin:outbox_outgoingemail_changelist"), {"q": "jeton"}),
    ]
    for email in OutgoingEmail.objects.all():
        page = client.get(reverse("admin:outbox_outgoingemail_change", args=[email.pk]))
        pages.append(page)
        for attachment in email.attachments.all():
            pages.append(
                client.get(
                    reverse("admin:outbox_outgoingemail_attachment", args=[email.pk, attachment.pk])
                )
            )
        pages.append(client.get(reverse("admin:outbox_outgoingemail_history", args=[email.pk])))
    assert [page.status_code for page in pages if page.status_code not in (200, 404)] == []
    return "\n".join(page.content.decode().replace("&amp;", "&") for page in pages)


def secret_links_in(text):
    return {match.group(1) for match in SECRET_LINK.finditer(text)}


def try_the_links(links, target_superuser, referent):
    """Use each link as the attacker would: a new password through a reset link, a session
    through a magic link. Returns the links that let someone in."""
    worked = []
    for link in links:
        attacker = Client()
        if "jeton=" in link:
            page = attacker.get(link)
            token = page.context.get("token") if page.status_code == 200 else None
            if token and attacker.post(link.split("?")[0], {"jeton": token}).status_code == 302:
                worked.append(link)
            continue
        form = attacker.get(link, follow=True)
        if form.status_code == 200 and "new_password1" in form.content.decode():
            attacker.post(
                form.redirect_chain[-1][0],
                {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            )
            target_superuser.refresh_from_db()
            if target_superuser.check_password(NEW_PASSWORD):
                worked.append(link)
    return worked


@pytest.mark.parametrize("viewer", ["officer", "superuser"])
def test_no_outbox_page_shows_a_usable_reset_or_login_link(client, viewer):
    target, referent = superuser(), ReferentFactory(email="referent@epci.example.org")
    ask_for_the_links(target, referent)
    client.force_login(
        officer() if viewer == "officer" else UserFactory(is_staff=True, is_superuser=True)
    )

    shown = outbox_pages(client)

    assert secret_links_in(shown) == set()
    assert try_the_links(secret_links_in(shown), target, referent) == []
    # Nor in the rows themselves (what an export, the API or a backup would read).
    for row in OutgoingEmail.objects.values("body_text", "body_html", "subject"):
        assert secret_links_in(" ".join(row.values())) == set()
    if viewer == "superuser":
        assert "[lien personnel, créé à l&#x27;envoi pour le destinataire seul]" in shown


def received_link(message):
    (link,) = secret_links_in(message.text)
    assert link in message.html.replace("&amp;", "&")
    return link


def test_the_recipient_gets_a_working_reset_link_and_a_resend_makes_a_fresh_one(smtp_server):
    target, referent = superuser(), ReferentFactory(email="referent@epci.example.org")
    reset, _magic = ask_for_the_links(target, referent)

    email_deliver(email_id=reset.pk)
    (first,) = smtp_server.wait_for(1)
    old_link = received_link(first)

    copy = email_resend(email_id=reset.pk)
    email_deliver(email_id=copy.pk)
    second = smtp_server.wait_for(2)[1]
    new_link = received_link(second)
    assert second.rcpt_tos == (target.email,)

    assert try_the_links([new_link], target, referent) == [new_link]
    target.refresh_from_db()
    target.set_password("encore-un-autre-2026")  # whatever the owner chose meanwhile
    target.save()
    assert try_the_links([old_link], target, referent) == []


def test_the_recipient_gets_a_working_login_link_and_a_resend_makes_a_fresh_one(smtp_server):
    target, referent = superuser(), ReferentFactory(email="referent@epci.example.org")
    _reset, magic = ask_for_the_links(target, referent)

    email_deliver(email_id=magic.pk)
    old_link = received_link(smtp_server.wait_for(1)[0])
    copy = email_resend(email_id=magic.pk)
    email_deliver(email_id=copy.pk)
    new_link = received_link(smtp_server.wait_for(2)[1])

    assert try_the_links([new_link], target, referent) == [new_link]
    # One-time: once the referent is logged in, the older link is spent too.
    assert try_the_links([old_link], target, referent) == []


def test_a_reset_message_resent_after_the_address_changed_is_not_sent_with_a_link(smtp_server):
    target, referent = superuser(), ReferentFactory(email="referent@epci.example.org")
    reset, _magic = ask_for_the_links(target, referent)
    target.email = "nouvelle.adresse@syndicat.example.org"
    target.save()

    email_deliver(email_id=reset.pk)

    reset.refresh_from_db()
    assert reset.status == OutgoingEmail.Status.FAILED
    assert smtp_server.messages == []

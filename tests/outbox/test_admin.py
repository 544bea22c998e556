"""The syndicat mixte's admin view of the outbox: every message, its state and its resend."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from referent_portal.outbox.models import DeliveryAttempt, OutgoingEmail
from tests.factories import SyndicatFactory, UserFactory
from tests.outbox.utils import queue_example

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
CHANGELIST = reverse("admin:outbox_outgoingemail_changelist")


def officer(*codenames):
    user = SyndicatFactory()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="outbox", codename__in=codenames)
    )
    return user


@pytest.fixture
def syndicat_client(client):
    client.force_login(officer("view_outgoingemail", "resend_outgoingemail"))
    return client


def message(status=Status.QUEUED, **fields):
    email = queue_example(**{k: fields.pop(k) for k in ("to", "context") if k in fields})
    if status == Status.SENT:
        fields.setdefault("sent_at", timezone.now())
    OutgoingEmail.objects.filter(pk=email.pk).update(status=status, **fields)
    return OutgoingEmail.objects.get(pk=email.pk)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def text_of(response):
    """The page as read: addresses may carry <wbr> break hints in narrow columns."""
    return response.content.decode().replace("<wbr>", "")


def test_the_list_shows_every_message_with_its_state_attempts_and_error(syndicat_client):
    # Campaigns: a kind whose subject the syndicat mixte may read (STAFF_READABLE_KINDS).
    message(Status.SENT, to="sent@mairie.example.org", attempts=1, kind="campaigns.message")
    message(
        Status.FAILED,
        kind="campaigns.message",
        to="failed@mairie.example.org",
        attempts=1,
        last_error="SMTPRecipientsRefused: 550 5.1.1 unknown user " + "x" * 200,
    )
    response = syndicat_client.get(CHANGELIST)
    assert response.status_code == 200
    page = text_of(response)
    assert ">sent@mairie.example.org</a>" in page and ">failed@mairie.example.org</a>" in page
    assert "Envoyé" in page and "Échec définitif" in page
    assert "1 essai · SMTPRecipientsRefused: 550 5.1.1 unknown user" in page
    assert "x" * 200 not in page  # the error is cut short in the list
    assert "samedi 28 novembre 2026" in page  # the subject


def test_the_kinds_read_in_french_and_an_unknown_kind_shows_its_code(syndicat_client):
    message(kind="requests.syndicat_answer")
    message(kind="accounts.magic_link")
    message(kind="meetings.something_new")
    response = syndicat_client.get(CHANGELIST)
    page = text_of(response)
    filter_choices = {
        choice["display"]
        for spec in response.context["cl"].filter_specs
        if spec.title == "nature"
        for choice in spec.choices(response.context["cl"])
    }
    assert filter_choices == {
        "Tout",
        "Lien de connexion",
        "Réponse du syndicat (à l'agent)",
        "meetings.something_new",
    }
    assert ">requests.syndicat_answer<" not in page
    assert '<td class="field-kind_display">Réponse du syndicat (à l&#x27;agent)</td>' in page

    filtered = syndicat_client.get(CHANGELIST, {"kind": "requests.syndicat_answer"})
    assert [e.kind for e in filtered.context["cl"].result_list] == ["requests.syndicat_answer"]


def test_the_search_field_has_a_label_of_its_own(syndicat_client):
    page = syndicat_client.get(CHANGELIST).content.decode()
    label = re.search(r'<label for="searchbar">(.*?)</label>', page).group(1)
    assert '<span class="visually-hidden">Rechercher dans les courriels sortants</span>' in label


def test_the_list_filters_by_status_and_searches_recipients_and_message_ids(syndicat_client):
    failed = message(Status.FAILED, to="failed@mairie.example.org")
    message(Status.SENT, to="sent@mairie.example.org")

    response = syndicat_client.get(CHANGELIST, {"status__exact": "failed"})
    assert list(response.context["cl"].result_list) == [failed]

    response = syndicat_client.get(CHANGELIST, {"q": "failed@mairie"})
    assert list(response.context["cl"].result_list) == [failed]

    response = syndicat_client.get(CHANGELIST, {"q": f"<{failed.message_id}@portail.invalid>"})
    assert list(response.context["cl"].result_list) == [failed]


def test_the_detail_shows_body_attachments_and_attempt_log_read_only(syndicat_client):
    # A campaign: a kind whose content the syndicat mixte may read (STAFF_READABLE_KINDS).
    email = message(
        Status.RETRY,
        kind="campaigns.message",
        attempts=1,
        last_error="ConnectionRefusedError: refused",
    )
    DeliveryAttempt.objects.create(
        email=email,
        number=1,
        started_at=timezone.now(),
        duration_ms=12,
        outcome=DeliveryAttempt.Outcome.TEMPORARY,
        error="ConnectionRefusedError: refused",
    )
    url = reverse("admin:outbox_outgoingemail_change", args=[email.pk])
    response = syndicat_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rendez-vous le samedi 28 novembre 2026." in page
    assert "reunion.ics" in page
    assert "Échec temporaire" in page and "ConnectionRefusedError: refused" in page
    assert f"&lt;{email.message_id}@portail.invalid&gt;" in page
    assert 'name="_save"' not in page  # nothing to edit

    attachment = email.attachments.get()
    download = syndicat_client.get(
        reverse("admin:outbox_outgoingemail_attachment", args=[email.pk, attachment.pk])
    )
    assert download["Content-Type"] == "text/calendar"
    assert download["Content-Disposition"] == 'attachment; filename="reunion.ics"'
    assert download.content.startswith(b"BEGIN:VCALENDAR")


def test_resend_copies_a_sent_message_and_requeues_a_failed_one(
    syndicat_client, django_capture_on_commit_callbacks
):
    sent = message(Status.SENT, to="sent@mairie.example.org", attempts=1)
    failed = message(Status.FAILED, to="failed@mairie.example.org", attempts=10)
    queued = message(Status.QUEUED, to="queued@mairie.example.org")

    with django_capture_on_commit_callbacks() as enqueues:
        response = syndicat_client.post(
            CHANGELIST,
            {"action": "resend", "_selected_action": [sent.pk, failed.pk, queued.pk]},
            follow=True,
        )
    assert messages_of(response) == [
        "2 courriels renvoyés.",
        "1 courriel est déjà en attente ou en cours d'envoi : il n'a pas été renvoyé.",
    ]
    copy = OutgoingEmail.objects.get(resent_from=sent)
    assert copy.status == Status.QUEUED and copy.to == "sent@mairie.example.org"
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.QUEUED, 0)
    assert OutgoingEmail.objects.get(pk=sent.pk).status == Status.SENT
    assert len(enqueues) == 2  # the copy and the failed one, after commit


def test_requeue_now_takes_failed_and_waiting_messages_only(syndicat_client):
    failed = message(Status.FAILED, attempts=10)
    waiting = message(Status.RETRY, attempts=6, next_attempt_at=timezone.now())
    sent = message(Status.SENT)
    response = syndicat_client.post(
        CHANGELIST,
        {"action": "requeue_now", "_selected_action": [failed.pk, waiting.pk, sent.pk]},
        follow=True,
    )
    assert messages_of(response) == [
        "2 courriels remis dans la file d'envoi.",
        "1 courriel n'était ni en échec ni en attente de nouvel essai : il a été laissé tel quel.",
    ]
    assert set(
        OutgoingEmail.objects.filter(pk__in=[failed.pk, waiting.pk]).values_list(
            "status", "next_attempt_at"
        )
    ) == {(Status.QUEUED, None)}
    assert OutgoingEmail.objects.get(pk=sent.pk).status == Status.SENT


def test_an_officer_who_may_only_view_gets_no_resend_action(client):
    client.force_login(officer("view_outgoingemail"))
    failed = message(Status.FAILED)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "requeue_now" not in response.content.decode()
    client.post(CHANGELIST, {"action": "requeue_now", "_selected_action": [failed.pk]})
    assert OutgoingEmail.objects.get(pk=failed.pk).status == Status.FAILED


def test_nobody_adds_or_edits_and_only_a_superuser_deletes(syndicat_client, client):
    email = message(Status.SENT)
    assert syndicat_client.get(reverse("admin:outbox_outgoingemail_add")).status_code == 403
    delete_url = reverse("admin:outbox_outgoingemail_delete", args=[email.pk])
    assert syndicat_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert OutgoingEmail.objects.filter(pk=email.pk).exists()

    superuser = SyndicatFactory(is_superuser=True)
    client.force_login(superuser)
    assert client.get(reverse("admin:outbox_outgoingemail_add")).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not OutgoingEmail.objects.filter(pk=email.pk).exists()


def test_a_user_who_is_not_staff_cannot_reach_the_outbox(client):
    email = message(Status.SENT)
    agent = UserFactory()
    agent.user_permissions.set(Permission.objects.filter(content_type__app_label="outbox"))
    client.force_login(agent)
    for url in (
        CHANGELIST,
        reverse("admin:outbox_outgoingemail_change", args=[email.pk]),
        reverse(
            "admin:outbox_outgoingemail_attachment", args=[email.pk, email.attachments.get().pk]
        ),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_outbox_permissions_is_refused(client):
    client.force_login(SyndicatFactory())
    assert client.get(CHANGELIST).status_code == 403


@pytest.mark.parametrize(
    "kind", ["accounts.password_reset", "meetings.invitation", "tests.example"]
)
def test_staff_read_the_content_only_of_the_kinds_relayed_to_them(syndicat_client, kind):
    email = message(Status.SENT, kind=kind)
    attachment = email.attachments.get()

    page = syndicat_client.get(reverse("admin:outbox_outgoingemail_change", args=[email.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Contenu réservé au destinataire." in text
    assert "Rendez-vous le samedi 28 novembre 2026." not in text
    assert "reunion.ics" not in text
    download = syndicat_client.get(
        reverse("admin:outbox_outgoingemail_attachment", args=[email.pk, attachment.pk])
    )
    assert download.status_code == 404


def test_a_superuser_reads_the_content_of_every_kind(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    email = message(Status.SENT, kind="meetings.invitation")
    page = client.get(reverse("admin:outbox_outgoingemail_change", args=[email.pk]))
    assert "Rendez-vous le samedi 28 novembre 2026." in page.content.decode()
    assert "Contenu réservé au destinataire." not in page.content.decode()


def test_staff_read_the_subject_only_of_the_kinds_relayed_to_them(syndicat_client):
    """A referent's notice of a request never relayed names the request and its commune: the
    syndicat mixte sees that such a message went out, not what it was about."""
    private = message(
        Status.SENT,
        kind="requests.new_for_referent",
        subject="[DEM-2026-00042] Nouvelle demande de Plénée-Jugon",
    )
    readable = message(Status.SENT, kind="campaigns.message", subject="Campagne parapheur")

    listing = text_of(syndicat_client.get(CHANGELIST))
    assert "Campagne parapheur" in listing
    assert "Plénée-Jugon" not in listing and "DEM-2026-00042" not in listing
    found = syndicat_client.get(CHANGELIST, {"q": "Plénée"})
    assert list(found.context["cl"].result_list) == []
    found = syndicat_client.get(CHANGELIST, {"q": "parapheur"})
    assert list(found.context["cl"].result_list) == [readable]
    page = text_of(
        syndicat_client.get(reverse("admin:outbox_outgoingemail_change", args=[private.pk]))
    )
    assert "Plénée-Jugon" not in page and "DEM-2026-00042" not in page


def test_a_superuser_reads_and_searches_every_subject(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    private = message(
        Status.SENT,
        kind="requests.new_for_referent",
        subject="[DEM-2026-00042] Nouvelle demande de Plénée-Jugon",
    )
    assert "Plénée-Jugon" in text_of(client.get(CHANGELIST))
    found = client.get(CHANGELIST, {"q": "Plénée"})
    assert list(found.context["cl"].result_list) == [private]

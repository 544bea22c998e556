"""The syndicat mixte's admin pages for dossiers: what the communes sent, and the answer."""

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from requests_relay.models import Dossier, Message, Relay, Status
from requests_relay.services import dossier_create, dossier_relay, request_message_add
from tests.factories import (
    CommuneFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    agent_of,
    request_of,
)
from tests.uploads import samples

pytestmark = pytest.mark.django_db
PNG = samples.png()

CHANGELIST = reverse("admin:requests_relay_dossier_changelist")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def officer(**fields):
    user = SyndicatFactory(**fields)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="requests_relay"))
    return user


@pytest.fixture
def officer_client(client):
    client.force_login(officer(username="erwan.guillou", first_name="Erwan", last_name="Guillou"))
    return client


@pytest.fixture
def relayed():
    """Two communes' requests relayed as one dossier, with a thread and an internal note."""
    epci = EpciFactory(name="CA Lamballe Terre et Mer")
    referent = ReferentFactory(
        epci=epci,
        username="cl.legoff",
        first_name="Claire",
        last_name="Le Goff",
        email="claire.legoff@epci.example.org",
    )
    henon = CommuneFactory(epci=epci, name="Hénon")
    brehand = CommuneFactory(epci=epci, name="Bréhand")
    anne = agent_of(
        henon, username="a.rault", first_name="Anne", last_name="Rault", email="anne@henon.fr"
    )
    marc = agent_of(
        brehand, username="m.hamon", first_name="Marc", last_name="Hamon", email="marc@brehand.fr"
    )
    first = request_of(
        anne,
        subject="Second signataire du parapheur",
        description="Le circuit refuse un second signataire.",
        urgency="blocking",
        files=[SimpleUploadedFile("capture-circuit.png", PNG, "image/png")],
    )
    second = request_of(
        marc,
        subject="Parapheur : délégation de signature",
        description="Le maire part en congés, l'adjoint doit signer.",
    )
    request_message_add(
        request=first, author=anne, body="Le message d'erreur apparaît dès la validation."
    )
    request_message_add(
        request=first,
        author=referent,
        body="Note pour nous : la commune n'a pas payé sa cotisation.",
        internal=True,
        files=[
            SimpleUploadedFile("cotisation-impayee.pdf", b"%PDF-1.4 interne", "application/pdf")
        ],
    )
    dossier = dossier_create(
        requests=[first, second],
        by=referent,
        title="Parapheur : circuits de signature",
        summary="Deux communes bloquées sur les circuits.",
    )
    dossier = dossier_relay(dossier=dossier, by=referent)
    return {"dossier": dossier, "first": first, "second": second, "referent": referent}


def page_of(response):
    return html.unescape(response.content.decode())


def change_url(dossier):
    return reverse("admin:requests_relay_dossier_change", args=[dossier.pk])


def answer_url(dossier):
    return reverse("admin:requests_relay_dossier_answer", args=[dossier.pk])


def download_url(attachment):
    return reverse(
        "admin:requests_relay_attachment_download", args=[attachment.request_id, attachment.pk]
    )


def test_the_officer_reads_what_the_communes_sent_but_never_the_internal_notes(
    officer_client, relayed
):
    page = page_of(officer_client.get(change_url(relayed["dossier"])))

    for text in [
        "Hénon",
        "Bréhand",
        "Anne Rault",
        "anne@henon.fr",
        "Marc Hamon",
        "marc@brehand.fr",
        "Second signataire du parapheur",
        "Le circuit refuse un second signataire.",
        "Bloquante (service interrompu)",
        "Parapheur : délégation de signature",
        "Le message d'erreur apparaît dès la validation.",
    ]:
        assert text in page, text
    attachment = relayed["first"].attachments.get(message__isnull=True)
    assert f'href="{download_url(attachment)}"' in page
    assert "capture-circuit.png" in page

    # The EPCI's internal note and its file stay with the EPCI.
    assert "cotisation" not in page

    # People by their name and address, not their login.
    assert "Claire Le Goff" in page and "claire.legoff@epci.example.org" in page
    assert "cl.legoff" not in page and "a.rault" not in page


def test_the_dossier_and_request_pages_are_read_only_with_the_answer_link(officer_client, relayed):
    page = page_of(officer_client.get(change_url(relayed["dossier"])))
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert f'href="{answer_url(relayed["dossier"])}"' in page

    request_page = page_of(
        officer_client.get(
            reverse("admin:requests_relay_request_change", args=[relayed["first"].pk])
        )
    )
    assert 'name="_save"' not in request_page and 'name="_continue"' not in request_page
    assert "Anne Rault" in request_page and "capture-circuit.png" in request_page
    assert "cotisation" not in request_page


def test_a_dossier_relayed_by_email_only_says_so_instead_of_an_empty_relay_table(
    officer_client, relayed
):
    dossier = relayed["dossier"]
    page = page_of(officer_client.get(change_url(dossier)))
    assert "transmis par courriel uniquement" in page

    Relay.objects.create(
        dossier=dossier,
        event="dossier.relayed",
        webhook_id="msg_admin_test",
        endpoint="https://syndicat.example.org/hook",
        payload={},
        state=Relay.State.FAILED,
        last_error="HTTP 410",
    )
    page = page_of(officer_client.get(change_url(dossier)))
    assert "transmis par courriel uniquement" not in page
    assert "msg_admin_test" in page and "HTTP 410" in page


def test_the_officer_downloads_an_attachment_but_not_one_of_an_internal_note(
    officer_client, relayed
):
    attachment = relayed["first"].attachments.get(message__isnull=True)
    response = officer_client.get(download_url(attachment))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="capture-circuit.png"'
    assert b"".join(response.streaming_content) == PNG

    internal = relayed["first"].attachments.get(message__internal=True)
    assert officer_client.get(download_url(internal)).status_code == 404


def test_a_user_who_is_not_staff_cannot_download_an_attachment(client, relayed):
    attachment = relayed["first"].attachments.get(message__isnull=True)
    referent = relayed["referent"]
    referent.user_permissions.set(
        Permission.objects.filter(content_type__app_label="requests_relay")
    )
    client.force_login(referent)
    response = client.get(download_url(attachment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    client.force_login(SyndicatFactory())  # staff, without the requests permissions
    assert client.get(download_url(attachment)).status_code == 403


def test_the_dossier_list_counts_and_filters_the_dossiers_waiting_for_the_syndicat(
    officer_client, relayed
):
    answered = dossier_create(
        requests=[request_of(agent_of(CommuneFactory(epci=relayed["dossier"].epci)))],
        by=relayed["referent"],
        title="Déjà répondu",
        summary="—",
    )
    dossier_relay(dossier=answered, by=relayed["referent"])
    Dossier.objects.filter(pk=answered.pk).update(status=Status.RESOLVED)

    response = officer_client.get(CHANGELIST)
    page = page_of(response)
    assert "1 dossier à traiter" in page
    assert "À traiter (1)" in page
    assert response.context["cl"].result_count == 2

    waiting = officer_client.get(CHANGELIST, {"a_traiter": "oui"})
    assert list(waiting.context["cl"].result_list) == [relayed["dossier"]]


def test_the_answer_form_starts_empty_and_an_untouched_submit_only_shows_the_error(
    officer_client, relayed
):
    dossier = relayed["dossier"]
    page = page_of(officer_client.get(answer_url(dossier)))
    assert '<option value="" selected>— Choisissez —</option>' in page
    # The dossier's requests and communes, above the form.
    assert "Second signataire du parapheur" in page and "Bréhand" in page
    # The admin's breadcrumbs, with the app.
    app_url = reverse("admin:app_list", args=["requests_relay"])
    assert f'<a href="{app_url}">Demandes des communes</a>' in page

    response = officer_client.post(answer_url(dossier), {"action": "", "message": ""})
    assert response.status_code == 200
    page = page_of(response)
    assert "Choisissez la réponse à donner au dossier." in page
    # The error sits in the field's row and the field points at it.
    assert re.search(r'<ul class="errorlist" id="id_action_error">', page)
    assert re.search(r'<select name="action"[^>]*aria-describedby="id_action_error"', page)
    dossier.refresh_from_db()
    assert dossier.status == Status.RELAYED
    assert not Message.objects.filter(author__username="erwan.guillou").exists()


def test_an_answer_without_a_message_is_refused_on_the_message_field(officer_client, relayed):
    response = officer_client.post(
        answer_url(relayed["dossier"]), {"action": "answer", "message": "  "}
    )
    page = page_of(response)
    assert '<ul class="errorlist" id="id_message_error">' in page
    assert "Une réponse ou un refus s'accompagne d'un message." in page
    assert Dossier.objects.get().status == Status.RELAYED


def test_the_answer_updates_every_request_and_says_what_was_done(officer_client, relayed):
    dossier = relayed["dossier"]
    response = officer_client.post(
        answer_url(dossier),
        {"action": "answer", "message": "Une session aura lieu à Lamballe le 12 mai."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == change_url(dossier)
    assert [str(m) for m in response.context["messages"]] == [
        f"Dossier {dossier.reference} : réponse enregistrée et envoyée à 2 communes."
    ]
    for request in dossier.requests.all():
        assert request.status == Status.ANSWERED
        assert request.messages.filter(
            body="Une session aura lieu à Lamballe le 12 mai.", internal=False
        ).exists()
    # The officer's answer is in the threads shown on the page, signed with their name.
    page = page_of(response)
    assert page.count("Une session aura lieu à Lamballe le 12 mai.") >= 2
    assert "Erwan Guillou" in page


def test_an_officer_without_the_change_permission_cannot_answer(client, relayed):
    viewer = SyndicatFactory()
    viewer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="requests_relay", codename__startswith="view_"
        )
    )
    client.force_login(viewer)
    dossier = relayed["dossier"]
    assert answer_url(dossier) not in page_of(client.get(change_url(dossier)))
    response = client.post(answer_url(dossier), {"action": "resolve"})
    assert response.status_code == 403
    assert Dossier.objects.get().status == Status.RELAYED


def test_the_relay_log_is_read_only_and_a_failed_relay_can_still_be_retried(
    officer_client, relayed
):
    relay = Relay.objects.create(
        dossier=relayed["dossier"],
        event="dossier.relayed",
        webhook_id="msg_admin_retry",
        endpoint="https://syndicat.example.org/hook",
        payload={},
        state=Relay.State.FAILED,
        last_error="HTTP 410",
    )
    page = page_of(
        officer_client.get(reverse("admin:requests_relay_relay_change", args=[relay.pk]))
    )
    assert "HTTP 410" in page and 'name="_save"' not in page

    response = officer_client.post(
        reverse("admin:requests_relay_relay_changelist"),
        {"action": "retry", "_selected_action": [relay.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["1 relais relancé."]
    relay.refresh_from_db()
    assert relay.state != Relay.State.FAILED

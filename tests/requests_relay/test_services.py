"""Business rules of requests, dossiers and answers, called through the services."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from freezegun import freeze_time

from communes.models import Service
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Dossier, Message, Relay, Request, Status
from requests_relay.selectors import messages_visible_to, requests_visible_to
from requests_relay.services import (
    dossier_apply_answer,
    dossier_create,
    dossier_relay,
    inbound_call_apply,
    request_ask_information,
    request_message_add,
    request_relay,
    request_resolve_locally,
    request_submit,
    signed_headers,
)
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of, request_of
from tests.requests_relay.receiver import SECRET
from trainings.models import TrainingModule

pytestmark = pytest.mark.django_db


@pytest.fixture
def epci():
    return EpciFactory(name="CA Lamballe Terre et Mer")


@pytest.fixture
def referent(epci):
    return ReferentFactory(epci=epci, email="referent@lamballe.example.org")


@pytest.fixture
def commune_a(epci):
    return CommuneFactory(epci=epci, name="Hénon")


@pytest.fixture
def commune_b(epci):
    return CommuneFactory(epci=epci, name="Plédéliac")


@pytest.fixture
def agent_a(commune_a):
    return agent_of(commune_a)


@pytest.fixture
def agent_b(commune_b):
    return agent_of(commune_b)


def emails_to(address):
    return list(OutgoingEmail.objects.filter(to=address).order_by("pk"))


# --- submitting ---------------------------------------------------------------------------


def test_a_submitted_request_gets_a_yearly_reference_and_an_acknowledgement(agent_a, referent):
    with freeze_time("2026-03-02 10:00"):
        first = request_of(agent_a)
        second = request_of(agent_a, subject="Deuxième demande")
    assert first.reference == "DEM-2026-00001"
    assert second.reference == "DEM-2026-00002"
    assert first.status == Status.NEW
    [ack, _ack2] = emails_to(agent_a.email)
    assert "DEM-2026-00001" in ack.subject
    assert "bien été reçue" in ack.subject
    assert len(emails_to(referent.email)) == 2  # the referent hears of each new request


def test_references_start_again_each_year(agent_a):
    with freeze_time("2026-12-31 12:00"):
        assert request_of(agent_a).reference == "DEM-2026-00001"
    with freeze_time("2027-01-02 12:00"):
        assert request_of(agent_a).reference == "DEM-2027-00001"


def test_the_acknowledgement_is_written_in_the_agents_language(agent_a):
    agent_a.language = "en"
    agent_a.save()
    request_of(agent_a)
    [ack] = emails_to(agent_a.email)
    assert ack.language == "en"


def test_an_agent_cannot_submit_for_a_commune_they_do_not_serve(agent_a, commune_b):
    with pytest.raises(ValidationError):
        request_of(agent_a, commune=commune_b)
    assert not Request.objects.exists()


def test_a_training_request_names_its_module_and_a_membership_request_its_service(agent_a):
    with pytest.raises(ValidationError) as error:
        request_of(agent_a, category="training")
    assert "module" in str(error.value)
    with pytest.raises(ValidationError):
        request_of(agent_a, category="membership")
    module = TrainingModule.objects.get(code="m2-actes")
    assert request_of(agent_a, category="training", training_module=module).training_module
    archiving = Service.objects.get(code="archivage")
    assert request_of(agent_a, category="membership", service=archiving).service == archiving


def test_a_bad_attachment_is_refused_and_nothing_is_saved(agent_a):
    bad = SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as error:
        request_of(agent_a, files=[bad])
    assert "virus.exe" in str(error.value)
    assert not Request.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_an_attachment_too_large_is_refused(agent_a, settings):
    settings.REQUEST_ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("scan.pdf", b"%PDF" + b"0" * 2000, content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        request_of(agent_a, files=[big])
    assert "taille maximale" in str(error.value)
    assert not Request.objects.exists()


def test_attachments_are_stored_with_the_request(agent_a, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("capture.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    request = request_of(agent_a, files=[pdf])
    [attachment] = request.attachments.all()
    assert attachment.filename == "capture.pdf"
    assert attachment.size == len(b"%PDF-1.4 test")
    with attachment.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4 test"


# --- the thread ---------------------------------------------------------------------------


def test_internal_notes_never_reach_the_commune(agent_a, referent):
    request = request_of(agent_a)
    request_message_add(request=request, author=referent, body="Déjà vu chez Hénon", internal=True)
    request_message_add(request=request, author=referent, body="Pouvez-vous préciser ?")
    visible_to_agent = [m.body for m in messages_visible_to(agent_a, request)]
    assert visible_to_agent == ["Pouvez-vous préciser ?"]
    assert len(messages_visible_to(referent, request)) == 2
    # and no e-mail went to the commune about the note
    bodies = " ".join(e.body_text for e in emails_to(agent_a.email))
    assert "Déjà vu" not in bodies
    with pytest.raises(ValidationError):
        request_message_add(request=request, author=agent_a, body="note", internal=True)


def test_the_communes_answer_puts_a_waiting_request_back_in_progress(agent_a, referent):
    request = request_of(agent_a)
    request_ask_information(request=request, by=referent, body="Quel navigateur utilisez-vous ?")
    request.refresh_from_db()
    assert request.status == Status.WAITING_COMMUNE
    assert "informations complémentaires" in emails_to(agent_a.email)[-1].subject
    request_message_add(request=request, author=agent_a, body="Firefox 140")
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_first_level_support_closes_the_request_locally(agent_a, referent):
    request = request_of(agent_a)
    request_resolve_locally(request=request, by=referent, body="Menu Circuits > Ajouter.")
    request.refresh_from_db()
    assert request.status == Status.RESOLVED
    assert not Relay.objects.exists()
    assert "Menu Circuits" in emails_to(agent_a.email)[-1].body_text
    with pytest.raises(ValidationError):
        request_message_add(request=request, author=agent_a, body="merci")


# --- consolidation and relay --------------------------------------------------------------


def test_two_communes_requests_become_one_dossier_and_follow_its_status(
    agent_a, agent_b, referent, settings
):
    settings.SYNDICAT_WEBHOOK_URL = ""
    archiving = Service.objects.get(code="archivage")
    first = request_of(agent_a, category="membership", service=archiving)
    second = request_of(agent_b, category="membership", service=archiving)
    dossier = dossier_create(
        requests=[first, second],
        by=referent,
        title="Adhésion groupée à l'archivage",
        summary="Deux communes veulent adhérer ensemble.",
    )
    assert dossier.reference.startswith("DOS-")
    assert dossier.service == archiving
    dossier_relay(dossier=dossier, by=referent)
    for request in (first, second):
        request.refresh_from_db()
        assert request.status == Status.RELAYED
        assert request.dossier == dossier
    [to_syndicat] = emails_to(settings.SYNDICAT_EMAIL)
    assert dossier.reference in to_syndicat.subject
    assert first.reference in to_syndicat.body_text and second.reference in to_syndicat.body_text
    assert not Relay.objects.exists()  # no webhook configured: e-mail only
    with pytest.raises(ValidationError):
        dossier_relay(dossier=dossier, by=referent)


def test_relaying_with_a_webhook_writes_one_relay_row_with_the_full_dossier(
    agent_a, referent, receiver
):
    dossier = request_relay(
        request=request_of(agent_a), by=referent, summary="Bloquant pour la commune."
    )
    [relay] = Relay.objects.all()
    assert relay.dossier == dossier
    assert relay.state == Relay.State.QUEUED
    assert relay.webhook_id.startswith("msg_")
    assert relay.payload["dossier"]["reference"] == dossier.reference
    assert relay.payload["dossier"]["requests"][0]["commune"]["name"] == "Hénon"


def test_requests_of_different_natures_or_epcis_are_not_consolidated(agent_a, agent_b, referent):
    setup = request_of(agent_a)
    usage = request_of(agent_b, category="usage")
    with pytest.raises(ValidationError):
        dossier_create(requests=[setup, usage], by=referent, title="x", summary="y")
    elsewhere = agent_of(CommuneFactory())
    foreign = request_of(elsewhere)
    with pytest.raises(ValidationError):
        dossier_create(requests=[setup, foreign], by=referent, title="x", summary="y")
    assert not Dossier.objects.exists()


def test_the_syndicats_answer_updates_every_request_and_tells_each_commune(
    agent_a, agent_b, referent
):
    requests = [request_of(agent_a), request_of(agent_b)]
    dossier = dossier_create(requests=requests, by=referent, title="Parapheur", summary="s")
    dossier_relay(dossier=dossier, by=referent)
    dossier_apply_answer(dossier=dossier, action="answer", message="Nouvelle version en mai.")
    for request, agent in zip(requests, (agent_a, agent_b), strict=True):
        request.refresh_from_db()
        assert request.status == Status.ANSWERED
        assert "Nouvelle version en mai." in [m.body for m in messages_visible_to(agent, request)]
        assert "Nouvelle version en mai." in emails_to(agent.email)[-1].body_text
    with pytest.raises(ValidationError):
        dossier_apply_answer(dossier=dossier, action="refuse", message="")


# --- signed answers from the syndicat mixte -----------------------------------------------


def _signed_call(payload, *, webhook_id="msg_answer_1", when=None, secret=SECRET):
    body = json.dumps(payload)
    headers = signed_headers(
        webhook_id=webhook_id, body=body, secret=secret, when=when or timezone.now()
    )
    return body.encode(), headers


@pytest.fixture
def relayed(agent_a, referent, settings):
    settings.SYNDICAT_INBOUND_SECRET = SECRET
    return request_relay(request=request_of(agent_a), by=referent, summary="s")


def test_a_signed_answer_is_applied_once_even_when_replayed(relayed):
    body, headers = _signed_call(
        {"dossier": relayed.reference, "action": "resolve", "message": "Corrigé."}
    )
    assert inbound_call_apply(body=body, headers=headers)[0] == 200
    assert inbound_call_apply(body=body, headers=headers) == (
        200,
        {"status": "duplicate", "webhook_id": "msg_answer_1"},
    )
    relayed.refresh_from_db()
    assert relayed.status == Status.RESOLVED
    assert Message.objects.filter(body="Corrigé.").count() == 1


def test_tampered_stale_or_unsigned_calls_are_refused(relayed):
    body, headers = _signed_call({"dossier": relayed.reference, "action": "resolve"})
    tampered = body.replace(b"resolve", b"refuse_")
    assert inbound_call_apply(body=tampered, headers=headers)[0] == 401
    stale_body, stale_headers = _signed_call(
        {"dossier": relayed.reference, "action": "resolve"},
        webhook_id="msg_old",
        when=timezone.now() - timedelta(minutes=10),
    )
    assert inbound_call_apply(body=stale_body, headers=stale_headers)[0] == 401
    forged = _signed_call(
        {"dossier": relayed.reference, "action": "resolve"},
        webhook_id="msg_forged",
        secret="whsec_" + "Zm9yZ2VkLXNlY3JldA==",
    )
    assert inbound_call_apply(body=forged[0], headers=forged[1])[0] == 401
    unsigned = {"webhook-id": "msg_x", "webhook-timestamp": "1", "webhook-signature": "garbage"}
    assert inbound_call_apply(body=body, headers=unsigned)[0] == 401
    relayed.refresh_from_db()
    assert relayed.status == Status.RELAYED


def test_an_answer_for_an_unknown_dossier_is_a_404_and_can_be_sent_again(relayed):
    body, headers = _signed_call({"dossier": "DOS-1999-0001", "action": "resolve"})
    assert inbound_call_apply(body=body, headers=headers)[0] == 404


# --- scoping ------------------------------------------------------------------------------


def test_an_agent_sees_the_requests_of_their_commune_only(agent_a, agent_b, referent):
    mine = request_of(agent_a)
    theirs = request_of(agent_b)
    assert list(requests_visible_to(agent_a)) == [mine]
    assert theirs not in requests_visible_to(agent_a)
    assert set(requests_visible_to(referent)) == {mine, theirs}
    other_referent = ReferentFactory()
    assert not requests_visible_to(other_referent).exists()


def test_a_request_waiting_for_the_communes_answer_is_not_consolidated(agent_a, referent):
    request = request_of(agent_a)
    request_ask_information(request=request, by=referent, body="Quel circuit ?")
    with pytest.raises(ValidationError) as error:
        dossier_create(requests=[request], by=referent, title="t", summary="s")
    assert "attend une réponse de la commune" in str(error.value)
    request.refresh_from_db()
    assert request.status == Status.WAITING_COMMUNE
    assert request.dossier is None


def test_the_referent_hears_of_the_syndicats_answer_and_the_commune_knows_who_wrote(
    agent_a, referent, settings
):
    dossier = request_relay(request=request_of(agent_a), by=referent, summary="s")
    dossier_apply_answer(dossier=dossier, action="refuse", message="Hors périmètre.")
    to_referent = emails_to(referent.email)[-1]
    assert dossier.reference in to_referent.subject
    assert "refusé le dossier" in to_referent.body_text
    assert "Hors périmètre." in to_referent.body_text
    to_commune = emails_to(agent_a.email)[-1]
    assert f"Message de {settings.SYNDICAT_NAME}" in to_commune.body_text
    assert "par l'intermédiaire du référent" in to_commune.body_text


def test_a_new_message_is_the_requests_latest_activity(agent_a, referent):
    request = request_of(agent_a)
    with freeze_time(timezone.now() + timedelta(hours=2)):
        request_message_add(request=request, author=referent, body="Je regarde.")
        request.refresh_from_db()
        assert request.updated_at == timezone.now()


def test_files_of_internal_notes_are_not_sent_to_the_syndicat(agent_a, referent, receiver):
    pdf = SimpleUploadedFile("demande.pdf", b"%PDF-1.4 a", content_type="application/pdf")
    request = request_of(agent_a, files=[pdf])
    note = SimpleUploadedFile("notes-epci.pdf", b"%PDF-1.4 b", content_type="application/pdf")
    request_message_add(request=request, author=referent, body="n", internal=True, files=[note])
    request_relay(request=request, by=referent, summary="s")
    [sent] = Relay.objects.get().payload["dossier"]["requests"]
    assert sent["attachments"] == ["demande.pdf"]


def test_the_syndicat_sees_neither_internal_notes_nor_unrelayed_requests(agent_a, referent, client):
    from tests.factories import SyndicatFactory

    request = request_of(agent_a)
    request_message_add(request=request, author=referent, body="Entre nous", internal=True)
    officer = SyndicatFactory(is_superuser=False)
    assert [m.body for m in messages_visible_to(officer, request)] == []
    admin_user = SyndicatFactory(username="chef", is_superuser=True)
    client.force_login(admin_user)
    listing = client.get("/admin/requests_relay/request/").content.decode()
    assert request.reference not in listing  # not relayed: not the syndicat's business
    request_relay(request=request, by=referent, summary="s")
    listing = client.get("/admin/requests_relay/request/").content.decode()
    assert request.reference in listing


def test_a_referent_filing_for_a_commune_is_not_e_mailed_about_each_request(
    commune_a, referent, settings
):
    request = request_submit(
        user=referent,
        commune=commune_a,
        category="usage",
        subject="Pour la commune",
        description="Déposée par le référent.",
    )
    dossier = request_relay(request=request, by=referent, summary="s")
    dossier_apply_answer(dossier=dossier, action="resolve")
    kinds = list(OutgoingEmail.objects.filter(to=referent.email).values_list("kind", flat=True))
    assert kinds == ["requests.dossier_resolve"]  # the dossier's news, once


def test_a_request_or_a_reply_counts_as_activity_for_the_retention_of_the_contact(
    agent_a, referent
):
    contact = agent_a.contact
    assert contact.last_activity_at is None
    with freeze_time("2026-05-04 09:00"):
        request = request_of(agent_a)
    contact.refresh_from_db()
    assert contact.last_activity_at.isoformat().startswith("2026-05-04T09:00")
    with freeze_time("2026-06-01 09:00"):
        request_message_add(request=request, author=referent, body="Une question.")
    contact.refresh_from_db()
    assert contact.last_activity_at.month == 5  # the referent writing is not the commune's
    with freeze_time("2026-06-02 09:00"):
        request_message_add(request=request, author=agent_a, body="Une réponse.")
    contact.refresh_from_db()
    assert contact.last_activity_at.month == 6

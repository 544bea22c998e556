"""RGPD: everything about a contact exported as JSON; anonymisation keeps the history and removes
the personal data; the purge of contacts inactive past the retention period; last activity."""

import json
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from communes.contacts.services import (
    contact_anonymise,
    contact_export_json,
    contact_touch,
)
from communes.models import (
    Adoption,
    AdoptionEvent,
    Commitment,
    Contact,
    Drive,
    Membership,
    Network,
    Service,
    Suggestion,
    TimelineEntry,
)
from communes.timeline.services import timeline_record
from referent_portal.accounts.models import User
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Message, Request
from requests_relay.services import request_message_add
from tests.factories import ContactFactory, EpciFactory, ReferentFactory, agent_of, request_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
EMAIL = "anne.rault@henon.example"
PASSWORD = "motdepasse-solide-42"


@pytest.fixture
def agent(henon):
    """Anne Rault, secrétaire de mairie of Hénon, with an account and a history."""
    return agent_of(henon, username=EMAIL, first_name="Anne", last_name="Rault", email=EMAIL)


@pytest.fixture
def history(agent, henon, referent):
    """What Anne did and received in the portal, in every table that keeps it."""
    contact = agent.contact
    contact.phone = "02 96 34 00 01"
    contact.save()
    service = Service.objects.get(code="parapheur")
    network = Network.objects.create(
        epci=henon.epci, name="Secrétaires de mairie", coordinator=contact
    )
    Membership.objects.create(network=network, contact=contact)
    drive = Drive.objects.create(
        epci=henon.epci,
        service=service,
        title="Parapheur pour tous",
        message="Rejoignez la démarche.",
        deadline=date(2026, 6, 30),
        created_by=referent,
    )
    Commitment.objects.create(
        drive=drive,
        commune=henon,
        status=Commitment.Status.INTERESTED,
        comment="Vu avec le maire. Anne Rault, 02 96 34 00 01",
        changed_by=agent,
    )
    adoption = Adoption.objects.create(commune=henon, service=service)
    AdoptionEvent.objects.create(
        adoption=adoption,
        from_status="not_adopted",
        to_status="interested",
        changed_by=agent,
        reason=f"Demande de {EMAIL}",
    )
    Suggestion.objects.create(
        commune=henon,
        service=service,
        title="Essayer le parapheur",
        body="…",
        status=Suggestion.Status.ACCEPTED,
        answered_by=agent,
        answered_at=timezone.now(),
        answer_comment="Oui, merci. Anne RAULT",
    )
    request = request_of(
        agent,
        henon,
        subject="Circuit de signature",
        description=f"Bonjour, je suis Anne Rault ({EMAIL}, 02 96 34 00 01).",
    )
    request_message_add(request=request, author=agent, body=f"Cordialement,\nAnne Rault\n{EMAIL}")
    request_message_add(request=request, author=referent, body="Bonjour Anne Rault, c'est fait.")
    timeline_record(
        commune=henon, kind="adoption", title="Parapheur : Intéressée (Anne Rault)", actor=agent
    )
    AccessLog.objects.create(
        username=EMAIL,
        ip_address="192.0.2.7",
        user_agent="Firefox",
        http_accept="*/*",
        path_info="/accounts/connexion/",
    )
    AccessAttempt.objects.create(
        username=EMAIL,
        ip_address="192.0.2.7",
        user_agent="Firefox",
        http_accept="*/*",
        path_info="/accounts/connexion/",
        get_data="",
        post_data=f"username={EMAIL}",
        failures_since_start=1,
    )
    return {"contact": contact, "request": request, "network": network}


def rows_containing(text: str) -> list[str]:
    """Every table with a row whose text contains `text` (PostgreSQL: the whole row as text)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(
                f'SELECT count(*) FROM "{table}" AS t WHERE t::text ILIKE %s',
                [f"%{text}%"],
            )
            if cursor.fetchone()[0]:
                found.append(table)
    return found


# --- export ---------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_contact(history, agent, henon):
    data = contact_export_json(contact=history["contact"])

    json.dumps(data)  # plain data
    assert data["contact"]["email"] == EMAIL
    assert data["contact"]["function_label"] == "Secrétaire de mairie"
    assert data["contact"]["legal_basis"] == "public_task"
    assert data["communes"] == [{"insee_code": "22076", "name": "Hénon"}]
    assert data["user_account"]["username"] == EMAIL
    assert data["networks"] == [
        {
            "network": "Secrétaires de mairie",
            "member_since": data["networks"][0]["member_since"],
            "coordinator": True,
        }
    ]
    assert [c["drive"] for c in data["drive_commitments_changed"]] == ["Parapheur pour tous"]
    assert [a["to_status"] for a in data["adoption_changes"]] == ["interested"]
    assert [s["title"] for s in data["suggestions_answered"]] == ["Essayer le parapheur"]
    assert [r["subject"] for r in data["requests_submitted"]] == ["Circuit de signature"]
    assert data["requests_submitted"][0]["reference"] == history["request"].reference
    assert [m["body"].splitlines()[0] for m in data["messages_authored"]] == ["Cordialement,"]
    subjects = [e["subject"] for e in data["emails_received"]]
    assert subjects and all(e["to"] == EMAIL for e in data["emails_received"])
    assert any("a bien été reçue" in subject for subject in subjects)
    assert [e["title"] for e in data["timeline_entries_as_actor"]] == [
        "Parapheur : Intéressée (Anne Rault)"
    ]


def test_the_export_of_a_contact_without_account(anne):
    data = contact_export_json(contact=anne)
    assert data["user_account"] is None
    assert data["requests_submitted"] == []
    assert data["contact"]["phone"] == "02 96 34 00 01"


def test_the_export_names_the_files_the_commune_sent_never_those_of_internal_notes(
    agent, referent, settings, tmp_path
):
    """The export is handed to the person: the EPCI's internal notes are not theirs to read."""
    settings.MEDIA_ROOT = tmp_path / "media"
    request = request_of(
        agent, files=[SimpleUploadedFile("devis.pdf", b"%PDF-1.4 d", "application/pdf")]
    )
    request_message_add(
        request=request,
        author=referent,
        body="Cotisation impayée.",
        internal=True,
        files=[SimpleUploadedFile("cotisation-impayee.pdf", b"%PDF-1.4 n", "application/pdf")],
    )
    data = contact_export_json(contact=agent.contact)
    assert data["requests_submitted"][0]["attachments"] == ["devis.pdf"]
    assert "cotisation-impayee" not in json.dumps(data)
    assert "Cotisation impayée." not in json.dumps(data)


def test_the_referent_downloads_the_export(client, referent, history):
    client.force_login(referent)
    response = client.get(reverse("communes:contact_export", args=[history["contact"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["contact"]["email"] == EMAIL


def test_no_one_else_downloads_the_export(client, history, henon):
    url = reverse("communes:contact_export", args=[history["contact"].pk])
    client.force_login(ReferentFactory(epci=EpciFactory()))
    assert client.get(url).status_code == 404
    client.force_login(agent_of(henon))
    assert client.get(url).status_code == 403


# --- anonymisation --------------------------------------------------------------------------


def test_anonymisation_removes_the_personal_data_from_every_row_and_keeps_the_history(
    client, history, agent, henon, referent
):
    contact = history["contact"]
    counts = {
        model: model.objects.count()
        for model in (Request, Message, OutgoingEmail, TimelineEntry, Commitment, Membership)
    }
    assert rows_containing(EMAIL)  # the test is meaningful: the address is there now

    contact_anonymise(contact=contact, by=referent)

    assert rows_containing(EMAIL) == []
    assert rows_containing("Rault") == []
    assert rows_containing("02 96 34 00 01") == []
    contact.refresh_from_db()
    assert contact.full_name == f"Contact anonymisé n° {contact.pk}"
    assert (contact.email, contact.phone, contact.is_active) == ("", "", False)
    assert contact.anonymised_at is not None
    assert contact.user is None
    assert list(contact.communes.all()) == [henon]
    agent.refresh_from_db()
    assert not agent.is_active
    assert agent.email == ""
    assert agent.get_full_name() == f"Contact anonymisé n° {contact.pk}"
    # The history is all there, pointing at the anonymous contact and user.
    for model, count in counts.items():
        expected = count + 1 if model is TimelineEntry else count
        assert model.objects.count() == expected, model
    request = Request.objects.get(pk=history["request"].pk)
    assert request.submitted_by == agent
    assert request.description == (
        f"Bonjour, je suis Contact anonymisé n° {contact.pk} "
        f"(Contact anonymisé n° {contact.pk}, Contact anonymisé n° {contact.pk})."
    )
    assert Membership.objects.get().contact == contact
    assert Network.objects.get().coordinator == contact
    emails = OutgoingEmail.objects.filter(to=f"anonyme-{contact.pk}@anonyme.invalid")
    assert emails.exists()
    assert all(email.body_text == "Contenu effacé (RGPD)." for email in emails)
    assert AccessAttempt.objects.count() == 0
    assert AccessLog.objects.get().ip_address is None
    entry = TimelineEntry.objects.latest("pk")
    assert (entry.commune, entry.kind) == (henon, "contact")
    assert entry.title == f"Contact n° {contact.pk} anonymisé (RGPD)"
    assert entry.actor == referent

    client.post(reverse("accounts:login"), {"username": EMAIL, "password": PASSWORD})
    assert "_auth_user_id" not in client.session  # the account cannot log in any more


def test_e_mails_still_waiting_for_the_contact_are_not_sent(history, referent):
    waiting = OutgoingEmail.objects.filter(to=EMAIL, status=OutgoingEmail.Status.QUEUED)
    ids = list(waiting.values_list("pk", flat=True))
    assert ids
    contact_anonymise(contact=history["contact"], by=referent)
    assert set(OutgoingEmail.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        OutgoingEmail.Status.FAILED
    }


def test_a_contact_is_anonymised_once_by_the_referent_of_its_epci_never_their_own(
    anne, referent, epci
):
    with pytest.raises(ValidationError, match="Seul le référent"):
        contact_anonymise(contact=anne, by=ReferentFactory(epci=EpciFactory()))
    own = ContactFactory(epci=epci, user=referent, email="claire@x.example")
    with pytest.raises(ValidationError, match="votre propre fiche"):
        contact_anonymise(contact=own, by=referent)
    contact_anonymise(contact=anne, by=referent)
    with pytest.raises(ValidationError, match="déjà anonymisé"):
        contact_anonymise(contact=anne, by=referent)


def test_the_referent_anonymises_after_confirming(client, referent, anne):
    url = reverse("communes:contact_anonymise", args=[anne.pk])
    client.force_login(referent)

    page = client.get(url)
    assert page.status_code == 200
    assert "Anonymiser Anne Rault" in page.content.decode()

    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 400
    anne.refresh_from_db()
    assert anne.anonymised_at is None

    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("communes:contact_list")
    anne.refresh_from_db()
    assert anne.anonymised_at is not None
    assert client.get(url).status_code == 404  # nothing left to anonymise


def test_no_one_else_anonymises(client, anne, henon):
    url = reverse("communes:contact_anonymise", args=[anne.pk])
    client.force_login(ReferentFactory(epci=EpciFactory()))
    assert client.post(url, {"confirm": "on"}).status_code == 404
    client.force_login(agent_of(henon))
    assert client.post(url, {"confirm": "on"}).status_code == 403
    anne.refresh_from_db()
    assert anne.anonymised_at is None


# --- last activity and the purge ------------------------------------------------------------


def test_last_activity_moves_forward_never_back(anne):
    now = timezone.now()
    assert contact_touch(contact=anne, at=now)
    assert not contact_touch(contact=anne, at=now - timedelta(days=1))
    anne.refresh_from_db()
    assert anne.last_activity_at == now


def test_logging_in_is_activity(client, agent):
    assert agent.contact.last_activity_at is None
    client.post(reverse("accounts:login"), {"username": agent.username, "password": PASSWORD})
    agent.contact.refresh_from_db()
    assert agent.contact.last_activity_at is not None


T0 = datetime(2023, 1, 10, 9, 0, tzinfo=PARIS)


@pytest.fixture
def aged(settings, epci, henon):
    """Contacts recorded at T0; the purge runs CONTACT_RETENTION_DAYS (+1) later."""
    settings.CONTACT_RETENTION_DAYS = 365
    with freeze_time(T0):
        silent = ContactFactory(epci=epci, communes=[henon], last_name="Silencieux")
        active = ContactFactory(epci=epci, communes=[henon], last_name="Actif")
        logged_in = agent_of(henon, last_name="Connecté").contact
        edited = ContactFactory(epci=epci, communes=[henon], last_name="Modifié")
        gone = ContactFactory(epci=epci, communes=[henon], last_name="Parti", email="")
    Contact.objects.filter(pk=gone.pk).update(anonymised_at=T0)
    with freeze_time(T0 + timedelta(days=300)):
        contact_touch(contact=active)
        User.objects.filter(pk=logged_in.user_id).update(last_login=timezone.now())
        edited.phone = "06 00 00 00 00"
        edited.save()
    return {"silent": silent, "active": active, "logged_in": logged_in, "edited": edited}


def anonymised_names():
    return set(
        Contact.objects.filter(anonymised_at__isnull=False).values_list("last_name", flat=True)
    )


def test_the_purge_dry_run_counts_and_changes_nothing(aged):
    out = StringIO()
    with freeze_time(T0 + timedelta(days=366)):
        call_command("purge_contacts", "--dry-run", stdout=out)
    assert "Dry run: 1 contact(s)" in out.getvalue()
    assert "Lamballe Terre et Mer: 1" in out.getvalue()
    assert anonymised_names() == {"Parti"}


def test_the_purge_anonymises_the_contacts_inactive_past_the_retention_period(aged, henon):
    out = StringIO()
    with freeze_time(T0 + timedelta(days=366)):
        call_command("purge_contacts", stdout=out)
    assert "Anonymised 1 of 1 contact(s)" in out.getvalue()
    silent = aged["silent"]
    silent.refresh_from_db()
    assert silent.full_name == f"Contact anonymisé n° {silent.pk}"
    assert TimelineEntry.objects.get(commune=henon).actor is None

    with freeze_time(T0 + timedelta(days=300 + 366)):
        call_command("purge_contacts", stdout=StringIO())
    assert len(anonymised_names()) == 5  # the others' turn came, once each

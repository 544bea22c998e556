"""One EPCI with an object of every kind a form acts on, and the three roles that post them.

Written through the services where that is short, directly otherwise: the fuzzing is about
what the forms do with any input, not about how the objects came to be.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from communes.drives.models import Commitment
from communes.drives.services import drive_create, drive_open
from communes.models import Adoption, Contact, Service, Suggestion
from communes.networks.services import network_create, network_member_add
from meetings.models import Campaign, FollowUp, Invitation, Meeting
from meetings.services import meeting_document_add
from referent_portal.accounts.models import User
from requests_relay.models import Relay
from requests_relay.services import dossier_create, request_relay
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    agent_of,
    request_of,
)
from tests.meetings.campaign_factories import draft
from tests.meetings.factories import InvitationFactory, MeetingFactory
from tests.trainings.factories import TrainingSessionFactory, module
from tests.trainings.followup_helpers import held_session
from trainings.models import Enrolment, TrainingSession
from trainings.models_followup import TrainingDemand
from trainings.survey import survey_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    users: dict[str, User]
    objects: dict[str, object] = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_world() -> World:
    epci = EpciFactory(siren="200069391", name="Lamballe Terre et Mer")
    henon = CommuneFactory(epci=epci, insee_code="22076", name="Hénon")
    brehand = CommuneFactory(epci=epci, insee_code="22020", name="Bréhand")
    referent = ReferentFactory(epci=epci, username="claire.legoff", email="claire@ltm.example.org")
    agent = agent_of(henon, username="anne.rault", email="anne@henon.example.org")
    officer = SyndicatFactory(username="pole.accompagnement")
    users = {"referent": referent, "agent": agent, "officer": officer}
    w = World(users=users)
    o = w.objects
    o.update(epci=epci, henon=henon, brehand=brehand)

    maire = ContactFactory(
        epci=epci, communes=[henon], function=Contact.Function.MAIRE, email="maire@henon.fr"
    )
    secretaire = ContactFactory(
        epci=epci, communes=[brehand], function=Contact.Function.SECRETAIRE, email="s@brehand.fr"
    )
    o.update(maire=maire, secretaire=secretaire)
    o["adoption"] = Adoption.objects.create(
        commune=henon, service=Service.objects.get(code="actes"), status=Adoption.Status.ACTIVE
    )

    # Requests and dossiers: an open request to triage, one in a draft dossier, one relayed.
    o["request"] = request_of(agent, subject="Paramétrage du parapheur")
    o["membership_request"] = request_of(
        agent,
        category="membership",
        subject="Adhérer au parapheur",
        service=Service.objects.get(code="parapheur"),
    )
    o["training_request"] = request_of(
        agent, category="training", subject="Former nos agents", training_module=module("m2-actes")
    )
    o["draft_dossier"] = dossier_create(
        requests=[request_of(agent, subject="Deux signataires")],
        by=referent,
        title="Signataires",
        summary="Deux communes",
    )
    o["relayed"] = request_relay(
        request=request_of(agent, subject="Archivage"), by=referent, summary="À relayer"
    )
    o["relay"] = Relay.objects.create(
        dossier=o["relayed"], event="dossier.relayed", state=Relay.State.FAILED, payload={}
    )

    # Meetings: one to come with an invitation and a document, one held with a follow-up.
    meeting = MeetingFactory(created_by=referent, title="Le parapheur en pratique")
    o["meeting"] = meeting
    o["invitation"] = InvitationFactory(meeting=meeting, name="Anne Rault", commune=henon)
    meeting_document_add(
        meeting=meeting,
        by=referent,
        title="Ordre du jour",
        upload=SimpleUploadedFile("odj.pdf", PDF, "application/pdf"),
    )
    start = timezone.now() - timedelta(days=2)
    held = MeetingFactory(
        created_by=referent,
        title="Réunion tenue",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status=Meeting.Status.HELD,
    )
    o["held_meeting"] = held
    o["held_invitation"] = InvitationFactory(meeting=held, name="Bruno Le Gall", commune=henon)
    o["follow_up"] = FollowUp.objects.create(
        meeting=held, commune=henon, text="Former les secrétaires", created_by=referent
    )
    o["campaign"] = draft(referent, communes=[henon])
    sent = draft(referent, communes=[henon], subject="Campagne envoyée")
    Campaign.objects.filter(pk=sent.pk).update(status=Campaign.Status.SENT, sent_at=timezone.now())
    o["sent_campaign"] = sent

    # Trainings: an open session (the agent may enrol), a held one with an attendee.
    o["session"] = TrainingSessionFactory(created_by=referent, capacity=12)
    o["planned_session"] = TrainingSessionFactory(
        created_by=referent, module=module("m1-marches"), status=TrainingSession.Status.PLANNED
    )
    o["enrolment"] = Enrolment.objects.create(
        session=o["session"], contact=agent.contact, commune=henon, queued_at=timezone.now()
    )
    o["demand"] = TrainingDemand.objects.create(
        epci=epci,
        module=module("m2-actes"),
        contact=secretaire,
        commune=brehand,
        created_by=referent,
    )
    past = timezone.localdate() - timedelta(days=3)
    o["held_session"] = held_session(referent, past, attendees=[agent.contact])
    o["survey_token"] = survey_token(
        Enrolment.objects.get(session=o["held_session"], contact=agent.contact)
    )

    # Territory knowledge: a drive (draft and open), a network, suggestions.
    o["drive"] = drive_create(
        by=referent,
        service=Service.objects.get(code="parapheur"),
        title="Adhésion groupée",
        message="La première année est offerte.",
        deadline=timezone.localdate() + timedelta(days=18),
        communes=[henon, brehand],
    )
    open_drive = drive_create(
        by=referent,
        service=Service.objects.get(code="archivage"),
        title="Archivage groupé",
        message="Répondez avant la fin du mois.",
        deadline=timezone.localdate() + timedelta(days=18),
        communes=[henon, brehand],
    )
    o["open_drive"] = drive_open(drive=open_drive, by=referent)
    o["commitment"] = Commitment.objects.get(drive=open_drive, commune=henon)
    o["network"] = network_create(by=referent, name="Acheteurs publics", theme="Marchés")
    o["membership"] = network_member_add(network=o["network"], contact=maire, by=referent)
    o["suggestion"] = Suggestion.objects.create(
        commune=henon,
        service=Service.objects.get(code="archivage"),
        rule="archivage_apres_actes",
        status=Suggestion.Status.PROPOSED,
        title="Archiver vos actes",
        body="Vos actes sont déjà numériques.",
    )
    o["sent_suggestion"] = Suggestion.objects.create(
        commune=henon,
        status=Suggestion.Status.SENT,
        sent_at=timezone.now(),
        title="Le parapheur",
        body="Signez en ligne.",
    )

    o["reset_path"] = (
        urlsafe_base64_encode(force_bytes(agent.pk)),
        default_token_generator.make_token(agent),
    )
    return w


def invitation_signature_of(invitation: Invitation) -> str:
    from meetings.invitations.tokens import invitation_signature

    return invitation_signature(invitation)

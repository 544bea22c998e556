"""The access matrix's territory: two EPCIs, three communes, seven people, objects of each kind.

EPCI X (Lamballe Terre et Mer) has communes A and B, EPCI Y (Ploërmel Communauté) has commune
Y. The people (`ROLES`, in this order): anonymous, the agent of A, the agent of B, the referent
of X, the referent of Y, a syndicat-mixte officer in the demo's staff group, the platform
operator (a superuser as `createsuperuser` makes it).

Every object is an `Obj`: the object, a label (the column of the matrix) and where it belongs
(commune, EPCI, relayed or not), so that the table's rules read « the owner's referent sees it,
the other gets a 404 ». Built once per module by `tests/access/conftest.py`, inside a
transaction that is rolled back at the end.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from communes.catalogue import seed_catalogues
from communes.models import (
    Adoption,
    Commitment,
    Contact,
    Drive,
    Membership,
    Network,
    Service,
    Suggestion,
)
from meetings.invitations.tokens import invitation_signature
from meetings.models import (
    Campaign,
    CampaignDocument,
    CampaignRecipient,
    FollowUp,
    Invitation,
    Meeting,
    MeetingDocument,
)
from referent_portal.accounts.management.commands.seed_demo import syndicat_mixte_group
from referent_portal.accounts.models import User
from referent_portal.outbox.admin import STAFF_READABLE_KINDS
from referent_portal.outbox.models import OutgoingAttachment, OutgoingEmail
from requests_relay.models import Relay
from tests.factories import UserFactory, agent_of, request_of
from tests.requests_relay.scope_territory import Side, make_side, pdf
from trainings.models import Attestation, Enrolment, TrainingDemand, TrainingModule, TrainingSession
from trainings.survey import survey_token

PDF = b"%PDF-1.4\n% ordre du jour\n%%EOF\n"


@dataclass(frozen=True)
class Role:
    name: str
    user: User | None
    commune: str = ""  # "a", "b": the commune an agent serves
    epci: str = ""  # "x", "y": the referent's EPCI, or the agent's


@dataclass
class Obj:
    """One object of the matrix and where it belongs."""

    label: str
    value: Any
    commune: str = ""  # "a", "b", "y"
    epci: str = ""  # "x", "y"
    relayed: bool = False  # a request or dossier the syndicat mixte may read
    extra: dict = field(default_factory=dict)


COMMUNE_EPCI = {"a": "x", "b": "x", "y": "y"}


def commune_obj(label, value, commune, **extra):
    return Obj(label, value, commune=commune, epci=COMMUNE_EPCI[commune], **extra)


def epci_obj(label, value, epci, **extra):
    return Obj(label, value, epci=epci, **extra)


def syndicat_staff() -> User:
    """An officer of the syndicat mixte in the staff group the migration makes."""
    group, _ = syndicat_mixte_group()
    user = UserFactory(username="officier", role=User.Role.SYNDICAT, is_staff=True)
    user.groups.add(group)
    return User.objects.get(pk=user.pk)


class World:
    """Everything the rows of the table point at (see `objects`)."""

    def __init__(self):
        seed_catalogues()
        self.x: Side = make_side(
            siren="200069391",
            name="Lamballe Terre et Mer",
            insee=[("22093", "Lamballe-Armor"), ("22076", "Hénon")],
        )
        self.y: Side = make_side(
            siren="200067981",
            name="Ploërmel Communauté",
            insee=[("56165", "Ploërmel"), ("56144", "Néant-sur-Yvel")],
        )
        self.communes = {"a": self.x.communes[0], "b": self.x.communes[1], "y": self.y.communes[0]}
        self.epcis = {"x": self.x.epci, "y": self.y.epci}
        self.referents = {"x": self.x.referent, "y": self.y.referent}
        agent_b = agent_of(self.communes["b"])
        self.request_b = request_of(agent_b, subject="Demande de B", files=[pdf("b.pdf")])
        self.roles = [
            Role("anonymous", None),
            Role("agent_a", self.x.agent, commune="a", epci="x"),
            Role("agent_b", agent_b, commune="b", epci="x"),
            Role("referent_x", self.x.referent, epci="x"),
            Role("referent_y", self.y.referent, epci="y"),
            Role("officer", syndicat_staff()),
            Role(
                "superuser",
                UserFactory(username="exploitant", is_superuser=True, is_staff=True),
            ),
        ]
        self.contacts = {key: Contact.objects.get(user=self._agent(key)) for key in ("a", "y")}
        self.contacts["b"] = Contact.objects.get(user=agent_b)
        self.objects: dict[str, list[Obj]] = {}
        self._requests()
        self._communes()
        self._meetings()
        self._campaigns()
        self._trainings()
        # One e-mail whose content is the recipient's alone, one the syndicat mixte may read.
        for email, readable in (
            (OutgoingEmail.objects.exclude(kind__in=STAFF_READABLE_KINDS).first(), False),
            (OutgoingEmail.objects.filter(kind__in=STAFF_READABLE_KINDS).first(), True),
        ):
            attachment = OutgoingAttachment.objects.create(
                email=email, filename="odj.pdf", mimetype="application/pdf", content=PDF
            )
            label = "readable" if readable else "private"
            self.add("outbox_attachment", Obj(label, attachment, extra={"readable": readable}))
        self._admin_only()

    def _admin_only(self):
        """A row of each model only the admin site shows, and a version in every history."""
        from axes.models import AccessAttempt, AccessFailureLog
        from rest_framework.authtoken.models import Token

        from requests_relay.models import InboundCall

        AccessAttempt.objects.create(
            username="inconnu", ip_address="192.0.2.1", user_agent="test", failures_since_start=1
        )
        AccessFailureLog.objects.create(username="inconnu", ip_address="192.0.2.1", user_agent="t")
        Token.objects.create(user=self.roles[5].user)
        InboundCall.objects.create(webhook_id="matrice-1", payload={"action": "acknowledge"})
        Service.objects.order_by("pk").first().save()
        TrainingModule.objects.order_by("pk").first().save()
        for epci_key, epci in self.epcis.items():
            self.add("epci", epci_obj(epci_key, epci, epci_key))

    def _agent(self, key):
        return self.y.agent if key == "y" else self.x.agent

    def objects_of(self, kind: str) -> list[Obj]:
        """The objects of a kind; « admin:app.model »: the model's first row, for the admin."""
        if kind.startswith("admin:") and kind not in self.objects:
            from django.apps import apps

            model = apps.get_model(kind.removeprefix("admin:"))
            self.objects[kind] = [Obj("first", model._default_manager.order_by("pk").first())]
        return self.objects[kind]

    def add(self, kind: str, *objs: Obj):
        self.objects.setdefault(kind, []).extend(objs)

    # --- requests, dossiers, relays ------------------------------------------------------

    def _requests(self):
        x, y = self.x, self.y
        self.add(
            "request",
            commune_obj("open_a", x.open, "a"),
            commune_obj("draft_a", x.draft, "a"),
            commune_obj("relayed_a", x.relayed, "a", relayed=True),
            commune_obj("open_b", self.request_b, "b"),
            commune_obj("open_y", y.open, "y"),
            commune_obj("relayed_y", y.relayed, "y", relayed=True),
        )
        for side, key in ((x, "a"), (y, "y")):
            for state in ("open", "relayed"):
                request = getattr(side, state)
                submitted, internal = side.files(request)
                relayed = state == "relayed"
                self.add(
                    "attachment",
                    commune_obj(f"file_{state}_{key}", submitted, key, relayed=relayed),
                )
                if key == "a":
                    self.add("attachment", commune_obj(f"note_{state}_{key}", internal, key))
        self.add(
            "dossier",
            epci_obj("draft_x", x.draft_dossier, "x"),
            epci_obj("relayed_x", x.relayed_dossier, "x", relayed=True),
            epci_obj("draft_y", y.draft_dossier, "y"),
            epci_obj("relayed_y", y.relayed_dossier, "y", relayed=True),
        )
        self.add(
            "relay",
            *(
                epci_obj(
                    f"relay_{key}",
                    Relay.objects.filter(dossier=side.relayed_dossier)[0],
                    key,
                    relayed=True,
                )
                for side, key in ((x, "x"), (y, "y"))
            ),
        )

    # --- communes: adoption, drives, networks, suggestions, contacts ---------------------

    def _communes(self):
        service = Service.objects.get(code="parapheur")
        self.service = service
        for key, commune in self.communes.items():
            self.add("commune", commune_obj(key, commune, key))
            adoption, _ = Adoption.objects.get_or_create(commune=commune, service=service)
            self.add("adoption", commune_obj(key, (commune, service), key))
            self.add("adoption_row", commune_obj(key, adoption, key))
            self.add("contact", commune_obj(key, self.contacts[key], key))
            suggestion = Suggestion.objects.create(
                commune=commune,
                service=service,
                title=f"Parapheur pour {commune.name}",
                body="Signez vos actes en ligne.",
                rule="manual",
                status=Suggestion.Status.SENT,
            )
            self.add("suggestion", commune_obj(key, suggestion, key))
        for key, communes in (("x", ["a", "b"]), ("y", ["y"])):
            epci = self.epcis[key]
            drive = Drive.objects.create(
                epci=epci,
                service=service,
                title=f"Adhésion groupée {epci.name}",
                message="La première année est offerte.",
                deadline=timezone.localdate() + timedelta(days=20),
                status=Drive.Status.OPEN,
                opened_at=timezone.now(),
                created_by=self.referents[key],
            )
            for commune in communes:
                Commitment.objects.create(drive=drive, commune=self.communes[commune])
                self.add(
                    "commitment", commune_obj(commune, (drive, self.communes[commune]), commune)
                )
            self.add("drive", epci_obj(key, drive, key))
            network = Network.objects.create(
                epci=epci, name=f"Acheteurs {epci.name}", theme="Marchés"
            )
            contact = self.contacts[communes[0]]
            membership = Membership.objects.create(network=network, contact=contact)
            self.add("network", epci_obj(key, network, key))
            self.add("membership", epci_obj(key, membership, key))

    # --- meetings and campaigns ----------------------------------------------------------

    def _meetings(self):
        start = (timezone.now() + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
        for key, commune in (("x", "a"), ("y", "y")):
            meeting = Meeting.objects.create(
                epci=self.epcis[key],
                created_by=self.referents[key],
                title=f"Réunion {key}",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                place="Salle du conseil",
                status=Meeting.Status.SCHEDULED,
            )
            document = MeetingDocument.objects.create(
                meeting=meeting,
                title="Ordre du jour",
                file=ContentFile(PDF, "odj.pdf"),
                filename="odj.pdf",
            )
            contact = self.contacts[commune]
            invitation = Invitation.objects.create(
                meeting=meeting,
                contact=contact,
                commune=self.communes[commune],
                name=str(contact),
                email=contact.email,
            )
            follow_up = FollowUp.objects.create(
                meeting=meeting, commune=self.communes[commune], text="Relancer la commune."
            )
            self.add("meeting", epci_obj(key, meeting, key))
            signed = invitation_signature(invitation)
            self.add("meeting_document", epci_obj(key, document, key, extra={"signed": signed}))
            self.add("invitation", epci_obj(key, invitation, key))
            self.add("rsvp", epci_obj(key, signed, key))
            self.add("follow_up", epci_obj(key, follow_up, key))

    def _campaigns(self):
        for key, commune in (("x", "a"), ("y", "y")):
            campaign = Campaign.objects.create(
                epci=self.epcis[key],
                created_by=self.referents[key],
                subject=f"Campagne {key}",
                body="La nouvelle version du parapheur.",
                source="Campagne parapheur 2027",
            )
            campaign.communes.set([self.communes[commune]])
            document = CampaignDocument.objects.create(
                campaign=campaign, title="guide.pdf", file=ContentFile(PDF, "guide.pdf")
            )
            contact = self.contacts[commune]
            recipient = CampaignRecipient.objects.create(
                campaign=campaign,
                contact=contact,
                commune=self.communes[commune],
                email=f"ancien-{contact.email}",  # not the address a send would add
            )
            self.add("campaign", epci_obj(key, campaign, key))
            self.add("campaign_document", epci_obj(key, document, key))
            self.add("campaign_recipient", epci_obj(key, recipient, key))

    # --- trainings -----------------------------------------------------------------------

    def _held_session(self, key, commune, module) -> Enrolment:
        """A session held last month, the agent marked present: attestation and survey."""
        start = timezone.now() - timedelta(days=30)
        session = TrainingSession.objects.create(
            epci=self.epcis[key],
            created_by=self.referents[key],
            module=module,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            trainer_name="Claire Le Goff",
            capacity=5,
            seats_taken=1,
            registration_deadline=timezone.localdate(start),
            status=TrainingSession.Status.HELD,
        )
        return Enrolment.objects.create(
            session=session,
            contact=self.contacts[commune],
            commune=self.communes[commune],
            queued_at=start - timedelta(days=10),
            attended=True,
        )

    def _trainings(self):
        module = TrainingModule.objects.order_by("pk").first()
        self.module = module
        start = timezone.localtime(timezone.now() + timedelta(days=14)).replace(
            hour=9, minute=30, second=0, microsecond=0
        )
        for key, commune in (("x", "a"), ("y", "y")):
            session = TrainingSession.objects.create(
                epci=self.epcis[key],
                created_by=self.referents[key],
                module=module,
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                venue=TrainingSession.Venue.EPCI,
                place="Salle du conseil",
                trainer_name="Claire Le Goff",
                capacity=5,
                seats_taken=1,  # the enrolment below
                registration_deadline=timezone.localdate(start) - timedelta(days=7),
                status=TrainingSession.Status.OPEN,
            )
            enrolment = Enrolment.objects.create(
                session=session,
                contact=self.contacts[commune],
                commune=self.communes[commune],
                queued_at=timezone.now(),
            )
            held = self._held_session(key, commune, module)
            attestation = Attestation.objects.create(
                enrolment=held, number=f"ATT-2026-{key}", issued_at=timezone.now()
            )
            demand = TrainingDemand.objects.create(
                epci=self.epcis[key],
                module=module,
                contact=self.contacts[commune],
                commune=self.communes[commune],
            )
            self.add("session", epci_obj(key, session, key))
            self.add("enrolment", commune_obj(commune, enrolment, commune))
            self.add("attestation", commune_obj(commune, attestation, commune))
            self.add("survey", commune_obj(commune, survey_token(held), commune))
            self.add("demand", epci_obj(key, demand, key))

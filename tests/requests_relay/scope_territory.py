"""Two EPCIs with every kind of request the syndicat mixte may or may not see: the scope tests'
world.

Imported by tests/requests_relay/test_scope*.py, tests/api/test_scoping.py and the timeline's
tests (`from tests.requests_relay.scope_territory import *`): fixtures and helpers, not tests.

Each EPCI has two communes, an agent of the first, a referent, and four requests of that agent:

- `open`: submitted, answered in the thread, with an internal note and its file — never relayed;
- `draft`: in a dossier the referent is still preparing (`in_progress`) — not relayed;
- `relayed`: relayed alone, with a message, an internal note and its file (written before the
  relay and after it);
- `closed`: answered locally by the referent (first-level support) — never relayed.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from communes.models import Commune, Epci
from referent_portal.accounts.models import User
from requests_relay.models import Attachment, Dossier, Request
from requests_relay.services import (
    dossier_create,
    request_message_add,
    request_relay,
    request_resolve_locally,
)
from tests.factories import (
    CommuneFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    UserFactory,
    agent_of,
    request_of,
)

__all__ = [
    "Side",
    "internal_note_text",
    "make_side",
    "officer",
    "operator",
    "public_message_text",
    "scope_world",
]


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + name.encode(), content_type="application/pdf")


def internal_note_text(request: Request) -> str:
    return f"Note interne sur {request.reference} : la cotisation est impayée."


def public_message_text(request: Request) -> str:
    return f"Réponse du référent sur {request.reference}."


@dataclass
class Side:
    """One EPCI's share of the territory, and its requests in every state."""

    epci: Epci
    communes: list[Commune]
    referent: User
    agent: User
    open: Request
    draft: Request
    relayed: Request
    closed: Request
    draft_dossier: Dossier
    relayed_dossier: Dossier

    @property
    def hidden_requests(self) -> list[Request]:
        """What the syndicat mixte must never see: nothing of it was relayed."""
        return [self.open, self.draft, self.closed]

    def files(self, request: Request) -> tuple[Attachment, Attachment]:
        """The file sent with the request, and the file of its (first) internal note."""
        submitted = request.attachments.get(message__isnull=True)
        internal = request.attachments.filter(message__internal=True).first()
        return submitted, internal


def _threaded(*, agent: User, referent: User, subject: str) -> Request:
    """A request with a file, a message to the commune, and an internal note with its file."""
    request = request_of(agent, subject=subject, files=[pdf("demande.pdf")])
    request_message_add(request=request, author=referent, body=public_message_text(request))
    request_message_add(
        request=request,
        author=referent,
        body=internal_note_text(request),
        internal=True,
        files=[pdf(f"note-{request.reference}.pdf")],
    )
    return request


def make_side(*, siren: str, name: str, insee: list[tuple[str, str]]) -> Side:
    epci = EpciFactory(siren=siren, name=name)
    communes = [
        CommuneFactory(epci=epci, insee_code=code, name=commune_name)
        for code, commune_name in insee
    ]
    referent = ReferentFactory(epci=epci)
    agent = agent_of(communes[0])
    requests = {}
    for state in ("open", "draft", "relayed", "closed"):
        subject = f"{state.capitalize()} — {name}"
        requests[state] = _threaded(agent=agent, referent=referent, subject=subject)
    draft_dossier = dossier_create(
        requests=[requests["draft"]], by=referent, title=f"Brouillon {name}", summary="À relire."
    )
    relayed_dossier = request_relay(
        request=requests["relayed"], by=referent, summary=f"Synthèse transmise {name}."
    )
    # A note written after the relay stays the EPCI's too.
    request_message_add(
        request=requests["relayed"],
        author=referent,
        body=f"{internal_note_text(requests['relayed'])} Relancer le syndicat dans une semaine.",
        internal=True,
    )
    request_resolve_locally(
        request=requests["closed"], by=referent, body="Réglé au téléphone (premier niveau)."
    )
    for request in requests.values():
        request.refresh_from_db()
    return Side(
        epci=epci,
        communes=communes,
        referent=referent,
        agent=agent,
        draft_dossier=draft_dossier,
        relayed_dossier=relayed_dossier,
        **requests,
    )


@pytest.fixture
def scope_world(settings, tmp_path):
    """Two EPCIs (Lamballe Terre et Mer, Ploërmel Communauté), relayed by e-mail only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SYNDICAT_WEBHOOK_URL = ""
    a = make_side(
        siren="200069391",
        name="Lamballe Terre et Mer",
        insee=[("22093", "Lamballe-Armor"), ("22076", "Hénon")],
    )
    b = make_side(
        siren="200067981",
        name="Ploërmel Communauté",
        insee=[("56165", "Ploërmel"), ("56144", "Néant-sur-Yvel")],
    )
    return a, b


@pytest.fixture
def officer():
    """A syndicat-mixte officer allowed to read and answer dossiers, as in the demo's group."""
    user = SyndicatFactory(username="erwan.guillou", first_name="Erwan", last_name="Guillou")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="requests_relay"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def operator():
    """The platform operator: a superuser as `createsuperuser` makes it (role left as agent)."""
    user = UserFactory(username="exploitant", is_superuser=True, is_staff=True)
    return User.objects.get(pk=user.pk)

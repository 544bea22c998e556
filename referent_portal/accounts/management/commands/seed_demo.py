"""Load a demo: a real EPCI, its referent, agents, élus, DGS and a syndicat-mixte officer.

Deterministic and idempotent: the people are a fixed list of fictitious French names, rows are
matched on stable keys and only written when something differs, so running it twice changes
nothing. Every demo account has the password DEMO_PASSWORD.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from importlib import import_module

from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from communes.adoption.services import adoption_set_status
from communes.models import (
    Adoption,
    AdoptionEvent,
    Commune,
    Contact,
    Epci,
    Membership,
    Network,
    Service,
)
from communes.services import territory_import
from communes.suggestions.services import suggestions_propose
from meetings.audience import audience_recipients
from meetings.invitations.services import invitation_respond, invitations_send
from meetings.models import Campaign, Invitation, Meeting
from meetings.services import meeting_create
from referent_portal.accounts.models import User
from trainings.models import TrainingModule, TrainingSession
from trainings.services import enrolment_create, session_create

DEFAULT_EPCI = "200069391"  # CA Lamballe Terre et Mer, 38 communes
DEMO_PASSWORD = "demo-portail-2026"
DEMO_DOMAIN = "demo.invalid"  # RFC 2606: never delivered anywhere
# Made, with its permissions, by the migration accounts 0004: seed_demo only puts the demo
# officer in it.
SYNDICAT_GROUP = "Syndicat mixte"
GROUP_MIGRATION = "referent_portal.accounts.migrations.0004_syndicat_mixte_group"

F = Contact.Function


def syndicat_mixte_group() -> tuple[Group, bool]:
    """The staff group of the syndicat mixte, and whether it had to be made again.

    `migrate` makes it; a database emptied since (a test's flush) gets it back as the
    migration makes it, with the same permissions.
    """
    group = Group.objects.filter(name=SYNDICAT_GROUP).first()
    if group is not None:
        return group, False
    import_module(GROUP_MIGRATION).syndicat_group(django_apps, None)
    return Group.objects.get(name=SYNDICAT_GROUP), True


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str

    @property
    def email(self) -> str:
        return f"{slugify(self.first_name)}.{slugify(self.last_name)}@{DEMO_DOMAIN}"


# Fictitious people. Any resemblance to a real person is a coincidence.
REFERENT = Person("Maëlle", "Le Goff")
SECRETAIRE = Person("Yannick", "Tanguy")
ACHETEUR = Person("Soizic", "Le Bihan")
SYNDICAT = Person("Erwan", "Guillou")
DGS = [Person("Gwenaëlle", "Morvan"), Person("Loïc", "Le Roux")]
PRESIDENT = Person("Jean-Yves", "Le Gall")
VICE_PRESIDENT = Person("Annick", "Riou")
ELUS = [
    Person("Hervé", "Cadiou"),
    Person("Nolwenn", "Jézéquel"),
    Person("Patrick", "Le Corre"),
    Person("Françoise", "Quéré"),
    Person("Ronan", "Bothorel"),
    Person("Catherine", "Le Meur"),
    Person("Thierry", "Gourvès"),
    Person("Sylvie", "Le Bras"),
    Person("Bernard", "Kerhervé"),
    Person("Anne-Marie", "Le Moal"),
]


@dataclass
class Account:
    username: str
    person: Person
    role: str
    description: str
    communes: list[Commune] = field(default_factory=list)


def _upsert(model, lookup: dict, values: dict, *, create_only: dict | None = None):
    """Create the row, or update only the fields that differ. Returns (obj, changed).

    `create_only` holds values written when the row is created, never compared afterwards.
    """
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**{**values, **lookup, **(create_only or {})})
        obj.full_clean()
        obj.save()
        return obj, True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.full_clean()
        obj.save()
    return obj, bool(changed)


def _demo_status(commune: Commune, service: Service) -> str:
    """A plausible, deterministic status: most communes transmit their acts and accounts,
    fewer use the procurement platform, archiving is just starting."""
    digest = int(hashlib.sha256(f"{commune.insee_code}:{service.code}".encode()).hexdigest(), 16)
    roll = digest % 100
    S = Adoption.Status
    ladder = {
        "actes": [(85, S.ACTIVE), (92, S.DEPLOYING)],
        "helios": [(80, S.ACTIVE), (90, S.CHARTER_SIGNED)],
        "marches": [(45, S.ACTIVE), (60, S.INTERESTED)],
        "parapheur": [(35, S.ACTIVE), (50, S.DEPLOYING), (65, S.INTERESTED)],
        "publication": [(30, S.ACTIVE), (55, S.INTERESTED)],
        "echanges": [(25, S.ACTIVE), (35, S.STOPPED)],
        "archivage": [(8, S.ACTIVE), (15, S.CHARTER_SIGNED), (30, S.INTERESTED)],
    }.get(service.code, [])
    return next((status for bound, status in ladder if roll < bound), S.NOT_ADOPTED)


def _pick_communes(epci: Epci) -> dict[str, list[Commune]]:
    """Which communes the demo people serve, chosen by a rule that works for any EPCI.

    The seat is the most populous commune. The secrétaire de mairie serves the two smallest
    communes sharing a postal code (small neighbouring communes often share one secretary).
    """
    communes = list(Commune.objects.filter(epci=epci).order_by("-population", "insee_code"))
    if len(communes) < 3:
        raise CommandError(f"{epci} has {len(communes)} communes; the demo needs at least 3.")
    seat, others = communes[0], communes[1:]
    by_postal_code: dict[str, list[Commune]] = {}
    for commune in sorted(others, key=lambda c: (c.population, c.insee_code)):
        if commune.postal_codes:
            by_postal_code.setdefault(commune.postal_codes[0], []).append(commune)
    pairs = [group[:2] for group in by_postal_code.values() if len(group) >= 2]
    if pairs:
        small = min(pairs, key=lambda pair: (sum(c.population for c in pair), pair[0].insee_code))
    else:
        small = sorted(others, key=lambda c: (c.population, c.insee_code))[:2]
    return {"seat": [seat], "small": small, "largest": communes[:4]}


class Command(BaseCommand):
    help = (
        "Load the demo: an EPCI from the shipped extract (default CA Lamballe Terre et Mer), "
        "its referent, two commune agents, élus and DGS as contacts, and a syndicat-mixte "
        f"account in the '{SYNDICAT_GROUP}' group. Idempotent. Password: {DEMO_PASSWORD}"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--epci",
            default=DEFAULT_EPCI,
            metavar="SIREN",
            help=f"SIREN of the EPCI of the demo (default {DEFAULT_EPCI}).",
        )

    def handle(self, *args, epci, **options):
        with transaction.atomic():
            try:
                result = territory_import(epci_sirens=[epci])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            epci_obj = Epci.objects.get(siren=epci)
            accounts, changed = self._seed(epci_obj)
        self.stdout.write(
            f"{epci_obj.name} (SIREN {epci_obj.siren}): {result.communes} communes "
            f"({result.communes_created} created, {result.communes_updated} updated)."
        )
        self.stdout.write("Demo data " + ("updated." if changed else "already up to date."))
        self._print_accounts(accounts)

    def _seed(self, epci: Epci) -> tuple[list[Account], int]:
        picks = _pick_communes(epci)
        seat, small, largest = picks["seat"][0], picks["small"], picks["largest"]
        changed = 0

        group, created = syndicat_mixte_group()
        changed += created

        small_names = " et ".join(c.name for c in small)
        accounts = [
            Account("referent", REFERENT, User.Role.REFERENT, f"référent de {epci.name}"),
            Account(
                "agent",
                SECRETAIRE,
                User.Role.AGENT,
                f"secrétaire de mairie de {small_names}",
                communes=small,
            ),
            Account(
                "acheteur",
                ACHETEUR,
                User.Role.AGENT,
                f"acheteuse publique de {seat.name}",
                communes=[seat],
            ),
            Account("syndicat", SYNDICAT, User.Role.SYNDICAT, "pôle promotion et accompagnement"),
        ]
        users = {}
        for account in accounts:
            is_syndicat = account.role == User.Role.SYNDICAT
            user, user_changed = _upsert(
                User,
                {"username": account.username},
                {
                    "first_name": account.person.first_name,
                    "last_name": account.person.last_name,
                    "email": account.person.email,
                    "role": account.role,
                    "epci": None if is_syndicat else epci,
                    "is_staff": is_syndicat,
                    "is_superuser": False,
                    "is_active": True,
                    "language": "fr",
                },
                create_only={"password": make_password(DEMO_PASSWORD)},
            )
            changed += user_changed
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                changed += 1
            wanted_groups = {group} if is_syndicat else set()
            if set(user.groups.all()) != wanted_groups:
                user.groups.set(wanted_groups)
                changed += 1
            users[account.username] = user

        # Contact records: the people with an account first (matched on their account).
        functions = {"referent": F.REFERENT, "agent": F.SECRETAIRE, "acheteur": F.ACHETEUR}
        for account in accounts:
            if account.username not in functions:
                continue
            changed += self._contact(
                {"user": users[account.username]},
                epci=epci,
                person=account.person,
                function=functions[account.username],
                communes=account.communes,
            )

        # Élus and DGS without an account (matched on their address within the EPCI).
        people = [
            (PRESIDENT, F.PRESIDENT_EPCI, []),
            (VICE_PRESIDENT, F.VICE_PRESIDENT_EPCI, []),
            (DGS[0], F.DGS, [seat]),
        ]
        if len(largest) > 1:
            people.append((DGS[1], F.DGS, [largest[1]]))
        elus = iter(ELUS)
        for commune in dict.fromkeys([*largest[:3], *small]):
            people.append((next(elus), F.MAIRE, [commune]))
        for commune in largest[:2]:
            people.append((next(elus), F.DELEGUE_NUMERIQUE, [commune]))
        for person, function, communes in people:
            changed += self._contact(
                {"epci": epci, "email": person.email},
                epci=epci,
                person=person,
                function=function,
                communes=communes,
            )
        changed += self._seed_knowledge(epci, users, seat=seat, small=small)
        return accounts, changed

    def _seed_knowledge(self, epci: Epci, users: dict, *, seat: Commune, small: list) -> int:
        """Where the communes stand with the services, a network, and what the rules propose.

        Written once: a status the referent changed afterwards is never reset."""
        changed = 0
        services = list(Service.objects.filter(is_active=True).order_by("position"))
        for commune in epci.communes.all():
            for service in services:
                if Adoption.objects.filter(commune=commune, service=service).exists():
                    continue
                status = _demo_status(commune, service)
                if status != Adoption.Status.NOT_ADOPTED:
                    adoption_set_status(
                        commune=commune,
                        service=service,
                        status=status,
                        source=AdoptionEvent.Source.IMPORT,
                        reason="Données de démonstration",
                    )
                    changed += 1
        network, created = Network.objects.get_or_create(
            epci=epci,
            name="Acheteurs publics — dématérialisation",
            defaults={
                "theme": "Publier les consultations et recevoir les offres sur la salle "
                "régionale des marchés ; partager modèles et retours d'expérience.",
                "service": Service.objects.filter(code="marches").first(),
            },
        )
        changed += created
        members = [users["acheteur"].contact, users["agent"].contact]
        for contact in members:
            _membership, joined = Membership.objects.get_or_create(network=network, contact=contact)
            changed += joined
        if network.coordinator_id is None:
            network.coordinator = members[0]
            network.save(update_fields=["coordinator", "updated_at"])
            changed += 1
        changed += len(suggestions_propose(epci=epci))
        changed += self._seed_meetings(epci, users, seat=seat)
        changed += self._seed_trainings(epci, users)
        return changed

    def _seed_meetings(self, epci: Epci, users: dict, *, seat: Commune) -> int:
        """A meeting to come, with its invitations sent (one accepted), a past one held with
        its attendance, and a campaign in draft. Written once, matched on their titles."""
        referent = users["referent"]
        now = timezone.now()
        changed = 0
        title = "Présentation du parapheur électronique aux élus"
        if not Meeting.objects.filter(epci=epci, title=title).exists():
            day = timezone.localdate() + timedelta(days=12)
            starts = timezone.make_aware(datetime.combine(day, time(14, 0)))
            meeting = meeting_create(
                by=referent,
                kind=Meeting.Kind.INFORMATION,
                title=title,
                topic="Signer les délibérations et les arrêtés en ligne",
                service=Service.objects.filter(code="parapheur").first(),
                description="1. Démonstration du parapheur\n2. Coût et adhésion\n3. Questions",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                place="Salle du conseil communautaire",
                host_commune=seat,
                capacity=40,
            )
            invited = invitations_send(
                meeting=meeting,
                recipients=audience_recipients(epci, functions=[F.MAIRE, F.DELEGUE_NUMERIQUE]),
                by=referent,
            )
            if invited:
                invitation_respond(invitation=invited[0], response=Invitation.Response.ACCEPTED)
            changed += 1
        title = "Réunion d'information : l'archivage électronique"
        if not Meeting.objects.filter(epci=epci, title=title).exists():
            starts = now - timedelta(days=40)
            meeting = Meeting.objects.create(
                epci=epci,
                title=title,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                place="Mairie",
                host_commune=seat,
                status=Meeting.Status.HELD,
                minutes="Présentation du service d'archivage ; trois communes intéressées.",
                created_by=referent,
            )
            people = audience_recipients(epci, functions=[F.MAIRE, F.DGS])
            for index, recipient in enumerate(people):
                Invitation.objects.create(
                    meeting=meeting,
                    contact=recipient.contact,
                    commune=recipient.commune,
                    name=recipient.contact.full_name,
                    email=recipient.contact.email,
                    function=recipient.contact.function,
                    response=Invitation.Response.ACCEPTED,
                    responded_at=starts - timedelta(days=3),
                    attended=index % 3 != 2,
                    checked_in_at=starts if index % 3 != 2 else None,
                )
            changed += 1
        subject = "Nouvelle offre de formation au parapheur électronique"
        if not Campaign.objects.filter(epci=epci, subject=subject).exists():
            campaign = Campaign.objects.create(
                epci=epci,
                subject=subject,
                body="Le syndicat mixte propose en 2027 des sessions courtes sur le parapheur.",
                source="Campagne régionale parapheur 2027",
                functions=[F.DGS, F.SECRETAIRE],
                created_by=referent,
            )
            campaign.communes.set([seat])
            changed += 1
        return changed

    def _seed_trainings(self, epci: Epci, users: dict) -> int:
        """A one-seat session: the agent holds the seat, the buyer waits for it."""
        referent = users["referent"]
        module = TrainingModule.objects.filter(is_active=True).order_by("position").first()
        if module is None or TrainingSession.objects.filter(epci=epci).exists():
            return 0
        day = timezone.localdate() + timedelta(days=20)
        starts = timezone.make_aware(datetime.combine(day, time(9, 30)))
        session = session_create(
            by=referent,
            module=module,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            trainer_name="Formatrice du syndicat mixte",
            capacity=1,
            registration_deadline=day - timedelta(days=5),
            place="Salle de formation de l'EPCI",
        )
        for username in ("agent", "acheteur"):
            enrolment_create(session=session, contact=users[username].contact, by=referent)
        return 1

    def _contact(self, lookup, *, epci, person, function, communes) -> int:
        contact, changed = _upsert(
            Contact,
            lookup,
            {
                "epci": epci,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "function": function,
                "phone": "",
                "language": "fr",
                "legal_basis": Contact.LegalBasis.PUBLIC_TASK,
                "is_active": True,
            },
        )
        if set(contact.communes.all()) != set(communes):
            contact.communes.set(communes)
            changed = True
        return int(changed)

    def _print_accounts(self, accounts: list[Account]) -> None:
        rows = [("login", "password", "role", "e-mail", "who")] + [
            (
                a.username,
                DEMO_PASSWORD,
                str(User.Role(a.role).label),
                a.person.email,
                a.description,
            )
            for a in accounts
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write("")
        for number, row in enumerate(rows):
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write("")
        self.stdout.write(
            f"Log in at {reverse('accounts:login')}. Agents may instead ask for a one-time login "
            f"link at {reverse('accounts:magic_link')} (e-mail addresses above end in "
            f"@{DEMO_DOMAIN}); on the embedded default the e-mail is written to var/mail/. "
            "The syndicat account works in the admin site, /admin/."
        )

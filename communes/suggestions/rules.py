"""The rules by which the portal proposes suggestions to the referent.

Each rule is a small function that looks at one EPCI and returns what it would suggest, commune
by commune. It never sends anything: `services.suggestions_propose` stores each proposal as a
PROPOSED suggestion, and the referent reads it, then sends it (« Envoyer ») or sets it aside
(« Écarter »). The title and description of each rule are shown to the referent on the « Règles »
page, in plain language: what the rule looks at, and what it proposes.

To add a rule: write a function `(epci, now) -> list[Proposal]`, describe it with a `Rule`, and
append it to `RULES`. Its `code` is stored on each suggestion it proposes (`Suggestion.rule`):
never change the code of a rule that has already proposed something.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Adoption, Commune, Contact, Epci, Service, TimelineEntry

# Adoption states in which a commune already has (or is getting) a service.
ADOPTED_OR_UNDER_WAY = (
    Adoption.Status.CHARTER_SIGNED,
    Adoption.Status.DEPLOYING,
    Adoption.Status.ACTIVE,
)


@dataclass(frozen=True)
class Proposal:
    """What a rule would suggest to one commune; its text is addressed to the commune."""

    commune: Commune
    service: Service | None
    title: str
    body: str


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    description: str
    propose: Callable[[Epci, datetime], list[Proposal]]
    enabled: bool = True
    disabled_reason: str = ""


def _service(code: str) -> Service | None:
    return Service.objects.filter(code=code, is_active=True).first()


# --- (a) archiving after acts ------------------------------------------------------------


def archiving_after_acts(epci: Epci, now: datetime) -> list[Proposal]:
    """Communes that transmit their acts electronically (« actes » active) but have not
    adopted electronic archiving (no « archivage » adoption charter signed, being deployed or
    active): their acts are already digital, archiving them is the natural next step."""
    actes, archivage = _service("actes"), _service("archivage")
    if actes is None or archivage is None:
        return []
    communes = (
        Commune.objects.filter(epci=epci)
        .filter(
            Exists(
                Adoption.objects.filter(
                    commune=OuterRef("pk"), service=actes, status=Adoption.Status.ACTIVE
                )
            )
        )
        .exclude(
            Exists(
                Adoption.objects.filter(
                    commune=OuterRef("pk"), service=archivage, status__in=ADOPTED_OR_UNDER_WAY
                )
            )
        )
        .order_by("search_name")
    )
    return [
        Proposal(
            commune=commune,
            service=archivage,
            title=gettext("Archiver électroniquement vos actes"),
            body=gettext(
                "Votre commune transmet déjà ses actes à la préfecture par voie électronique "
                "(%(actes)s). Ces actes sont donc déjà numériques : le service « %(archivage)s » "
                "du syndicat mixte permet de les conserver avec leur valeur probante, sans "
                "impression ni classement papier. Souhaitez-vous que nous en parlions ?"
            )
            % {"actes": actes.name, "archivage": archivage.name},
        )
        for commune in communes
    ]


# --- (b) getting back in touch -----------------------------------------------------------


def no_contact_for_long(epci: Epci, now: datetime) -> list[Proposal]:
    """Communes with nothing on their timeline and no activity of any of their contacts for
    SUGGESTION_NO_CONTACT_DAYS days (counted from their arrival in the portal when nothing
    was ever recorded): it is time to take news and offer a review of their services."""
    days = settings.SUGGESTION_NO_CONTACT_DAYS
    cutoff = now - timedelta(days=days)
    last_entry = Subquery(
        TimelineEntry.objects.filter(commune=OuterRef("pk"))
        .values("commune")
        .annotate(last=Max("at"))
        .values("last")
    )
    last_activity = Subquery(
        Contact.objects.filter(communes=OuterRef("pk"), last_activity_at__isnull=False)
        .values("communes")
        .annotate(last=Max("last_activity_at"))
        .values("last")
    )
    communes = (
        Commune.objects.filter(epci=epci)
        .annotate(
            last_sign=Greatest(
                Coalesce(last_entry, F("created_at")),
                Coalesce(last_activity, F("created_at")),
                F("created_at"),
            )
        )
        .filter(last_sign__lt=cutoff)
        .order_by("search_name")
    )
    return [
        Proposal(
            commune=commune,
            service=None,
            title=gettext("Faisons le point sur vos services numériques"),
            body=gettext(
                "Nous n'avons pas échangé depuis plus de %(days)s jours. Je vous propose un "
                "point sur l'usage que votre commune fait des services du syndicat mixte : "
                "ce qui fonctionne, ce qui vous manque, les formations dont vos agents auraient "
                "besoin. Dites-moi si ce point vous intéresse."
            )
            % {"days": days},
        )
        for commune in communes
    ]


# --- (c) training on an adopted service --------------------------------------------------


def untrained_on_adopted_service(epci: Epci, now: datetime) -> list[Proposal]:
    """Communes that use a service (charter signed, being deployed or active) none of whose
    agents attended a training on it: the flags of the training coverage
    (trainings/coverage.py). One proposal per commune and service, naming the modules."""
    from trainings.coverage import training_coverage

    by_service: dict[tuple[int, int], tuple[Commune, Service, list[str]]] = {}
    for commune, cell in training_coverage(epci).flags:
        service = cell.module.service
        key = (commune.pk, service.pk)
        by_service.setdefault(key, (commune, service, []))[2].append(cell.module.title)
    return [
        Proposal(
            commune=commune,
            service=service,
            title=gettext("Former vos agents à « %(service)s »") % {"service": service.name},
            body=gettext(
                "Votre commune utilise le service « %(service)s », mais aucun de vos agents "
                "n'a encore suivi la formation correspondante (%(modules)s). Une session "
                "sur le territoire de l'EPCI peut les aider au quotidien : souhaitez-vous que "
                "nous en organisions une ?"
            )
            % {"service": service.name, "modules": ", ".join(f"« {m} »" for m in modules)},
        )
        for commune, service, modules in by_service.values()
    ]


RULES: list[Rule] = [
    Rule(
        code="archivage_apres_actes",
        title=_("Archivage électronique après la télétransmission des actes"),
        description=_(
            "Propose l'archivage électronique aux communes qui transmettent déjà leurs actes "
            "par voie électronique (service « actes » actif) mais n'ont ni adopté l'archivage, "
            "ni signé sa charte, ni commencé à le déployer."
        ),
        propose=archiving_after_acts,
    ),
    Rule(
        code="reprendre_contact",
        title=_("Reprendre contact"),
        description=_(
            "Propose un point d'étape aux communes sans aucun échange depuis "
            "%(days)s jours : rien sur leur fil d'activité, aucune activité de leurs contacts. "
            "Pour une commune dont rien n'a jamais été enregistré, les jours se comptent "
            "depuis son arrivée dans le portail."
        ),
        propose=no_contact_for_long,
    ),
    Rule(
        code="formation_service_adopte",
        title=_("Former les agents à un service adopté"),
        description=_(
            "Propose une formation aux communes qui utilisent un service (charte signée, en "
            "déploiement ou adhésion active) sans qu'aucun de leurs agents n'ait été présent à "
            "une session d'un module sur ce service."
        ),
        propose=untrained_on_adopted_service,
    ),
]

RULES_BY_CODE = {rule.code: rule for rule in RULES}


def rule_title(code: str) -> str:
    """The title of a rule by its code, or the code itself for a rule that no longer exists."""
    rule = RULES_BY_CODE.get(code)
    return str(rule.title) if rule else code


def rule_description(rule: Rule) -> str:
    return str(rule.description) % {"days": settings.SUGGESTION_NO_CONTACT_DAYS}

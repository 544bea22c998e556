"""Helpers of the suggestions tests."""

from communes.models import Adoption, Service, Suggestion
from referent_portal.outbox.models import OutgoingEmail


def adopt(commune, code, status=Adoption.Status.ACTIVE):
    return Adoption.objects.create(
        commune=commune, service=Service.objects.get(code=code), status=status
    )


def emails_to(address):
    return list(OutgoingEmail.objects.filter(to=address).order_by("pk"))


def proposed(commune, *, rule="archivage_apres_actes", service="archivage", **fields):
    """A suggestion the portal proposed, as a rule would have stored it."""
    return Suggestion.objects.create(
        commune=commune,
        service=Service.objects.get(code=service) if service else None,
        rule=rule,
        status=Suggestion.Status.PROPOSED,
        title=fields.pop("title", "Archiver électroniquement vos actes"),
        body=fields.pop("body", "Vos actes sont déjà numériques : archivez-les."),
        **fields,
    )

"""The syndicat mixte's answer to a drive's dossier reaches the communes' adoptions."""

from django.dispatch import receiver

from requests_relay.signals import dossier_answered

from .models import Drive
from .services import drive_confirm_membership


@receiver(dossier_answered, dispatch_uid="drives.confirm_membership")
def confirm_membership_when_the_syndicat_resolves(sender, dossier, action, **kwargs):
    """Only « resolve » confirms: an acknowledgement, an answer or a refusal leaves the
    communes' adoptions as they were."""
    if action != "resolve":
        return
    drive = Drive.objects.filter(dossier=dossier).select_related("service", "dossier").first()
    if drive is not None:
        drive_confirm_membership(drive=drive)

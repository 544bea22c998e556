"""The syndicat mixte's answer to a drive's dossier reaches the communes' adoptions."""

from django.dispatch import receiver

from requests_relay.signals import dossier_answered

from .models import Drive
from .services import drive_confirm_membership, drive_tell_outcome


@receiver(dossier_answered, dispatch_uid="drives.confirm_membership")
def confirm_membership_when_the_syndicat_resolves(sender, dossier, action, message="", **kwargs):
    """Every answer is told to the committed communes; only « resolve » confirms their
    membership: an acknowledgement, an answer or a refusal leaves the adoptions as they were."""
    drive = Drive.objects.filter(dossier=dossier).select_related("service", "dossier").first()
    if drive is None:
        return
    if action == "resolve":
        drive_confirm_membership(drive=drive)
    drive_tell_outcome(drive=drive, action=action, message=message)

from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Like communes: each feature keeps its services, views, admin and receivers in its package.
FEATURES = ("invitations", "attendance", "campaigns")


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Réunions et campagnes")

    def ready(self):
        from referent_portal.outbox.secrets import register_link_provider

        from .invitations import services as invitations

        # The e-mails that carry the invitee's answer links (made when each one is sent).
        register_link_provider(
            invitations.KIND_INVITATION,
            invitations.KIND_UPDATE,
            invitations.KIND_CANCEL,
            invitations.KIND_REMINDER,
            invitations.KIND_CHASE,
            provider=invitations.rsvp_links_for_email,
        )
        for module in (
            "admin",
            *(f"{feature}.{m}" for feature in FEATURES for m in ("admin", "receivers")),
        ):
            try:
                import_module(f"{self.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{self.name}.{module}":
                    raise

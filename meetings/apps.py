from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Like communes: each feature keeps its services, views, admin and receivers in its package.
FEATURES = ("invitations", "attendance", "campaigns")


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Réunions et campagnes")

    def ready(self):
        for module in (
            "admin",
            *(f"{feature}.{m}" for feature in FEATURES for m in ("admin", "receivers")),
        ):
            try:
                import_module(f"{self.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{self.name}.{module}":
                    raise

from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Each feature of the app keeps its models, services, views, admin and signal receivers in a
# package of its own (adoption/, drives/, networks/, suggestions/, timeline/, contacts/).
FEATURES = ("adoption", "drives", "networks", "suggestions", "timeline", "contacts")


class CommunesConfig(AppConfig):
    name = "communes"
    verbose_name = _("Territoire")

    def ready(self):
        for feature in FEATURES:
            for module in ("admin", "receivers"):
                try:
                    import_module(f"{self.name}.{feature}.{module}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{self.name}.{feature}.{module}":
                        raise

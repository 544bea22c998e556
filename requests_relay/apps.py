from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsRelayConfig(AppConfig):
    name = "requests_relay"
    verbose_name = _("Demandes des communes")

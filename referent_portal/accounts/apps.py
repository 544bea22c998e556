from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "referent_portal.accounts"
    label = "accounts"
    verbose_name = _("Comptes et rôles")

    def ready(self):
        from referent_portal.outbox.secrets import register_link_provider

        from . import services

        register_link_provider(services.MAGIC_LINK_KIND, provider=services.magic_link_links)
        register_link_provider(services.PASSWORD_RESET_KIND, provider=services.password_reset_links)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = _("Formations")

    def ready(self):
        from referent_portal.outbox.secrets import register_link_provider

        from .attendance import ATTESTATION_KIND
        from .survey import survey_links_for_email

        register_link_provider(ATTESTATION_KIND, provider=survey_links_for_email)

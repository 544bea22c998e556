"""The syndicat mixte's services, as Mégalis Bretagne offers them (editable in the admin site)."""

from django.db import migrations

SERVICES = [
    (
        "marches",
        "Salle régionale des marchés publics",
        "Publication des consultations et réception des offres dématérialisées.",
    ),
    (
        "actes",
        "Télétransmission des actes au contrôle de légalité",
        "Transmission des délibérations, arrêtés et contrats à la préfecture.",
    ),
    (
        "helios",
        "Flux comptables dématérialisés (Hélios / PES)",
        "Échange des titres, mandats et pièces justificatives avec le comptable public.",
    ),
    (
        "parapheur",
        "Parapheur et signature électronique",
        "Circuits de validation et signature électronique des documents.",
    ),
    (
        "archivage",
        "Archivage électronique",
        "Conservation à valeur probante des documents nativement numériques.",
    ),
    (
        "echanges",
        "Échanges sécurisés de fichiers",
        "Envoi de documents volumineux ou confidentiels avec accusé de réception.",
    ),
    (
        "publication",
        "Publication des actes",
        "Publicité des actes sur le site de la collectivité (réforme de 2022).",
    ),
]


def seed(apps, schema_editor):
    Service = apps.get_model("communes", "Service")
    for position, (code, name, description) in enumerate(SERVICES):
        Service.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("communes", "0002_service")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""The four training modules of the syndicat mixte's catalogue (editable in the admin site)."""

from django.db import migrations

MODULES = [
    ("m1-marches", "Répondre et publier sur la salle régionale des marchés",
     "Acheteurs publics, secrétaires de mairie", "marches",
     "Publier une consultation, recevoir et ouvrir les plis, notifier les candidats."),
    ("m2-actes", "Télétransmettre les actes à la préfecture",
     "Secrétaires de mairie, agents des assemblées", "actes",
     "Préparer, transmettre et suivre les actes soumis au contrôle de légalité."),
    ("m3-helios", "Dématérialiser la chaîne comptable (PES)",
     "Comptables, secrétaires de mairie", "helios",
     "Produire les flux PES, joindre les pièces justificatives, suivre les acquittements."),
    ("m4-signature", "Signer électroniquement et échanger en toute sécurité",
     "Élus signataires, DGS, secrétaires de mairie", "parapheur",
     "Utiliser le parapheur, signer avec un certificat, envoyer des fichiers sécurisés."),
]


def seed(apps, schema_editor):
    Service = apps.get_model("communes", "Service")
    TrainingModule = apps.get_model("trainings", "TrainingModule")
    for position, (code, title, audience, service_code, objectives) in enumerate(MODULES):
        TrainingModule.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "audience": audience,
                "objectives": objectives,
                "service": Service.objects.filter(code=service_code).first(),
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("trainings", "0001_initial"), ("communes", "0003_seed_services")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

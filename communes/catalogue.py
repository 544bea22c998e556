"""The syndicat mixte's catalogues as first seeded: its services and the four training modules.

Plain data and one idempotent function taking the model classes, so the data migrations (with
their historical models), `seed_demo` and the tests all seed from this one place. The syndicat
mixte edits the catalogues in the admin site afterwards; seeding never overwrites an edit.
"""

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

TRAINING_MODULES = [
    (
        "m1-marches",
        "Répondre et publier sur la salle régionale des marchés",
        "Acheteurs publics, secrétaires de mairie",
        "marches",
        "Publier une consultation, recevoir et ouvrir les plis, notifier les candidats.",
    ),
    (
        "m2-actes",
        "Télétransmettre les actes à la préfecture",
        "Secrétaires de mairie, agents des assemblées",
        "actes",
        "Préparer, transmettre et suivre les actes soumis au contrôle de légalité.",
    ),
    (
        "m3-helios",
        "Dématérialiser la chaîne comptable (PES)",
        "Comptables, secrétaires de mairie",
        "helios",
        "Produire les flux PES, joindre les pièces justificatives, suivre les acquittements.",
    ),
    (
        "m4-signature",
        "Signer électroniquement et échanger en toute sécurité",
        "Élus signataires, DGS, secrétaires de mairie",
        "parapheur",
        "Utiliser le parapheur, signer avec un certificat, envoyer des fichiers sécurisés.",
    ),
]


def seed_services(Service) -> None:
    if Service.objects.filter(code__in=[code for code, *_ in SERVICES]).count() == len(SERVICES):
        return
    for position, (code, name, description) in enumerate(SERVICES):
        Service.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "position": position}
        )


def seed_training_modules(TrainingModule, Service) -> None:
    codes = [code for code, *_ in TRAINING_MODULES]
    if TrainingModule.objects.filter(code__in=codes).count() == len(TRAINING_MODULES):
        return
    for position, (code, title, audience, service_code, objectives) in enumerate(TRAINING_MODULES):
        TrainingModule.objects.get_or_create(
            code=code,
            defaults={
                "title": title,
                "audience": audience,
                "objectives": objectives,
                "service": Service.objects.filter(code=service_code).first(),
                "position": position,
            },
        )


def seed_catalogues() -> None:
    """Seed both catalogues with the current models (tests, seed_demo)."""
    from communes.models import Service
    from trainings.models import TrainingModule

    seed_services(Service)
    seed_training_modules(TrainingModule, Service)

"""The four training modules of the syndicat mixte's catalogue (editable in the admin site)."""

from django.db import migrations

from communes.catalogue import seed_training_modules


def seed(apps, schema_editor):
    seed_training_modules(
        apps.get_model("trainings", "TrainingModule"), apps.get_model("communes", "Service")
    )


class Migration(migrations.Migration):
    dependencies = [("trainings", "0001_initial"), ("communes", "0003_seed_services")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""The syndicat mixte's services, as Mégalis Bretagne offers them (editable in the admin site)."""

from django.db import migrations

from communes.catalogue import seed_services


def seed(apps, schema_editor):
    seed_services(apps.get_model("communes", "Service"))


class Migration(migrations.Migration):
    dependencies = [("communes", "0002_service")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

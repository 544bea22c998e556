from django.db import migrations, models

from communes.text import fold


def backfill(apps, schema_editor):
    Commune = apps.get_model("communes", "Commune")
    communes = list(Commune.objects.only("pk", "name"))
    for commune in communes:
        commune.search_name = fold(commune.name)
    Commune.objects.bulk_update(communes, ["search_name"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("communes", "0003_seed_services")]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="search_name",
            field=models.CharField(
                db_index=True,
                default="",
                editable=False,
                help_text="Le nom sans accents ni traits d'union, en minuscules : recherche et tri.",
                max_length=200,
                verbose_name="nom pour la recherche",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="commune",
            options={
                "ordering": ["search_name", "insee_code"],
                "verbose_name": "commune",
                "verbose_name_plural": "communes",
            },
        ),
        migrations.RemoveIndex(model_name="commune", name="communes_co_epci_id_e38105_idx"),
        migrations.AddIndex(
            model_name="commune",
            index=models.Index(fields=["epci", "search_name"], name="communes_co_epci_id_88e418_idx"),
        ),
    ]

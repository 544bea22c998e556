"""A random survey key per enrolment; the existing enrolments get theirs in a data step.

Survey links signed over an enrolment's id (before this migration) stop working: they were
forgeable by counting ids.
"""

import uuid

from django.db import migrations, models


def give_every_enrolment_a_key(apps, schema_editor):
    Enrolment = apps.get_model("trainings", "Enrolment")
    batch = []
    for enrolment in Enrolment.objects.filter(survey_key__isnull=True).only("pk").iterator():
        enrolment.survey_key = uuid.uuid4()
        batch.append(enrolment)
        if len(batch) == 500:
            Enrolment.objects.bulk_update(batch, ["survey_key"])
            batch = []
    Enrolment.objects.bulk_update(batch, ["survey_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("trainings", "0005_historicaltrainingmodule_historicaltrainingsession"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="survey_key",
            field=models.UUIDField(editable=False, null=True, verbose_name="clé du questionnaire"),
        ),
        migrations.RunPython(give_every_enrolment_a_key, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="enrolment",
            name="survey_key",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="clé du questionnaire"
            ),
        ),
    ]

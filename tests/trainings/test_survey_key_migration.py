"""The migration that gives every enrolment its random survey key (trainings 0006) keys the
enrolments that existed before it, each with its own key: their survey links keep working,
signed over the new key, and none can be guessed from another."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("trainings", "0005_historicaltrainingmodule_historicaltrainingsession")]
AFTER = [("trainings", "0006_enrolment_survey_key")]


@pytest.fixture
def before_the_migration(transactional_db):
    """The schema as it was before trainings 0006; the latest schema again afterwards, whatever
    the test did."""
    MigrationExecutor(connection).migrate(BEFORE)
    executor = MigrationExecutor(connection)  # what is applied now: BEFORE and the others
    yield executor.loader.project_state(list(executor.loader.applied_migrations)).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_gives_each_existing_enrolment_its_own_key(before_the_migration):
    old = before_the_migration
    epci = old.get_model("communes", "Epci").objects.create(siren="200069391", name="LTM")
    commune = old.get_model("communes", "Commune").objects.create(
        insee_code="22093", name="Lamballe-Armor", epci=epci, population=17000
    )
    referent = old.get_model("accounts", "User").objects.create(
        username="referent", role="referent", epci=epci
    )
    now = timezone.now()
    session = old.get_model("trainings", "TrainingSession").objects.create(
        epci=epci,
        module=old.get_model("trainings", "TrainingModule").objects.order_by("pk").first(),
        starts_at=now + timedelta(days=7),
        ends_at=now + timedelta(days=7, hours=3),
        trainer_name="Formateur",
        capacity=600,
        registration_deadline=(now + timedelta(days=5)).date(),
        created_by=referent,
    )
    Contact = old.get_model("communes", "Contact")
    Enrolment = old.get_model("trainings", "Enrolment")
    for number in range(501):  # more than one batch of the data step
        contact = Contact.objects.create(
            epci=epci, first_name="Agent", last_name=f"n°{number}", function="secretaire"
        )
        Enrolment.objects.create(session=session, contact=contact, commune=commune, queued_at=now)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    keys = list(
        executor.loader.project_state(AFTER)
        .apps.get_model("trainings", "Enrolment")
        .objects.values_list("survey_key", flat=True)
    )
    assert len(keys) == 501
    assert None not in keys
    assert len(set(keys)) == 501

"""Factories of the trainings app (sessions, enrolments), on top of tests/factories.py."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tests.factories import ReferentFactory
from trainings.models import TrainingModule, TrainingSession


def module(code="m2-actes") -> TrainingModule:
    """One of the four seeded modules (tests/conftest.py re-seeds them)."""
    return TrainingModule.objects.get(code=code)


class TrainingSessionFactory(DjangoModelFactory):
    """An open session of the referent's EPCI, in a fortnight, deadline a week before."""

    class Meta:
        model = TrainingSession

    created_by = factory.SubFactory(ReferentFactory)
    epci = factory.LazyAttribute(lambda s: s.created_by.epci)
    module = factory.LazyFunction(module)
    starts_at = factory.LazyFunction(
        lambda: timezone.localtime(timezone.now() + timedelta(days=14)).replace(
            hour=9, minute=30, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=3))
    venue = TrainingSession.Venue.EPCI
    place = "Salle du conseil communautaire"
    trainer_name = "Claire Le Goff"
    capacity = 2
    registration_deadline = factory.LazyAttribute(
        lambda s: timezone.localdate(s.starts_at) - timedelta(days=7)
    )
    status = TrainingSession.Status.OPEN

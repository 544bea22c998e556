"""Factories of the meetings app (meetings, invitations), on top of tests/factories.py."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from meetings.models import Invitation, Meeting
from tests.factories import ReferentFactory


class MeetingFactory(DjangoModelFactory):
    class Meta:
        model = Meeting

    created_by = factory.SubFactory(ReferentFactory)
    epci = factory.LazyAttribute(lambda m: m.created_by.epci)
    title = factory.Sequence(lambda n: f"Réunion d'information n° {n}")
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=14)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + timedelta(hours=2))
    place = "Salle du conseil communautaire"
    status = Meeting.Status.SCHEDULED


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = Invitation

    meeting = factory.SubFactory(MeetingFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"invite{n}@mairie.example.org")

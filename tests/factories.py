"""factory_boy factories: French fake names, deterministic when seeded."""

import factory
from factory.django import DjangoModelFactory

from communes.models import Commune, Contact, Epci
from referent_portal.accounts.models import User

factory.Faker._DEFAULT_LOCALE = "fr_FR"


class EpciFactory(DjangoModelFactory):
    class Meta:
        model = Epci
        django_get_or_create = ("siren",)

    siren = factory.Sequence(lambda n: f"2{n:08d}")
    name = factory.Sequence(lambda n: f"CC de Test {n}")
    kind = Epci.Kind.CC
    population = 20000


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    insee_code = factory.Sequence(lambda n: f"9{n:04d}")
    siren = factory.Sequence(lambda n: f"21{n:07d}")
    name = factory.Faker("city")
    population = 1200
    postal_codes = factory.LazyFunction(lambda: ["22400"])
    departement = "22"
    region = "53"
    epci = factory.SubFactory(EpciFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = User.Role.AGENT
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-42")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ReferentFactory(UserFactory):
    role = User.Role.REFERENT
    epci = factory.SubFactory(EpciFactory)


class SyndicatFactory(UserFactory):
    role = User.Role.SYNDICAT
    is_staff = True


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    epci = factory.SubFactory(EpciFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    function = Contact.Function.SECRETAIRE
    email = factory.Sequence(lambda n: f"contact{n}@mairie.example.org")
    phone = "02 96 00 00 00"

    @factory.post_generation
    def communes(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.communes.set(extracted)


def agent_of(*communes, **kwargs) -> User:
    """An agent user with a contact record serving the given communes."""
    user = UserFactory(role=User.Role.AGENT, epci=communes[0].epci, **kwargs)
    ContactFactory(
        epci=communes[0].epci,
        user=user,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        communes=list(communes),
    )
    return user


def request_of(agent: User, commune=None, **fields):
    """A request submitted through the service, as an agent would (reference, e-mails, rules)."""
    from requests_relay.services import request_submit

    defaults = {
        "category": "setup",
        "subject": "Paramétrage du parapheur",
        "description": "Nous n'arrivons pas à ajouter un second signataire au circuit.",
    }
    commune = commune or agent.contact.communes.first()
    return request_submit(user=agent, commune=commune, **{**defaults, **fields})

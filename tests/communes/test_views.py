"""The referent's pages on the territory: what each role sees, and what it must never see."""

import pytest
from django.urls import reverse

from communes.models import Contact
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("communes:list")


def detail_url(commune):
    return reverse("communes:detail", args=[commune.insee_code])


@pytest.fixture
def epci():
    return EpciFactory(name="Lamballe Terre et Mer")


@pytest.fixture
def referent(epci):
    return ReferentFactory(epci=epci, first_name="Claire", last_name="Le Goff")


def names_on_page(response):
    return [commune.name for commune in response.context["communes"]]


# -- list ---------------------------------------------------------------------------------------


def test_the_referent_sees_the_communes_of_their_epci_with_their_contact_counts(client, referent):
    lamballe = CommuneFactory(epci=referent.epci, name="Lamballe-Armor", insee_code="22093")
    CommuneFactory(epci=referent.epci, name="Hénon", insee_code="22076")
    ContactFactory.create_batch(2, epci=referent.epci, communes=[lamballe])
    ContactFactory(epci=referent.epci, communes=[lamballe], is_active=False)
    CommuneFactory(name="Quimper", insee_code="29232")  # another EPCI
    client.force_login(referent)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert names_on_page(response) == ["Hénon", "Lamballe-Armor"]
    counts = {c.name: c.contact_count for c in response.context["communes"]}
    assert counts == {"Hénon": 0, "Lamballe-Armor": 2}
    body = response.content.decode()
    assert "Quimper" not in body
    assert "Lamballe Terre et Mer" in body  # the header names the EPCI
    assert "Claire Le Goff" in body  # ... and the user
    assert reverse("communes:detail", args=["22093"]) in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lamb", ["Lamballe-Armor"]),
        ("saint brieuc", ["Saint-Brieuc"]),
        ("SAINT-BRIEUC", ["Saint-Brieuc"]),
        ("henon", ["Hénon"]),  # accents are optional
        ("HÉNON", ["Hénon"]),
        ("22093", ["Lamballe-Armor"]),  # INSEE code
        ("22000", ["Saint-Brieuc"]),  # postal code
        ("2240", ["Hénon", "Lamballe-Armor"]),  # postal code prefix
        ("zzz", []),
    ],
)
def test_the_referent_searches_by_name_insee_code_or_postal_code(client, referent, query, expected):
    CommuneFactory(
        epci=referent.epci, name="Lamballe-Armor", insee_code="22093", postal_codes=["22400"]
    )
    CommuneFactory(epci=referent.epci, name="Hénon", insee_code="22076", postal_codes=["22400"])
    CommuneFactory(
        epci=referent.epci, name="Saint-Brieuc", insee_code="22278", postal_codes=["22000"]
    )
    client.force_login(referent)

    response = client.get(LIST_URL, {"q": query})

    assert names_on_page(response) == expected
    assert response.context["form"]["q"].value() == query  # what was typed stays in the box


def test_a_search_with_no_result_says_so_and_offers_the_full_list(client, referent):
    CommuneFactory(epci=referent.epci, name="Hénon")
    client.force_login(referent)

    body = client.get(LIST_URL, {"q": "introuvable"}).content.decode()

    assert "Aucune commune ne correspond à ces critères." in body


def test_the_referent_filters_by_population_band_and_by_communes_without_contact(client, referent):
    small = CommuneFactory(epci=referent.epci, name="Trédaniel", population=480)
    CommuneFactory(epci=referent.epci, name="Hénon", population=2200)
    town = CommuneFactory(epci=referent.epci, name="Lamballe-Armor", population=17000)
    ContactFactory(epci=referent.epci, communes=[small])
    client.force_login(referent)

    assert names_on_page(client.get(LIST_URL, {"population": "lt500"})) == ["Trédaniel"]
    assert names_on_page(client.get(LIST_URL, {"population": "2000-9999"})) == ["Hénon"]
    assert names_on_page(client.get(LIST_URL, {"population": "gte10000"})) == [town.name]
    assert names_on_page(client.get(LIST_URL, {"contacts": "none"})) == ["Hénon", town.name]
    assert names_on_page(client.get(LIST_URL, {"contacts": "some"})) == ["Trédaniel"]
    both = client.get(LIST_URL, {"contacts": "none", "population": "gte10000"})
    assert names_on_page(both) == [town.name]


def test_an_invalid_filter_is_reported_and_ignored_not_a_server_error(client, referent):
    CommuneFactory(epci=referent.epci, name="Hénon")
    client.force_login(referent)

    response = client.get(LIST_URL, {"population": "énorme", "sort": "drop table"})

    assert response.status_code == 200
    assert names_on_page(response) == ["Hénon"]
    assert "population" in response.context["form"].errors


def test_the_list_sorts_by_name_or_population_both_ways(client, referent):
    CommuneFactory(epci=referent.epci, name="Bréhand", population=1600)
    CommuneFactory(epci=referent.epci, name="Andel", population=1100)
    CommuneFactory(epci=referent.epci, name="Coëtmieux", population=1900)
    client.force_login(referent)

    assert names_on_page(client.get(LIST_URL)) == ["Andel", "Bréhand", "Coëtmieux"]
    assert names_on_page(client.get(LIST_URL, {"sort": "-name"})) == [
        "Coëtmieux",
        "Bréhand",
        "Andel",
    ]
    assert names_on_page(client.get(LIST_URL, {"sort": "population"})) == [
        "Andel",
        "Bréhand",
        "Coëtmieux",
    ]
    response = client.get(LIST_URL, {"sort": "-population", "q": "e"})
    assert names_on_page(response) == ["Coëtmieux", "Bréhand", "Andel"]
    body = response.content.decode()
    assert 'aria-sort="descending"' in body
    # The column headers keep the search and flip the order of the sorted column.
    assert "?q=e&amp;sort=population" in body


def test_the_list_is_paginated_by_25_and_pages_keep_the_filters(client, referent):
    for n in range(30):
        CommuneFactory(epci=referent.epci, name=f"Commune {n:02d}", postal_codes=["22400"])
    client.force_login(referent)

    first = client.get(LIST_URL, {"q": "commune"})
    second = client.get(LIST_URL, {"q": "commune", "page": 2})

    assert len(first.context["communes"]) == 25
    assert names_on_page(second) == [f"Commune {n}" for n in range(25, 30)]
    assert "?q=commune&amp;page=2" in first.content.decode()
    assert "30 communes" in first.content.decode()
    # A page number out of range shows the last page rather than an error.
    assert client.get(LIST_URL, {"page": 99}).context["page_obj"].number == 2


@pytest.mark.parametrize("count", [10, 60])
def test_the_list_takes_the_same_number_of_queries_whatever_the_number_of_communes(
    client, referent, django_assert_num_queries, count
):
    for commune in CommuneFactory.create_batch(count, epci=referent.epci):
        ContactFactory.create_batch(2, epci=referent.epci, communes=[commune])
    client.force_login(referent)

    # session, user, user's EPCI (header), count, one page of communes with their counts
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert len(response.context["communes"]) == min(count, 25)


def test_an_agent_opening_the_list_is_sent_to_their_own_space(client):
    agent = agent_of(CommuneFactory())
    client.force_login(agent)

    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response.url == reverse("dashboard:agent_home")


def test_the_syndicat_mixte_sees_the_communes_of_every_epci_with_their_epci(client):
    CommuneFactory(name="Hénon", epci=EpciFactory(name="Lamballe Terre et Mer"))
    CommuneFactory(name="Quimper", epci=EpciFactory(name="Quimper Bretagne Occidentale"))
    client.force_login(SyndicatFactory())

    response = client.get(LIST_URL)

    assert names_on_page(response) == ["Hénon", "Quimper"]
    assert "Quimper Bretagne Occidentale" in response.content.decode()


# -- detail -------------------------------------------------------------------------------------


def test_a_commune_page_shows_its_identity_and_its_contacts_grouped(client, referent):
    commune = CommuneFactory(
        epci=referent.epci,
        name="Lamballe-Armor",
        insee_code="22093",
        siren="212200935",
        population=17166,
        postal_codes=["22400", "22120"],
    )
    ContactFactory(
        epci=referent.epci,
        communes=[commune],
        first_name="Thierry",
        last_name="Andrieux",
        function=Contact.Function.MAIRE,
        email="maire@lamballe-armor.example",
        phone="02 96 50 13 50",
    )
    ContactFactory(
        epci=referent.epci,
        communes=[commune],
        first_name="Anne",
        last_name="Rault",
        function=Contact.Function.SECRETAIRE,
    )
    ContactFactory(epci=referent.epci, communes=[commune], last_name="Parti", is_active=False)
    client.force_login(referent)

    response = client.get(detail_url(commune))

    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Lamballe-Armor", "22093", "212200935", "22400, 22120", referent.epci.name):
        assert text in body
    assert "17\xa0166" in body or "17 166" in body or "17,166" in body
    assert [c.last_name for c in response.context["elected"]] == ["Andrieux"]
    assert [c.last_name for c in response.context["staff"]] == ["Rault"]
    assert 'href="mailto:maire@lamballe-armor.example"' in body
    assert 'href="tel:0296501350"' in body
    assert "Maire" in body and "Secrétaire de mairie" in body
    assert "Parti" not in body


def test_a_commune_without_contacts_says_so(client, referent):
    commune = CommuneFactory(epci=referent.epci)
    client.force_login(referent)

    body = client.get(detail_url(commune)).content.decode()

    assert "Aucun contact n'est enregistré pour cette commune." in body


def test_an_unknown_insee_code_is_a_404(client, referent):
    client.force_login(referent)
    assert client.get(reverse("communes:detail", args=["99999"])).status_code == 404


# -- scoping ------------------------------------------------------------------------------------


def test_a_referent_of_one_epci_gets_a_404_for_a_commune_of_another_epci(client, referent):
    elsewhere = CommuneFactory(name="Quimper", insee_code="29232")
    ContactFactory(epci=elsewhere.epci, communes=[elsewhere], last_name="Secretdefonction")
    client.force_login(referent)

    response = client.get(detail_url(elsewhere))

    assert response.status_code == 404
    assert b"Secretdefonction" not in response.content
    assert names_on_page(client.get(LIST_URL, {"q": "Quimper"})) == []


def test_an_agent_opens_the_page_of_their_commune_but_a_404_for_any_other(client):
    theirs = CommuneFactory(name="Hénon")
    neighbour = CommuneFactory(name="Andel", epci=theirs.epci)
    ContactFactory(epci=theirs.epci, communes=[theirs], last_name="Collègue")
    ContactFactory(epci=theirs.epci, communes=[neighbour], last_name="Voisine")
    client.force_login(agent_of(theirs))

    mine = client.get(detail_url(theirs))
    other = client.get(detail_url(neighbour))

    assert mine.status_code == 200
    assert "Collègue" in mine.content.decode()
    assert "Voisine" not in mine.content.decode()
    assert other.status_code == 404
    assert b"Voisine" not in other.content


def test_an_agent_who_is_no_longer_an_active_contact_loses_access(client):
    commune = CommuneFactory()
    agent = agent_of(commune)
    Contact.objects.filter(user=agent).update(is_active=False)
    client.force_login(agent)

    assert client.get(detail_url(commune)).status_code == 404


@pytest.mark.parametrize("url_name", ["communes:list", "communes:detail"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url_name):
    commune = CommuneFactory()
    url = reverse(url_name, args=[commune.insee_code] if url_name == "communes:detail" else [])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert "next=" in response.url

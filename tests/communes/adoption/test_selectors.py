"""The matrix communes × services: its rows, its counts, its filters, and its cost."""

import pytest

from communes.adoption.models import Adoption
from communes.adoption.selectors import (
    MatrixFilter,
    adoption_history,
    adoption_matrix,
    agent_adoptions,
    commune_adoptions,
)
from communes.adoption.services import adoption_set_status
from communes.models import Service
from tests.factories import CommuneFactory, agent_of

pytestmark = pytest.mark.django_db

Status = Adoption.Status


def statuses(matrix, service_code):
    """{commune name: status} of one column."""
    index = [s.code for s in matrix.services].index(service_code)
    return {row.commune.name: row.cells[index].status for row in matrix.rows}


def test_the_matrix_lists_the_epcis_communes_by_name_against_the_active_services(
    epci, referent, henon, brehand, quimper, parapheur
):
    CommuneFactory(epci=epci, name="Éréac", insee_code="22054")
    archived = Service.objects.create(code="fax", name="Télécopie", is_active=False)
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)

    matrix = adoption_matrix(epci=epci)

    # French order: Éréac between Bréhand and Hénon, not after them.
    assert [row.commune.name for row in matrix.rows] == ["Bréhand", "Éréac", "Hénon"]
    assert archived not in matrix.services
    assert [s.code for s in matrix.services] == [
        "marches",
        "actes",
        "helios",
        "parapheur",
        "archivage",
        "echanges",
        "publication",
    ]
    assert statuses(matrix, "parapheur") == {
        "Bréhand": Status.NOT_ADOPTED,
        "Éréac": Status.NOT_ADOPTED,
        "Hénon": Status.ACTIVE,
    }
    assert set(statuses(matrix, "actes").values()) == {Status.NOT_ADOPTED}


def test_each_column_counts_the_communes_in_each_status(
    epci, referent, henon, brehand, parapheur, actes
):
    third = CommuneFactory(epci=epci, name="Trédaniel", insee_code="22343")
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    adoption_set_status(commune=brehand, service=parapheur, status=Status.ACTIVE, by=referent)
    adoption_set_status(commune=third, service=actes, status=Status.INTERESTED, by=referent)
    # A row back to « non adhérente » counts as not adopted.
    adoption_set_status(commune=third, service=parapheur, status=Status.INTERESTED, by=referent)
    adoption_set_status(commune=third, service=parapheur, status=Status.NOT_ADOPTED, by=referent)

    matrix = adoption_matrix(epci=epci)
    columns = {column.service.code: column for column in matrix.columns}

    assert columns["parapheur"].count_of(Status.ACTIVE) == 2
    assert columns["parapheur"].count_of(Status.NOT_ADOPTED) == 1
    assert columns["actes"].count_of(Status.INTERESTED) == 1
    assert columns["actes"].count_of(Status.NOT_ADOPTED) == 2
    assert [(c.status, c.count) for c in columns["parapheur"].nonzero_counts] == [
        (Status.NOT_ADOPTED, 1),
        (Status.ACTIVE, 2),
    ]


@pytest.mark.parametrize("commune_count", [5, 40])
def test_the_matrix_costs_three_queries_whatever_the_number_of_communes(
    django_assert_num_queries, epci, referent, commune_count
):
    services = list(Service.objects.filter(is_active=True))
    communes = CommuneFactory.create_batch(commune_count, epci=epci)
    for index, commune in enumerate(communes):
        adoption_set_status(
            commune=commune,
            service=services[index % len(services)],
            status=Status.values[1 + index % 5],
            by=referent,
        )

    with django_assert_num_queries(3):
        matrix = adoption_matrix(epci=epci)
        rendered = [(row.commune.name, [c.label for c in row.cells]) for row in matrix.rows]
        counts = [c.nonzero_counts for c in matrix.columns]

    assert len(rendered) == commune_count
    assert sum(c.count for c in counts[0]) == commune_count


def test_the_matrix_costs_three_queries_with_every_filter_too(
    django_assert_num_queries, epci, referent, henon, parapheur
):
    CommuneFactory.create_batch(10, epci=epci)
    criteria = MatrixFilter(q="h", service=parapheur, status=Status.NOT_ADOPTED, without_any=True)

    with django_assert_num_queries(3):
        adoption_matrix(epci=epci, communes_filter=criteria)


def test_filter_by_name_or_insee_code_folds_accents(epci, henon, brehand):
    assert [
        r.commune.name
        for r in adoption_matrix(epci=epci, communes_filter=MatrixFilter(q="HENON")).rows
    ] == ["Hénon"]
    assert [
        r.commune.name
        for r in adoption_matrix(epci=epci, communes_filter=MatrixFilter(q="22020")).rows
    ] == ["Bréhand"]


def test_filter_by_status_for_a_service(epci, referent, henon, brehand, parapheur, actes):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    adoption_set_status(commune=brehand, service=actes, status=Status.ACTIVE, by=referent)

    def names(**criteria):
        matrix = adoption_matrix(epci=epci, communes_filter=MatrixFilter(**criteria))
        return [row.commune.name for row in matrix.rows]

    assert names(service=parapheur, status=Status.ACTIVE) == ["Hénon"]
    assert names(service=parapheur, status=Status.NOT_ADOPTED) == ["Bréhand"]
    assert names(service=parapheur, status=Status.STOPPED) == []
    # A status without a service filters nothing (the form asks for the service).
    assert names(status=Status.ACTIVE) == ["Bréhand", "Hénon"]


def test_filter_without_any_membership_keeps_communes_that_only_showed_interest(
    epci, referent, henon, brehand, parapheur, actes
):
    trebry = CommuneFactory(epci=epci, name="Trébry", insee_code="22345")
    adoption_set_status(commune=henon, service=parapheur, status=Status.CHARTER_SIGNED, by=referent)
    adoption_set_status(commune=brehand, service=actes, status=Status.INTERESTED, by=referent)
    adoption_set_status(commune=trebry, service=actes, status=Status.ACTIVE, by=referent)
    adoption_set_status(commune=trebry, service=actes, status=Status.STOPPED, by=referent)

    matrix = adoption_matrix(epci=epci, communes_filter=MatrixFilter(without_any=True))

    assert [row.commune.name for row in matrix.rows] == ["Bréhand", "Trébry"]


def test_the_matrix_never_shows_another_epcis_commune(epci, henon, quimper):
    assert [row.commune for row in adoption_matrix(epci=epci).rows] == [henon]


def test_the_history_of_a_cell_newest_first_with_its_author(referent, henon, brehand, parapheur):
    adoption_set_status(commune=henon, service=parapheur, status=Status.INTERESTED, by=referent)
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    adoption_set_status(commune=brehand, service=parapheur, status=Status.ACTIVE, by=referent)

    history = list(adoption_history(commune=henon, service=parapheur))

    assert [e.to_status for e in history] == [Status.ACTIVE, Status.INTERESTED]
    assert history[0].changed_by == referent


def test_a_commune_page_lists_every_offered_service_and_a_withdrawn_one_it_still_uses(
    referent, henon, parapheur
):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    parapheur.is_active = False
    parapheur.save()

    cells = commune_adoptions(commune=henon)

    assert {c.service.code: c.status for c in cells}["parapheur"] == Status.ACTIVE
    assert len(cells) == Service.objects.count()


def test_an_agent_sees_the_services_of_their_communes_only(
    referent, henon, brehand, quimper, parapheur
):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    agent = agent_of(henon)

    rows = agent_adoptions(user=agent)

    assert [row.commune for row in rows] == [henon]
    assert {c.service.code: c.label for c in rows[0].cells}["parapheur"] == "Active"

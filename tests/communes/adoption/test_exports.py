"""The matrix exported as CSV (Excel in French) and as a spreadsheet, with the page's criteria."""

import csv
import io

import pytest
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from communes.adoption.models import Adoption
from communes.adoption.services import adoption_set_status
from tests.factories import CommuneFactory, SyndicatFactory, agent_of

pytestmark = pytest.mark.django_db

Status = Adoption.Status
EXPORT_URL = reverse("communes:adoption_export")
SERVICE_NAMES = [
    "Salle régionale des marchés publics",
    "Télétransmission des actes au contrôle de légalité",
    "Flux comptables dématérialisés (Hélios / PES)",
    "Parapheur et signature électronique",
    "Archivage électronique",
    "Échanges sécurisés de fichiers",
    "Publication des actes",
]


@pytest.fixture
def territory(referent, henon, brehand, quimper, parapheur, actes):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    adoption_set_status(commune=brehand, service=actes, status=Status.INTERESTED, by=referent)


def read_csv(response):
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


@freeze_time("2026-03-14 09:00:00")
def test_the_csv_export_is_semicolon_separated_utf8_with_a_bom(client, referent, territory):
    client.force_login(referent)

    response = client.get(EXPORT_URL, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="adhesions-lamballe-terre-et-mer-2026-03-14.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == ["Commune", "Code INSEE", *SERVICE_NAMES]
    assert rows[1] == ["Bréhand", "22020", "Non adhérente", "Intéressée", *["Non adhérente"] * 5]
    assert rows[2] == [
        "Hénon",
        "22076",
        "Non adhérente",
        "Non adhérente",
        "Non adhérente",
        "Active",
        "Non adhérente",
        "Non adhérente",
        "Non adhérente",
    ]
    assert len(rows) == 3  # Quimper is another EPCI's


def test_the_csv_export_applies_the_pages_criteria(client, referent, territory):
    client.force_login(referent)

    response = client.get(
        EXPORT_URL, {"format": "csv", "service": "parapheur", "status": "not_adopted"}
    )

    assert [row[0] for row in read_csv(response)[1:]] == ["Bréhand"]


def test_a_name_that_looks_like_a_formula_is_written_as_text(client, referent, epci):
    CommuneFactory(epci=epci, name="=HYPERLINK(1)", insee_code="22999")
    client.force_login(referent)

    rows = read_csv(client.get(EXPORT_URL, {"format": "csv"}))

    assert rows[1][0] == "'=HYPERLINK(1)"


@freeze_time("2026-03-14 09:00:00")
def test_the_spreadsheet_has_a_bold_frozen_header_and_readable_columns(client, referent, territory):
    client.force_login(referent)

    response = client.get(EXPORT_URL, {"format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="adhesions-lamballe-terre-et-mer-2026-03-14.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Adhésions"
    assert [c.value for c in sheet[1]] == ["Commune", "Code INSEE", *SERVICE_NAMES]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "C2"
    assert [c.value for c in sheet[2]][:4] == ["Bréhand", "22020", "Non adhérente", "Intéressée"]
    assert sheet["A3"].value == "Hénon"
    assert sheet["F3"].value == "Active"
    assert sheet.max_row == 3
    assert sheet.column_dimensions["A"].width >= len("Commune")
    assert sheet.column_dimensions["D"].width >= 30  # « Télétransmission des actes… »


def test_an_unknown_format_is_a_bad_request(client, referent, territory):
    client.force_login(referent)

    response = client.get(EXPORT_URL, {"format": "pdf"})

    assert response.status_code == 400


def test_an_agent_cannot_export(client, henon):
    client.force_login(agent_of(henon))

    assert client.get(EXPORT_URL, {"format": "csv"}).status_code == 403


def test_a_referent_exports_their_epci_whatever_the_query_says(
    client, referent, territory, quimper
):
    client.force_login(referent)

    rows = read_csv(client.get(EXPORT_URL, {"format": "csv", "epci": quimper.epci.siren}))

    assert [row[0] for row in rows[1:]] == ["Bréhand", "Hénon"]


def test_the_syndicat_mixte_exports_the_epci_it_picked(client, territory, quimper):
    client.force_login(SyndicatFactory())

    assert client.get(EXPORT_URL, {"format": "csv"}).status_code == 302
    rows = read_csv(client.get(EXPORT_URL, {"format": "csv", "epci": quimper.epci.siren}))
    assert [row[0] for row in rows[1:]] == ["Quimper"]

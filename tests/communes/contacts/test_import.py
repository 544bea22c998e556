"""Importing contacts from a file: reading it, the preview of each row, and the import itself —
whole or not at all."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from communes.contacts import resources
from communes.contacts.services import (
    Outcome,
    contacts_export,
    contacts_import,
    contacts_import_error_report,
    contacts_import_preview,
)
from communes.models import Contact, TimelineEntry
from tests.factories import CommuneFactory, ContactFactory, EpciFactory

from .utils import HEADER, csv_file, read

pytestmark = pytest.mark.django_db


def outcomes(preview):
    return [(row.line, row.outcome) for row in preview.rows]


# --- reading the file -----------------------------------------------------------------------


def test_a_french_spreadsheet_csv_is_read_with_its_lines_numbered_as_in_the_spreadsheet():
    content = (
        "\ufeffNom;Prénom;Fonction;E-mail;Téléphone;Communes;Langue;Remarque\r\n"
        "Rault;Anne;Secrétaire de mairie;anne@henon.example;;22076;fr;\r\n"
        ";;;;;;;\r\n"
        "Hamon;Marc;Maire;;;;;élu en 2026\r\n"
    ).encode()
    data = read(content)
    assert data["columns"] == list(resources.COLUMNS)
    assert data["ignored"] == ["Remarque"]
    assert [line for line, _values, _overflow in data["rows"]] == [2, 4]
    assert data["rows"][0][1]["prénom"] == "Anne"


def test_a_windows_1252_csv_with_commas_is_read_too():
    content = "nom,prénom,fonction,e-mail\nLe Bihan,Hélène,Comptable,h@x.example\n".encode("cp1252")
    data = read(content)
    assert data["rows"] == [
        [
            2,
            {
                "nom": "Le Bihan",
                "prénom": "Hélène",
                "fonction": "Comptable",
                "e-mail": "h@x.example",
            },
            0,
        ]
    ]


def test_an_xlsx_file_is_read_numbers_as_text():
    workbook = Workbook()
    workbook.active.append(["nom", "prénom", "fonction", "e-mail", "communes"])
    workbook.active.append(["Rault", "Anne", "secretaire", "anne@henon.example", 22076])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = read(buffer.getvalue(), name="Contacts.XLSX")
    assert data["rows"][0][1]["communes"] == "22076"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("contacts.ods", b"x", "Format non pris en charge"),
        ("contacts.csv", b"", "Le fichier est vide."),
        ("contacts.csv", b"nom;prenom\nRault;Anne\n", "Colonnes manquantes : fonction, e-mail."),
        ("contacts.xlsx", b"not a zip", "Le classeur est illisible"),
        ("contacts.csv", b"x" * (resources.MAX_BYTES + 1), "Le fichier dépasse 1 Mo."),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_as_a_whole(name, content, message):
    with pytest.raises(ValidationError) as caught:
        read(content, name=name)
    assert message in " ".join(caught.value.messages)


def test_a_file_with_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(resources, "MAX_ROWS", 2)
    with pytest.raises(ValidationError, match="plus de 2 contacts"):
        read(csv_file(*(f"N{i};P;maire;n{i}@x.example;;;" for i in range(3))))


# --- the preview ----------------------------------------------------------------------------


def test_each_kind_of_row_error_is_explained_in_french(epci, henon, anne):
    CommuneFactory(epci=EpciFactory(), insee_code="29232", name="Quimper")
    data = read(
        csv_file(
            "Hamon;Marc;Cantonnier;marc@henon.example;;22076;",  # 2 unknown function
            "Morvan;Lise;Maire;lise@quimper.example;;29232;",  # 3 commune of another EPCI
            "Morvan;Paul;Maire;paul@x.example;;Brest;",  # 4 no such commune
            "Le Gall;Yves;Adjoint au maire;yves@;;22076;",  # 5 invalid e-mail
            "Even;Job;DGS;job@henon.example;;22076;",  # 6 duplicate e-mail (with 7)
            "Even;Jeanne;DGS;JOB@henon.example;;22076;",  # 7
            ";Sans nom;maire;sans.nom@x.example;;;",  # 8 missing name
            "Rault;Anne;Secrétaire de mairie;anne.rault@henon.example;;22076;klingon",  # 9
        )
    )

    preview = contacts_import_preview(epci=epci, data=data)

    assert all(row.outcome == Outcome.ERROR for row in preview.rows)
    errors = {row.line: " ".join(row.errors) for row in preview.rows}
    assert "Fonction inconnue : « Cantonnier »" in errors[2]
    assert "Secrétaire de mairie" in errors[2]  # the functions it could be
    assert "Commune 29232 : ce code INSEE n'est pas une commune de l'EPCI." in errors[3]
    assert "Commune « Brest » : pas une commune de l'EPCI." in errors[4]
    assert "Adresse e-mail invalide : « yves@ »." in errors[5]
    assert "Adresse e-mail en double dans le fichier (lignes 6, 7)." in errors[6]
    assert "Adresse e-mail en double dans le fichier (lignes 6, 7)." in errors[7]
    assert "nom : obligatoire." in errors[8]
    assert "Langue inconnue : « klingon »" in errors[9]
    assert preview.has_errors
    assert preview.counts == {"new": 0, "update": 0, "unchanged": 0, "error": 8}


def test_new_update_and_unchanged_rows(epci, henon, lamballe, anne, thierry):
    data = read(
        csv_file(
            # unchanged: the same values, written differently (label, case, name of commune)
            "Rault;Anne;SECRETAIRE DE MAIRIE;Anne.Rault@Henon.example;02 96 34 00 01;henon;",
            # update matched by e-mail: new phone, a second commune, English
            "Andrieux;Thierry;maire;maire@lamballe-armor.example;02 96 50 13 51;"
            '"22093 ; 22076";English',
            # new, a contact of the EPCI itself
            "Le Goff;Claire;Référent e-administration;claire@lamballe-terre-mer.example;;;",
        )
    )

    preview = contacts_import_preview(epci=epci, data=data)

    assert outcomes(preview) == [(2, "unchanged"), (3, "update"), (4, "new")]
    assert preview.rows[1].contact == thierry
    assert preview.rows[1].changes == ["téléphone", "communes", "langue"]
    assert preview.to_write == 2
    assert not preview.has_errors


def test_a_row_matches_by_e_mail_only_within_the_epci(epci, henon):
    elsewhere = ContactFactory(epci=EpciFactory(), email="anne.rault@henon.example")
    data = read(csv_file("Rault;Anne;secretaire;anne.rault@henon.example;;22076;"))
    preview = contacts_import_preview(epci=epci, data=data)
    assert outcomes(preview) == [(2, "new")]
    assert preview.rows[0].contact is None
    assert elsewhere.epci != epci


def test_a_row_without_e_mail_matches_the_contact_without_e_mail_of_that_name(epci, henon):
    mayor = ContactFactory(
        epci=epci,
        communes=[henon],
        first_name="Marc",
        last_name="Hamon",
        email="",
        function=Contact.Function.MAIRE,
        phone="",
    )
    data = read(csv_file("HAMON;Marc;Maire;;;Hénon;fr"))
    preview = contacts_import_preview(epci=epci, data=data)
    assert outcomes(preview) == [(2, "update")]  # found whatever the case, written as given
    assert preview.rows[0].contact == mayor
    assert preview.rows[0].changes == ["nom"]


def test_an_unquoted_list_of_communes_spills_over_and_is_an_error(epci, henon, lamballe):
    data = read(csv_file("Hamon;Marc;maire;marc@henon.example;;22093;22076;fr"))
    preview = contacts_import_preview(epci=epci, data=data)
    assert outcomes(preview) == [(2, "error")]
    assert "doit être entre guillemets" in preview.rows[0].errors[0]


def test_two_rows_of_the_same_person_without_e_mail_are_an_error(epci, henon):
    data = read(csv_file("Hamon;Marc;Maire;;;Hénon;", "Hamon;Marc;Adjoint au maire;;;Hénon;"))
    preview = contacts_import_preview(epci=epci, data=data)
    assert outcomes(preview) == [(2, "error"), (3, "error")]
    assert (
        "Contact sans e-mail en double dans le fichier (lignes 2, 3)" in preview.rows[0].errors[0]
    )


def test_an_inactive_contact_in_the_file_is_reactivated(epci, henon, anne):
    Contact.objects.filter(pk=anne.pk).update(is_active=False)
    data = read(csv_file("Rault;Anne;secretaire;anne.rault@henon.example;02 96 34 00 01;22076;fr"))
    preview = contacts_import_preview(epci=epci, data=data)
    assert outcomes(preview) == [(2, "update")]
    assert preview.rows[0].changes == ["réactivé"]


# --- the import -----------------------------------------------------------------------------


def test_the_import_creates_and_updates_in_one_go_and_records_it_on_the_timeline(
    epci, henon, lamballe, anne, thierry, referent
):
    data = read(
        csv_file(
            "Rault;Anne;Secrétaire de mairie;anne.rault@henon.example;02 96 34 00 01;22076;",
            "Andrieux;Thierry;maire;maire@lamballe-armor.example;02 96 50 13 51;22093;",
            "Hamon;Marc;Adjoint au maire;marc.hamon@henon.example;;22076;en",
        )
    )

    preview = contacts_import(epci=epci, data=data, by=referent)

    assert preview.counts == {"new": 1, "update": 1, "unchanged": 1, "error": 0}
    thierry.refresh_from_db()
    assert thierry.phone == "02 96 50 13 51"
    assert thierry.last_activity_at is not None  # the referent just confirmed his details
    marc = Contact.objects.get(email="marc.hamon@henon.example")
    assert (marc.epci, marc.function, marc.language) == (epci, "adjoint", "en")
    assert list(marc.communes.all()) == [henon]
    assert Contact.objects.filter(epci=epci).count() == 3
    titles = list(TimelineEntry.objects.order_by("pk").values_list("commune", "title", "detail"))
    assert titles == [
        (lamballe.pk, "Contact mis à jour par import : Thierry Andrieux", "Modifié : téléphone."),
        (henon.pk, "Contact ajouté par import : Marc Hamon (Adjoint au maire)", ""),
    ]


def test_nothing_is_saved_when_a_row_is_in_error(epci, henon, anne, referent):
    data = read(
        csv_file(
            "Rault;Anne;secretaire;anne.rault@henon.example;06 00 00 00 00;22076;",  # update
            "Hamon;Marc;maire;marc@henon.example;;22076;",  # new
            "Le Gall;Yves;Cantonnier;yves@henon.example;;22076;",  # error
        )
    )

    with pytest.raises(ValidationError, match="1 ligne du fichier est en erreur"):
        contacts_import(epci=epci, data=data, by=referent)

    anne.refresh_from_db()
    assert anne.phone == "02 96 34 00 01"
    assert not Contact.objects.filter(email="marc@henon.example").exists()
    assert not TimelineEntry.objects.exists()


def test_the_import_checks_the_rows_again_against_the_database_as_it_is_then(epci, henon, referent):
    data = read(csv_file("Hamon;Marc;maire;marc@henon.example;;22076;"))
    preview = contacts_import_preview(epci=epci, data=data)
    assert outcomes(preview) == [(2, "new")]
    henon.epci = EpciFactory()  # the commune left the EPCI since the preview
    henon.save()

    with pytest.raises(ValidationError):
        contacts_import(epci=epci, data=data, by=referent)
    assert not Contact.objects.exists()


def test_only_the_referent_of_the_epci_imports(epci, henon):
    from tests.factories import ReferentFactory, agent_of

    data = read(csv_file("Hamon;Marc;maire;marc@henon.example;;22076;"))
    for user in (ReferentFactory(epci=EpciFactory()), agent_of(henon)):
        with pytest.raises(ValidationError, match="Seul le référent"):
            contacts_import(epci=epci, data=data, by=user)
    assert not Contact.objects.filter(email="marc@henon.example").exists()


def test_the_error_report_lists_the_rows_in_error_with_their_messages(epci, henon):
    data = read(
        csv_file(
            "Hamon;Marc;maire;marc@henon.example;;22076;",
            "Le Gall;Yves;Cantonnier;yves@henon.example;;22076;",
        )
    )
    report = contacts_import_error_report(preview=contacts_import_preview(epci=epci, data=data))
    text = report.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == HEADER + ";ligne;erreurs"
    assert len(lines) == 2
    assert lines[1].startswith("Le Gall;Yves;Cantonnier;yves@henon.example;;22076;;3;")
    assert "Fonction inconnue" in lines[1]


# --- export, and the round trip -------------------------------------------------------------


@pytest.fixture
def territory(epci, henon, lamballe, anne, thierry):
    ContactFactory(
        epci=epci,
        communes=[henon, lamballe],
        first_name="Élodie",
        last_name='=HYPERLINK("http://evil.example")',  # a formula in a name
        function=Contact.Function.DELEGUE_NUMERIQUE,
        email="",
        phone="",
        language="en",
    )
    ContactFactory(
        epci=epci, first_name="Claire", last_name="Le Goff", function="referent", email="cl@x.fr"
    )
    ContactFactory(epci=EpciFactory(), first_name="Autre", last_name="EPCI", email="o@x.fr")
    anonymised = ContactFactory(epci=epci, email="", first_name="Contact", last_name="anonymisé")
    Contact.objects.filter(pk=anonymised.pk).update(anonymised_at="2026-01-01T00:00:00Z")


def test_the_csv_export_is_for_a_french_spreadsheet(epci, territory):
    content, content_type, filename = contacts_export(epci=epci, file_format="csv")
    assert content_type == "text/csv; charset=utf-8"
    assert filename.startswith("contacts-200069391-") and filename.endswith(".csv")
    assert content.startswith("\ufeff".encode())
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER
    assert "Andrieux;Thierry;Maire;maire@lamballe-armor.example;+33 2 96 50 13 50;22093;fr" in lines
    assert "'=HYPERLINK" in content.decode("utf-8-sig")  # not a formula for the spreadsheet
    assert "Autre" not in content.decode("utf-8-sig")  # another EPCI
    assert "anonymisé" not in content.decode("utf-8-sig")
    assert len(lines) == 5


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_file_imports_back_unchanged(epci, territory, referent, file_format):
    content, _type, filename = contacts_export(epci=epci, file_format=file_format)
    data = read(content, name=filename)

    preview = contacts_import_preview(epci=epci, data=data)

    assert {row.outcome for row in preview.rows} == {"unchanged"}, [
        (row.line, row.errors, row.changes) for row in preview.rows
    ]
    assert len(preview.rows) == 4
    contacts_import(epci=epci, data=data, by=referent)
    assert not TimelineEntry.objects.exists()


def test_the_xlsx_export_writes_text_never_formulas(epci, territory):
    content, content_type, _filename = contacts_export(epci=epci, file_format="xlsx")
    assert content_type == resources.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == list(resources.COLUMNS)
    formula_cells = [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formula_cells == []
    assert any(str(row[0]).startswith("=HYPERLINK") for row in values)


def test_an_unreadable_csv_is_explained_in_french_without_python_s_words():
    content = b"nom;prenom;fonction;e-mail\nRault;" + b"x" * 140_000 + b";maire;a@b.fr\n"
    with pytest.raises(ValidationError) as caught:
        read(content, name="contacts.csv")
    assert caught.value.messages == [
        "Le fichier CSV est illisible à la ligne 2 (une cellule trop longue ?) : "
        "enregistrez-le de nouveau depuis le tableur."
    ]

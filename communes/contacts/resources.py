"""The contacts file: its columns (a django-import-export Resource), and reading and writing it.

One file format for export and import, so that a file exported by the portal imports back as
« unchanged » row for row:

    nom ; prénom ; fonction ; e-mail ; téléphone ; communes ; langue

- « fonction »: the label (« Secrétaire de mairie », in French or English) or the code
  (« secretaire »), whatever the case and accents;
- « communes »: INSEE codes or names of communes of the EPCI, separated by « ; »; empty: a
  contact of the EPCI itself;
- « langue »: the code (fr, en) or the name (français, English…) of the language of the
  messages; empty: French.

The column headings are part of the file format, not of the interface: they stay French
whatever the user's language (English headings are accepted on import too).

CSV is written with « ; » (what a French spreadsheet expects) and a UTF-8 byte order mark
(so that Excel reads the accents); it is read in UTF-8 or Windows-1252, with « ; », « , » or
a tab. A cell that a spreadsheet would run as a formula is written with a leading « ' » (CSV)
or as plain text (XLSX), and that « ' » is removed again on import.
"""

import csv
import io
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from communes.models import Commune, Contact, Epci
from communes.text import fold

MAX_BYTES = 1024 * 1024
MAX_ROWS = 3000
EXTENSIONS = ("csv", "xlsx")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COMMUNE_SEPARATOR = ";"
INSEE_CODE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")

# Column headings (the file format) and the headings accepted for each on import.
LAST_NAME = "nom"
FIRST_NAME = "prénom"
FUNCTION = "fonction"
EMAIL = "e-mail"
PHONE = "téléphone"
COMMUNES = "communes"
LANGUAGE = "langue"
COLUMNS = (LAST_NAME, FIRST_NAME, FUNCTION, EMAIL, PHONE, COMMUNES, LANGUAGE)
REQUIRED_COLUMNS = (LAST_NAME, FIRST_NAME, FUNCTION, EMAIL)
ALIASES = {
    LAST_NAME: ("nom", "nom de famille", "last name", "last_name", "name"),
    FIRST_NAME: ("prenom", "first name", "first_name"),
    FUNCTION: ("fonction", "function", "role"),
    EMAIL: ("e mail", "email", "courriel", "adresse e mail", "mail"),
    PHONE: ("telephone", "tel", "phone"),
    COMMUNES: ("communes", "commune", "municipalities"),
    LANGUAGE: ("langue", "language"),
}
_HEADING = {alias: column for column, names in ALIASES.items() for alias in names}

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... but a phone number is not a formula: « +33 2 96 00 00 00 » stays as it is.
_PHONE_LIKE = re.compile(r"^[+-]?[0-9][0-9 .()/-]*$")


# --- widgets: one cell <-> one value --------------------------------------------------------
# clean() raises ValueError with a message for the person who fixes the file.


class TextWidget(widgets.CharWidget):
    def __init__(self, *, label, max_length: int, required: bool = False):
        super().__init__(allow_blank=True)
        self.label = label
        self.max_length = max_length
        self.required = required

    def clean(self, value, row=None, **kwargs) -> str:
        text = " ".join(str(value or "").split())
        if self.required and not text:
            raise ValueError(gettext("%(column)s : obligatoire.") % {"column": self.label})
        if len(text) > self.max_length:
            raise ValueError(
                gettext("%(column)s : %(max)s caractères au plus (%(length)s ici).")
                % {"column": self.label, "max": self.max_length, "length": len(text)}
            )
        return text


class EmailWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs) -> str:
        address = str(value or "").strip()
        if not address:
            return ""
        try:
            validate_email(address)
        except ValidationError:
            raise ValueError(
                gettext("Adresse e-mail invalide : « %(value)s ».") % {"value": address}
            ) from None
        if len(address) > Contact._meta.get_field("email").max_length:
            raise ValueError(
                gettext("Adresse e-mail trop longue : « %(value)s ».") % {"value": address}
            )
        return address


class FunctionWidget(widgets.Widget):
    """The label (French or English) or the code of a `Contact.Function`."""

    def __init__(self):
        super().__init__()
        self.lookup = {}
        for code, _label in Contact.Function.choices:
            self.lookup[fold(code)] = code
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    self.lookup[fold(str(Contact.Function(code).label))] = code

    def clean(self, value, row=None, **kwargs) -> str:
        text = str(value or "").strip()
        if not text:
            raise ValueError(gettext("fonction : obligatoire."))
        code = self.lookup.get(fold(text))
        if code is None:
            raise ValueError(
                gettext("Fonction inconnue : « %(value)s ». Fonctions possibles : %(choices)s.")
                % {
                    "value": text,
                    "choices": ", ".join(str(label) for label in Contact.Function.labels),
                }
            )
        return code

    def render(self, value, obj=None, **kwargs) -> str:
        return str(Contact.Function(value).label) if value else ""


class LanguageWidget(widgets.Widget):
    """The code (fr) or the name (français, French, Français) of a language of the portal."""

    def __init__(self):
        super().__init__()
        self.lookup = {}
        for code, name in settings.LANGUAGES:
            info = translation.get_language_info(code)
            for label in (code, name, info["name"], info["name_local"], info["name_translated"]):
                self.lookup[fold(str(label))] = code
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    self.lookup[fold(str(translation.gettext(info["name"])))] = code

    def clean(self, value, row=None, **kwargs) -> str:
        text = str(value or "").strip()
        if not text:
            return settings.LANGUAGE_CODE
        code = self.lookup.get(fold(text))
        if code is None:
            raise ValueError(
                gettext("Langue inconnue : « %(value)s ». Langues possibles : %(choices)s.")
                % {"value": text, "choices": ", ".join(code for code, _n in settings.LANGUAGES)}
            )
        return code

    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


class CommunesWidget(widgets.ManyToManyWidget):
    """Communes of one EPCI, by INSEE code or name, separated by « ; »."""

    def __init__(self, epci: Epci | None):
        super().__init__(Commune, separator=COMMUNE_SEPARATOR, field="insee_code")
        self.by_code = {}
        self.by_name = {}
        if epci is not None:
            for commune in Commune.objects.filter(epci=epci).only("pk", "insee_code", "name"):
                self.by_code[commune.insee_code] = commune
                self.by_name.setdefault(fold(commune.name), []).append(commune)

    def clean(self, value, row=None, **kwargs) -> list[Commune]:
        found = {}
        problems = []
        for item in str(value or "").split(COMMUNE_SEPARATOR):
            text = item.strip()
            if not text:
                continue
            if INSEE_CODE.match(text.upper()):
                commune = self.by_code.get(text.upper())
                if commune is None:
                    problems.append(
                        gettext(
                            "Commune %(value)s : ce code INSEE n'est pas une commune de l'EPCI."
                        )
                        % {"value": text}
                    )
                else:
                    found[commune.pk] = commune
                continue
            matches = self.by_name.get(fold(text), [])
            if not matches:
                problems.append(
                    gettext("Commune « %(value)s » : pas une commune de l'EPCI.") % {"value": text}
                )
            elif len(matches) > 1:
                problems.append(
                    gettext(
                        "Commune « %(value)s » : plusieurs communes de l'EPCI portent ce nom, "
                        "indiquez le code INSEE."
                    )
                    % {"value": text}
                )
            else:
                found[matches[0].pk] = matches[0]
        if problems:
            raise ValueError(" ".join(problems))
        return sorted(found.values(), key=lambda commune: commune.insee_code)

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None:
            return ""
        codes = sorted(commune.insee_code for commune in value.all())
        return f"{COMMUNE_SEPARATOR} ".join(codes)


# --- the resource ---------------------------------------------------------------------------


class ContactResource(resources.ModelResource):
    """The columns of the contacts file, for the contacts of one EPCI."""

    last_name = fields.Field(attribute="last_name", column_name=LAST_NAME)
    first_name = fields.Field(attribute="first_name", column_name=FIRST_NAME)
    function = fields.Field(attribute="function", column_name=FUNCTION)
    email = fields.Field(attribute="email", column_name=EMAIL)
    phone = fields.Field(attribute="phone", column_name=PHONE)
    communes = fields.Field(attribute="communes", column_name=COMMUNES)
    language = fields.Field(attribute="language", column_name=LANGUAGE)

    class Meta:
        model = Contact
        fields = ("last_name", "first_name", "function", "email", "phone", "communes", "language")
        export_order = fields
        import_id_fields = ("email",)

    def __init__(self, *, epci: Epci | None = None):
        super().__init__()
        self.epci = epci
        declared = self.fields
        declared["last_name"].widget = TextWidget(label=LAST_NAME, max_length=100, required=True)
        declared["first_name"].widget = TextWidget(label=FIRST_NAME, max_length=100, required=True)
        declared["function"].widget = FunctionWidget()
        declared["email"].widget = EmailWidget()
        declared["phone"].widget = TextWidget(label=PHONE, max_length=32)
        declared["communes"].widget = CommunesWidget(epci)
        declared["language"].widget = LanguageWidget()

    def clean_row(self, row: dict[str, str]) -> tuple[dict, list[str]]:
        """The values of a row's present columns, by attribute, and the messages of the cells
        that could not be read."""
        values, errors = {}, []
        for field in self.fields.values():
            if field.column_name not in row:
                continue
            try:
                values[field.attribute] = field.clean(row)
            except ValueError as exc:
                errors.append(str(exc))
        return values, errors

    def get_queryset(self):
        queryset = Contact.objects.filter(anonymised_at__isnull=True)
        if self.epci is not None:
            queryset = queryset.filter(epci=self.epci)
        return queryset.prefetch_related("communes").order_by("last_name", "first_name", "pk")


# --- files ----------------------------------------------------------------------------------


def _file_error(message, code="invalid_file", **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _unescape(value: str) -> str:
    if value.startswith("'") and value[1:2] and value[1] in _FORMULA_START:
        return value[1:]
    return value


def _escape(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


def _cell(value) -> str:
    """A spreadsheet cell as text: 22093.0 (a number) is « 22093 »."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _unescape(str(value).strip())


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(
        _("Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en UTF-8.")
    )


def _read_csv(content: bytes) -> list[list[str]]:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return [[_cell(value) for value in row] for row in reader]
    except csv.Error:  # its text is Python's, in English: the line is what helps
        raise _file_error(
            _(
                "Le fichier CSV est illisible à la ligne %(line)s (une cellule trop longue ?) : "
                "enregistrez-le de nouveau depuis le tableur."
            ),
            line=reader.line_num,
        ) from None


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike
        raise _file_error(
            _("Le classeur est illisible : enregistrez-le au format Excel (.xlsx).")
        ) from exc
    try:
        rows = []
        for row in workbook.active.iter_rows(values_only=True):
            rows.append([_cell(value) for value in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def read_contacts_file(*, name: str, content: bytes) -> dict:
    """Read an uploaded contacts file into plain data that can be kept in the session:
    {"filename", "columns": [...], "ignored": [...],
     "rows": [[line, {column: text}, number of cells beyond the headings], ...]}.

    Raises ValidationError when the file as a whole cannot be used (format, size, headings)."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise _file_error(
            _("Format non pris en charge : déposez un fichier .csv ou .xlsx."), code="file_type"
        )
    if len(content) > MAX_BYTES:
        raise _file_error(
            _("Le fichier dépasse %(size)s Mo."), code="file_size", size=MAX_BYTES // (1024 * 1024)
        )
    table = _read_xlsx(content) if extension == "xlsx" else _read_csv(content)
    # Line numbers as the spreadsheet shows them (headings on line 1); blank lines are skipped.
    numbered = [(line, row) for line, row in enumerate(table, start=1) if any(row)]
    if not numbered:
        raise _file_error(_("Le fichier est vide."), code="file_empty")

    (_line, headings), *body = numbered
    positions, ignored = {}, []
    for index, heading in enumerate(headings):
        column = _HEADING.get(fold(heading))
        if column is None or column in positions:
            if heading:
                ignored.append(heading)
            continue
        positions[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise _file_error(
            _(
                "Colonnes manquantes : %(missing)s. La première ligne du fichier nomme les "
                "colonnes : %(columns)s."
            ),
            code="file_columns",
            missing=", ".join(missing),
            columns=", ".join(COLUMNS),
        )
    if len(body) > MAX_ROWS:
        raise _file_error(
            _("Le fichier compte plus de %(max)s contacts : découpez-le."),
            code="file_rows",
            max=MAX_ROWS,
        )
    columns = [column for column in COLUMNS if column in positions]
    width = len(headings)
    rows = [
        [
            line,
            {
                column: values[positions[column]] if positions[column] < len(values) else ""
                for column in columns
            },
            # Cells beyond the headings: a « ; » in an unquoted cell, most often.
            sum(1 for value in values[width:] if value),
        ]
        for line, values in body
    ]
    return {"filename": name, "columns": columns, "ignored": ignored, "rows": rows}


def dataset_to_csv(dataset) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(dataset.headers)
    for row in dataset:
        writer.writerow([_escape(str(value)) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def dataset_to_xlsx(dataset, *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\\*?:/\[\]]", "-", title)[:31] or "contacts"
    sheet.append(list(dataset.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in dataset:
        sheet.append([str(value) for value in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            # Text, never a formula, whatever it starts with.
            cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for index, heading in enumerate(dataset.headers, start=1):
        width = max([len(str(heading)), *(len(str(row[index - 1])) for row in dataset)])
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(
            width + 2, 60
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""The matrix as a file: CSV for Excel in French (semicolons, UTF-8 with BOM) and XLSX."""

import csv
import io

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from referent_portal.csv import neutralise

from .selectors import AdoptionMatrix

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The matrix page's colours (static/css/adoption.css), for the spreadsheet's cells.
XLSX_FILLS = {
    "not_adopted": "F1F3F5",
    "interested": "FFF3C4",
    "charter_signed": "DCEBFF",
    "deploying": "EDE4FF",
    "active": "D3F0DF",
    "stopped": "FBE0E0",
}


def export_filename(matrix: AdoptionMatrix, extension: str) -> str:
    """adhesions-cc-lamballe-terre-et-mer-2026-03-14.csv"""
    epci = slugify(matrix.epci.name) or matrix.epci.siren
    return f"adhesions-{epci}-{timezone.localdate():%Y-%m-%d}.{extension}"


def _header(matrix: AdoptionMatrix) -> list[str]:
    return [gettext("Commune"), gettext("Code INSEE"), *(s.name for s in matrix.services)]


def _rows(matrix: AdoptionMatrix):
    for row in matrix.rows:
        yield row, [row.commune.name, row.commune.insee_code, *(str(c.label) for c in row.cells)]


def matrix_csv(matrix: AdoptionMatrix) -> bytes:
    """Semicolon-separated, UTF-8 with a BOM: Excel in French opens it as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(v) for v in _header(matrix)])
    for _row, values in _rows(matrix):
        writer.writerow([neutralise(v) for v in values])
    return buffer.getvalue().encode("utf-8-sig")


def matrix_xlsx(matrix: AdoptionMatrix) -> bytes:
    """One sheet: a bold header row, the commune and its code frozen, readable widths."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Adhésions")[:31]
    header = _header(matrix)
    sheet.append(header)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    fills = {status: PatternFill("solid", fgColor=rgb) for status, rgb in XLSX_FILLS.items()}
    for row, values in _rows(matrix):
        sheet.append(values)
        for offset, cell in enumerate(row.cells):
            sheet.cell(row=sheet.max_row, column=3 + offset).fill = fills[cell.status]

    sheet.freeze_panes = "C2"
    widths = [max(len(header[0]), *(len(r.commune.name) for r in matrix.rows), 10) + 2, 12]
    widths += [min(max(len(s.name), 16), 32) + 2 for s in matrix.services]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[1].height = 45
    if matrix.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{sheet.max_row}"
    workbook.properties.title = gettext("Adhésions aux services — %(epci)s") % {
        "epci": matrix.epci.name
    }

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

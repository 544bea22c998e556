"""CSV exports for spreadsheets in French: what every export shares."""

import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _


def neutralise(value: str) -> str:
    """A cell that a spreadsheet would take for a formula (« =HYPERLINK(…) » typed as a
    meeting title) is written as text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    """A `;`-separated UTF-8 file with a BOM (Excel in French opens it as it is), every text
    cell guarded against formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) if isinstance(cell, str) else cell for cell in row])
    return response


def export_action(filename: str, columns: list[tuple]):
    """An admin action « Exporter la sélection (CSV) »: `columns` are (header, value of an
    object) pairs; the admin's own queryset (its select_related) is what is read."""

    @admin.action(description=_("Exporter la sélection (CSV)"))
    def export_selection(modeladmin, request, queryset):
        return csv_response(
            filename,
            [header for header, _value in columns],
            ([value(obj) for _header, value in columns] for obj in queryset),
        )

    return export_selection

"""The feuille d'émargement as a PDF (weasyprint): one table per commune, a signature column.

Printed before the meeting it lists everyone expected; after it, it also says who came.
The stylesheet is static/css/attendance-sheet.css, given to weasyprint (no inline style).
"""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from ..models import Meeting
from .selectors import attendance_sheet

STYLESHEET = "css/attendance-sheet.css"


def sheet_filename(meeting: Meeting) -> str:
    """emargement-2026-03-14-reunion-parapheur.pdf"""
    day = timezone.localdate(meeting.starts_at)
    title = slugify(meeting.title)[:60].strip("-") or str(meeting.pk)
    return f"emargement-{day:%Y-%m-%d}-{title}.pdf"


def attendance_sheet_html(meeting: Meeting) -> str:
    return render_to_string(
        "meetings/attendance/sheet_pdf.html",
        {"sheet": attendance_sheet(meeting), "meeting": meeting},
    )


def attendance_sheet_pdf(meeting: Meeting) -> bytes:
    import weasyprint  # heavy: loaded when a sheet is printed, not with every page

    # The sheet needs nothing from outside: no file, no network (names are people's input).
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    with open(finders.find(STYLESHEET), encoding="utf-8") as handle:
        stylesheet = weasyprint.CSS(string=handle.read(), url_fetcher=fetcher)
    return weasyprint.HTML(string=attendance_sheet_html(meeting), url_fetcher=fetcher).write_pdf(
        stylesheets=[stylesheet]
    )

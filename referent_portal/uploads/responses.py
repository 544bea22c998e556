"""The download of a stored file: always a download, never a page of the portal's origin.

Whatever a file holds, its response is served with the Content-Type of its listed format
(never the uploader's declaration), as an attachment, not to be sniffed into another type,
sandboxed with no right to load or run anything should a browser display it anyway, and kept
out of shared caches. The view that calls it has checked who asks.
"""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .types import content_type_for

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def protect(response: HttpResponse, *, filename: str) -> HttpResponse:
    """Make any response carrying a file a safe download named `filename`."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    return response


def file_response(stored: FieldFile, *, filename: str) -> FileResponse:
    """Stream a stored file as `filename`, typed from the list; 404 when it is gone."""
    try:
        handle = stored.storage.open(stored.name, "rb")
    except OSError as exc:
        raise Http404(_("Ce fichier n'est plus disponible.")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type_for(filename)
    )
    return protect(response, filename=filename)


def bytes_response(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A file the portal made itself (an .ics of the outbox), with the same protections."""
    return protect(HttpResponse(content, content_type=content_type), filename=filename)

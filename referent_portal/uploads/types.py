"""The closed list of the formats the portal accepts, what a mairie exchanges with its EPCI and
the syndicat mixte: documents, spreadsheets, scans and photos, data exports, archives.

Each format is an extension, the one Content-Type its files are served with (never the type the
uploader's browser declared), and how its content is recognised (`content.py`). A file whose
extension is not listed, or whose content is not what its extension says, is refused.

PDF, PNG and JPEG are recognised by their signature (a PDF starts with %PDF-); Word and Excel
97-2003 by the streams of their OLE file; Office Open XML and OpenDocument by the member that
names their format; ZIP archives must open (their content is not inspected: it is served as
an archive, never opened by the portal).

Refused on purpose: anything executable or that a browser renders as a page (HTML, SVG, XHTML,
JavaScript, executables, installers); macro-enabled Office files (.docm, .xlsm, even renamed
.docx/.xlsx); XML declaring a DOCTYPE or entities; text in neither UTF-8 nor Windows-1252
(UTF-16 included) or holding control characters.
"""

from dataclasses import dataclass

from . import content
from .content import MACROS, Check

DEFAULT_CONTENT_TYPE = "application/octet-stream"

WORD_MACROS = {".docm": MACROS, ".dotm": MACROS}
EXCEL_MACROS = {".xlsm": MACROS, ".xltm": MACROS, ".xlsb": MACROS, ".xlam": MACROS}


@dataclass(frozen=True)
class FileType:
    extension: str  # lower case, without the dot
    content_type: str  # what a download of such a file is served as
    label: str  # how messages name the format
    check: Check  # None when the content is of this format, else the Refusal to show


FILE_TYPES: dict[str, FileType] = {
    t.extension: t
    for t in [
        FileType("pdf", "application/pdf", "PDF", content.signature(".pdf")),
        FileType("png", "image/png", "PNG", content.signature(".png")),
        FileType("jpg", "image/jpeg", "JPEG", content.signature(".jpg", ".jpeg")),
        FileType("jpeg", "image/jpeg", "JPEG", content.signature(".jpg", ".jpeg")),
        FileType(
            "odt",
            "application/vnd.oasis.opendocument.text",
            "OpenDocument (.odt)",
            content.zip_package(".odt", member="mimetype"),
        ),
        FileType(
            "ods",
            "application/vnd.oasis.opendocument.spreadsheet",
            "OpenDocument (.ods)",
            content.zip_package(".ods", member="mimetype"),
        ),
        FileType("doc", "application/msword", "Word (.doc)", content.signature(".doc")),
        FileType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word (.docx)",
            content.zip_package(".docx", member="[Content_Types].xml", refused=WORD_MACROS),
        ),
        FileType("xls", "application/vnd.ms-excel", "Excel (.xls)", content.signature(".xls")),
        FileType(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel (.xlsx)",
            content.zip_package(".xlsx", member="[Content_Types].xml", refused=EXCEL_MACROS),
        ),
        FileType("csv", "text/csv", "CSV", content.plain_text),
        FileType("txt", "text/plain", "texte", content.plain_text),
        FileType(
            "zip",
            "application/zip",
            "ZIP",
            # An archive; an Office or OpenDocument file is one too, and accepted as such.
            # Other packages recognised inside a ZIP (Java, Android, add-ons) are refused.
            content.zip_package(
                ".zip", ".docx", ".xlsx", ".odt", ".ods", refused={**WORD_MACROS, **EXCEL_MACROS}
            ),
        ),
        FileType("xml", "application/xml", "XML", content.xml_document),
    ]
}

ALLOWED_EXTENSIONS = list(FILE_TYPES)


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in (name or "") else ""


def type_of(name: str) -> FileType | None:
    """The listed format a file name claims, or None."""
    return FILE_TYPES.get(extension_of(name))


def content_type_for(name: str) -> str:
    """The Content-Type a stored file is served with: its listed format's, from its original
    name (checked at upload); a name outside the list is served as opaque bytes."""
    file_type = type_of(name)
    return file_type.content_type if file_type else DEFAULT_CONTENT_TYPE

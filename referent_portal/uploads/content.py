"""How the content of an uploaded file is recognised, whatever its name and declared type say.

Binary formats are recognised by puremagic (pure Python, maintained): magic bytes, and for PDF,
ZIP and OLE files a look at their structure — a ZIP's `[Content_Types].xml` (Office Open XML)
or `mimetype` member (OpenDocument), an OLE file's streams (`WordDocument`, `Workbook`). The
text formats have no magic bytes: their check is written here, and says what it refuses.

Each check takes the path of a copy of the upload whose name carries no extension (so that
nothing but the bytes decides) and returns None when the content is what the format says, or
the `Refusal` to show.
"""

import codecs
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple
from xml.etree.ElementTree import ParseError

import puremagic
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse as parse_xml
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Refusal(NamedTuple):
    """Why the content is refused: a code for the form, a message naming the file."""

    code: str
    message: Promise  # with %(name)s (the file) and %(format)s (the format's label)


Check = Callable[[Path], Refusal | None]

NOT_THAT_FORMAT = Refusal(
    "file_content",
    _(
        "« %(name)s » n'est pas un fichier %(format)s : son contenu ne correspond pas à son "
        "extension. Vérifiez le fichier choisi, ou enregistrez-le à nouveau dans ce format."
    ),
)
MACROS = Refusal(
    "file_macros",
    _("« %(name)s » contient des macros : enregistrez-le sans macros (.docx, .xlsx) ou en PDF."),
)
DAMAGED_ZIP = Refusal(
    "file_content",
    _("« %(name)s » est une archive endommagée ou illisible."),
)
ZIP_TOO_LARGE = Refusal(
    "file_content",
    _(
        "« %(name)s » : archive refusée (trop d'éléments, ou éléments décompressés trop "
        "volumineux)."
    ),
)
BINARY_TEXT = Refusal(
    "file_content",
    _("« %(name)s » n'est pas un fichier texte : il contient des caractères binaires."),
)
MARKUP_TEXT = Refusal(
    "file_content",
    _("« %(name)s » contient une page web ou du balisage (HTML, XML) et non du texte %(format)s."),
)
BAD_XML = Refusal(
    "file_content",
    _("« %(name)s » n'est pas un fichier XML bien formé."),
)
XML_DTD = Refusal(
    "file_content",
    _(
        "« %(name)s » : un fichier XML qui déclare un DOCTYPE ou des entités n'est pas accepté "
        "(risque de sécurité)."
    ),
)
XML_WEB_PAGE = Refusal(
    "file_content",
    _("« %(name)s » est une page web (XHTML) ou une image SVG, pas un fichier de données XML."),
)


# --- binary formats: puremagic ------------------------------------------------------------


def identified_as(path: Path) -> set[str]:
    """The extensions puremagic gives the content, its best matches only (".pdf", ".docx"…).

    Several formats share their magic bytes (".jpg", ".jpeg", ".jfif"): every match of the best
    confidence counts. Where puremagic's structural scan recognises the file, it is the only
    match. Content it cannot identify gives an empty set.
    """
    try:
        matches = puremagic.magic_file(path)
    except (puremagic.PureError, ValueError, OSError):
        return set()
    if not matches:
        return set()
    best = matches[0].confidence
    return {m.extension.lower() for m in matches if m.confidence == best and m.extension}


def signature(*extensions: str, refused: dict[str, Refusal] | None = None) -> Check:
    """The content is recognised as one of `extensions` (puremagic's names, with the dot).

    `refused` names formats recognised on purpose to give a specific message (macros).
    """
    accepted = set(extensions)
    special = refused or {}

    def check(path: Path) -> Refusal | None:
        found = identified_as(path)
        if found & accepted:
            return None
        for extension, refusal in special.items():
            if extension in found:
                return refusal
        return NOT_THAT_FORMAT

    return check


# Archives: puremagic reads a few members to tell a package's format; a member that
# decompresses to gigabytes would exhaust the memory. Python's zipfile never inflates a member
# beyond the size its central directory declares, so bounding those sizes is enough.
ZIP_MAX_MEMBERS = 10_000
ZIP_PROBE_MAX_BYTES = 1024 * 1024
ZIP_PROBED_MEMBERS = frozenset(
    {
        "[Content_Types].xml",
        "mimetype",
        "docProps/app.xml",
        "META-INF/MANIFEST.MF",
        "version.json",
        "install.rdf",
    }
)


def zip_package(*extensions: str, member: str = "", refused: dict[str, Refusal] | None = None):
    """A ZIP archive that opens, whose format puremagic recognises as one of `extensions`;
    `member` is the member the format requires (`[Content_Types].xml`, `mimetype`)."""
    recognised = signature(*extensions, refused=refused)

    def check(path: Path) -> Refusal | None:
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                if len(infos) > ZIP_MAX_MEMBERS:
                    return ZIP_TOO_LARGE
                probed = [i for i in infos if i.filename in ZIP_PROBED_MEMBERS] + infos[:1]
                if any(i.file_size > ZIP_PROBE_MAX_BYTES for i in probed):
                    return ZIP_TOO_LARGE
                if member:
                    if member not in {i.filename for i in infos}:
                        return NOT_THAT_FORMAT
                    archive.read(member)  # readable, its checksum right (bounded just above)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
            return DAMAGED_ZIP
        return recognised(path)

    return check


# --- text formats: no magic bytes ---------------------------------------------------------

# Control characters a text file does not hold: all of C0 but tab, line feed, form feed and
# carriage return. NUL is the sign of a binary file (or of UTF-16, not accepted either).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# A tag at the start: <!doctype, <html, <?xml, <svg… — a web page renamed .txt or .csv.
_LEADING_MARKUP = re.compile(r"\A\s*<[!?a-zA-Z]")


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else Windows-1252 (Latin-1 as Windows writes it); None
    when neither decodes the bytes."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def plain_text(path: Path) -> Refusal | None:
    """Text (.txt, .csv): decodes as UTF-8 or Windows-1252, no NUL or other control character
    but tab and line breaks, and does not start with a tag (an HTML page renamed)."""
    text = decode_text(path.read_bytes())
    if text is None or _CONTROL.search(text):
        return BINARY_TEXT
    if _LEADING_MARKUP.match(text):
        return MARKUP_TEXT
    return None


_WEB_NAMESPACES = ("{http://www.w3.org/1999/xhtml}", "{http://www.w3.org/2000/svg}")


def xml_document(path: Path) -> Refusal | None:
    """XML: well-formed, in the encoding it declares, without DOCTYPE or entity declarations
    (no entity expansion, no external reference: defusedxml), and not an XHTML page or an SVG
    image (which a browser would run)."""
    with path.open("rb") as handle:
        start = handle.read(4096)
    if b"\x00" in start and not start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return BINARY_TEXT
    try:
        root = parse_xml(
            str(path), forbid_dtd=True, forbid_entities=True, forbid_external=True
        ).getroot()
    except DefusedXmlException:
        return XML_DTD
    except (ParseError, ValueError, LookupError):
        return BAD_XML
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag.lower() in ("html", "svg") or tag.startswith(_WEB_NAMESPACES):
        return XML_WEB_PAGE
    return None

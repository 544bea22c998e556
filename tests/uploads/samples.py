"""Real files of every accepted format, and the disguised ones the portal must refuse.

Each is made here, small, by the library a real producer would use (pypdf, openpyxl, Pillow)
or by hand following its specification (PNG, the Office Open XML and OpenDocument packages, an
OLE compound file), so that the tests need no binary fixture.
"""

import io
import struct
import zipfile
import zlib

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Ordre du jour"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xc0\x30\x30" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, format="JPEG")
    return buffer.getvalue()


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def docx(main_type: str = WORD_MAIN, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        package.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Délibération</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def docx_damaged() -> bytes:
    """A .docx whose [Content_Types].xml no longer matches its checksum (a broken download)."""
    stored = docx(compression=zipfile.ZIP_STORED)
    assert stored.count(b"<Types ") == 1
    return stored.replace(b"<Types ", b"<Typez ")


def xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["commune", "population"])
    workbook.active.append(["Plédéliac", 1357])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def opendocument(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # first, stored
        package.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'office:version="1.3"><office:body/></office:document-content>',
            zipfile.ZIP_DEFLATED,
        )
        package.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
            "</manifest:manifest>",
            zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


def odt() -> bytes:
    return opendocument()


def ods() -> bytes:
    return opendocument("application/vnd.oasis.opendocument.spreadsheet")


def ole(*streams: str) -> bytes:
    """An OLE compound file (.doc, .xls, .msi…) holding empty streams of these names: a header,
    one FAT sector, one directory sector."""
    free, end, fat = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    fat_sector = struct.pack("<II", fat, end) + struct.pack("<I", free) * 126

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, right, child)
            + b"\x00" * 16  # CLSID
            + b"\x00" * 4  # state bits
            + b"\x00" * 16  # creation and modification times
            + struct.pack("<IQ", end, 0)  # first sector, size
        )

    entries = [entry("Root Entry", 5, child=1 if streams else free)]
    for index, name in enumerate(streams, start=1):
        entries.append(entry(name, 2, right=index + 1 if index < len(streams) else free))
    directory = b"".join(entries).ljust(512, b"\x00")
    return header + fat_sector + directory


def doc() -> bytes:
    return ole("WordDocument", "1Table")


def xls() -> bytes:
    return ole("Workbook")


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("deliberation.txt", "Délibération du conseil municipal")
        archive.writestr("annexe.pdf", pdf())
    return buffer.getvalue()


def csv() -> bytes:
    return "nom;prénom;commune\r\nLe Gall;Anne;Plédéliac\r\nHamon;Marc;Hénon\r\n".encode()


def csv_windows() -> bytes:
    """Excel's « CSV (séparateur : point-virgule) » in Windows-1252."""
    return "nom;prénom;commune\r\nLe Gall;Anne;Plédéliac\r\n".encode("cp1252")


def txt() -> bytes:
    return "Compte rendu de la réunion du 12 mars.\nPrésents : 14.\n".encode()


def xml() -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<PES_Aller><EnTetePES><LibelleColBud V="Commune de Plédéliac"/></EnTetePES></PES_Aller>'
    ).encode()


# --- what must be refused -----------------------------------------------------------------


def exe() -> bytes:
    """The start of a Windows program (DOS stub and PE header)."""
    stub = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44
    stub += struct.pack("<I", 0x80)
    stub = stub.ljust(0x4E, b"\x00") + b"This program cannot be run in DOS mode.\r\r\n$"
    return stub.ljust(0x80, b"\x00") + b"PE\x00\x00" + b"\x00" * 400


def html() -> bytes:
    return (
        b"<!DOCTYPE html><html><body><h1>Mise a jour</h1>"
        b"<script>fetch('/admin/').then(r => r.text()).then(alert)</script></body></html>"
    )


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(document.domain)</script></svg>"
    )


def xml_bomb() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
    )


def xml_external() -> bytes:
    return b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'


REAL = {
    "pdf": pdf,
    "png": png,
    "jpg": jpeg,
    "jpeg": jpeg,
    "odt": odt,
    "ods": ods,
    "doc": doc,
    "docx": docx,
    "xls": xls,
    "xlsx": xlsx,
    "csv": csv,
    "txt": txt,
    "zip": zip_archive,
    "xml": xml,
}

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
    "zip": "application/zip",
    "xml": "application/xml",
}


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """A file as a browser posts it: a name, bytes, and whatever type the browser declares."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def real(extension: str, name: str | None = None, content_type: str | None = None):
    return upload(
        name or f"document.{extension}",
        REAL[extension](),
        content_type or CONTENT_TYPES[extension],
    )


def exe_as_pdf():
    return upload("facture.pdf", exe(), "application/pdf")


def html_as_png():
    return upload("capture-ecran.png", html(), "image/png")

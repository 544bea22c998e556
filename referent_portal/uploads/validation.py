"""`validate_upload()`: the one check of an uploaded file, used by every form and service."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _

from .types import ALLOWED_EXTENSIONS, FileType, type_of

# Set on an upload once its content has been checked: the form and the service that both
# validate it (the service checks the rules again) read it once.
_CHECKED = "_portal_upload_type"


def validate_upload(upload: File, *, max_bytes: int | None = None) -> FileType:
    """Refuse a file whose format is not listed, too large, empty, or whose content is not
    what its extension says; return its listed format. Raises ValidationError with a
    translated message naming the file (codes file_type, file_size, file_empty, file_content,
    file_macros)."""
    name = upload.name or ""
    file_type = type_of(name)
    if file_type is None:
        raise ValidationError(
            _("« %(name)s » : ce type de fichier n'est pas accepté (formats acceptés : %(ok)s)."),
            code="file_type",
            params={"name": name, "ok": ", ".join(ALLOWED_EXTENSIONS)},
        )
    limit = max_bytes or settings.REQUEST_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("« %(name)s » dépasse la taille maximale de %(limit)s Mo."),
            code="file_size",
            params={"name": name, "limit": limit // (1024 * 1024)},
        )
    if not upload.size:
        raise ValidationError(_("« %(name)s » est vide."), code="file_empty", params={"name": name})
    if getattr(upload, _CHECKED, None) is file_type:
        return file_type
    refusal = _refusal(upload, file_type)
    if refusal is not None:
        raise ValidationError(
            refusal.message,
            code=refusal.code,
            params={"name": name, "format": file_type.label},
        )
    setattr(upload, _CHECKED, file_type)
    return file_type


def _refusal(upload: File, file_type: FileType):
    """Check a copy of the bytes, named without extension: only the content decides."""
    with tempfile.NamedTemporaryFile(prefix="check-", dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        upload.seek(0)
        return file_type.check(Path(copy.name))

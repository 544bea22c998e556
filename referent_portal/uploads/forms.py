"""The file fields of the portal's forms: one file, or several in one input.

They check what a person can fix on the page — the format, the size, the content — with the
same `validate_upload()` the services call again. A browser never keeps the chosen files when
a form comes back with errors: FILES_AGAIN_NOTE says so next to the field.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .types import ALLOWED_EXTENSIONS
from .validation import validate_upload

FILES_AGAIN_NOTE = _(
    "Si le formulaire signale une erreur, choisissez à nouveau vos fichiers : "
    "le navigateur ne les garde pas."
)

# What the file chooser offers first; the server checks the content whatever is chosen.
ACCEPT = ",".join(f".{extension}" for extension in ALLOWED_EXTENSIONS)


def attachment_help_text(*, count: bool = True) -> str:
    if not count:
        return gettext("%(size)s Mo au plus. Formats acceptés : %(formats)s.") % {
            "size": settings.REQUEST_ATTACHMENT_MAX_BYTES // (1024 * 1024),
            "formats": ", ".join(ALLOWED_EXTENSIONS),
        }
    return gettext(
        "Jusqu'à %(count)s fichiers de %(size)s Mo au plus chacun. Formats acceptés : %(formats)s."
    ) % {
        "count": settings.REQUEST_ATTACHMENT_MAX_COUNT,
        "size": settings.REQUEST_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "formats": ", ".join(ALLOWED_EXTENSIONS),
    }


class UploadField(forms.FileField):
    """One file, checked against the list of accepted formats (name, size, content)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            validate_upload(upload)
        return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A list of uploaded files (Django docs, "Uploading multiple files"), each checked against
    the list of accepted formats; every refused file is named in the errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            files = [single_clean(item, initial) for item in data if item]
        else:
            files = [single_clean(data, initial)] if data else []
        files = [f for f in files if f]
        if len(files) > settings.REQUEST_ATTACHMENT_MAX_COUNT:
            raise ValidationError(
                _("Au plus %(n)s pièces jointes par envoi."),
                code="file_count",
                params={"n": settings.REQUEST_ATTACHMENT_MAX_COUNT},
            )
        errors = []
        for upload in files:
            try:
                validate_upload(upload)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return files

"""Storage names: `<kind>/<uuid4 hex>`, nothing a person could guess or that says what it is.

No original name (it may name a person, and a web server would pick a type from its
extension), no date, no sequential id. The row keeps the original name for display and for
the download's Content-Disposition. Rows stored before this rule keep their names.
"""

import uuid
from pathlib import PurePosixPath

from django.utils.deconstruct import deconstructible

from .cleanup import track


@deconstructible
class UnguessableName:
    """An `upload_to` for every FileField: `UnguessableName("requests")` → requests/3f2a…

    The name is tracked for `atomic_with_files()`: a file stored inside a transaction that
    does not commit is deleted.
    """

    def __init__(self, kind: str):
        if not kind or "/" in kind:
            raise ValueError("A kind is one folder name.")
        self.kind = kind

    def __call__(self, instance, filename: str) -> str:
        name = f"{self.kind}/{uuid.uuid4().hex}"
        track(name)
        return name

    def __eq__(self, other):
        return isinstance(other, UnguessableName) and other.kind == self.kind

    def __hash__(self):
        return hash(self.kind)


def original_name(name: str, *, max_length: int = 255) -> str:
    """The name the uploader gave the file, for display: its last path component, cut to
    `max_length` without losing its extension (which tells its format)."""
    name = PurePosixPath((name or "").replace("\\", "/")).name or "document"
    if len(name) <= max_length:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        return name[:max_length]
    return f"{stem[: max_length - len(extension) - 1]}.{extension}"

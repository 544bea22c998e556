"""No file without its row: rollback cleanup, and the purge of what a crash left behind.

A FileField writes its file before the INSERT of its row. If the transaction then does not
commit — an error after the file was written, a constraint checked at COMMIT, the connection
terminated — the row is gone but the file stays. `atomic_with_files()` is the transaction of
the services that store files: it deletes what was stored inside it unless it committed.

A process killed between writing the file and the rollback leaves a file no code will ever
delete: `purge_orphans()` (the `purge_orphan_uploads` command, daily in beat) removes the
files under the storage folders of the portal's FileFields that no row references and that
are older than a grace period (a file of a transaction still running is recent).
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# The files stored in each open atomic_with_files() block of this thread or task, innermost
# last.
_blocks: ContextVar[tuple[list[str], ...]] = ContextVar("portal_upload_blocks", default=())


def track(name: str) -> None:
    """Record a storage name written in the innermost atomic_with_files() block, if any
    (called by `UnguessableName`; call it for a file saved to the storage by hand)."""
    blocks = _blocks.get()
    if blocks:
        blocks[-1].append(name)


def _delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError as exc:  # the purge will find it
            logger.warning("Upload %s of a rolled back transaction not deleted: %s", name, exc)


@contextmanager
def atomic_with_files(using: str | None = None):
    """`transaction.atomic()` that deletes the files stored inside it when it does not commit.

    Usable as a decorator, like `transaction.atomic`. Outermost, it knows the outcome: an
    exception (in the block or at COMMIT) or a rollback asked with `set_rollback(True)`
    deletes the files. Nested in an outer transaction, an exception out of it (its savepoint
    rolled back) deletes them; otherwise they are handed to the enclosing block, or, with
    none, left to the orphan purge should the outer transaction roll back.
    """
    connection = transaction.get_connection(using)
    outermost = not connection.in_atomic_block
    names: list[str] = []
    token = _blocks.set((*_blocks.get(), names))
    try:
        with transaction.atomic(using=using):
            yield
            rolled_back = connection.needs_rollback
    except BaseException:
        _delete(names)
        raise
    finally:
        _blocks.reset(token)
    if rolled_back and outermost:
        _delete(names)
    elif not outermost:
        track_all = _blocks.get()
        if track_all:
            track_all[-1].extend(names)


# --- the orphan purge -----------------------------------------------------------------------


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every FileField of the installed models (the outbox's shared copies included)."""
    return [
        (model, f)
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField) and f.concrete
    ]


def managed_folders() -> set[str]:
    """The top folders the portal stores uploads in: the `kind` of each FileField's
    UnguessableName. Rows stored before it (requests/<insee>/…, meetings/2026/05/…) live in
    the same folders. Nothing else under MEDIA_ROOT is touched."""
    from .storage import UnguessableName

    return {
        f.upload_to.kind for _model, f in file_fields() if isinstance(f.upload_to, UnguessableName)
    }


def referenced_names() -> set[str]:
    names: set[str] = set()
    for model, f in file_fields():
        names.update(
            model._base_manager.exclude(**{f.attname: ""})
            .exclude(**{f"{f.attname}__isnull": True})
            .values_list(f.attname, flat=True)
        )
    return names


def _walk(storage, folder: str):
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}")


@dataclass
class PurgeResult:
    cutoff: datetime
    deleted: list[str] = field(default_factory=list)
    kept_recent: int = 0


def purge_orphans(
    *, grace: timedelta | None = None, now: datetime | None = None, dry_run: bool = False
) -> PurgeResult:
    """Delete the stored files no row references, older than `grace` (UPLOAD_ORPHAN_GRACE).

    The references are read after the listing: a file whose row commits meanwhile is
    referenced by then, and a file written meanwhile is too recent to be considered.
    """
    grace = settings.UPLOAD_ORPHAN_GRACE if grace is None else grace
    cutoff = (now or timezone.now()) - grace
    storage = default_storage
    candidates = [name for folder in sorted(managed_folders()) for name in _walk(storage, folder)]
    referenced = referenced_names()
    result = PurgeResult(cutoff=cutoff)
    for name in candidates:
        if name in referenced:
            continue
        try:
            modified = storage.get_modified_time(name)
        except OSError:
            continue  # deleted meanwhile
        if modified >= cutoff:
            result.kept_recent += 1
            continue
        if not dry_run:
            try:
                storage.delete(name)
            except OSError as exc:
                logger.warning("Orphan upload %s not deleted: %s", name, exc)
                continue
        result.deleted.append(name)
    if result.deleted and not dry_run:
        logger.info("Deleted %s orphan upload(s) older than %s.", len(result.deleted), cutoff)
    return result

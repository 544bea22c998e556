"""Writing to a commune's timeline (every feature calls this in its own transaction)."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import TimelineEntry


def timeline_record(
    *,
    commune,
    kind: str,
    title: str,
    detail: str = "",
    actor=None,
    subject: models.Model | None = None,
) -> TimelineEntry:
    """Record what happened to a commune. `title` is stored as written (French: the language
    of the EPCI's records); `kind` is a short code, e.g. "adoption", "drive", "suggestion"."""
    return TimelineEntry.objects.create(
        commune=commune,
        kind=kind,
        title=str(title)[:255],
        detail=detail,
        actor=actor if actor is not None and actor.is_authenticated else None,
        content_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        object_id=subject.pk if subject is not None else None,
    )

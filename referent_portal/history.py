"""The admin site's « Historique » of the objects that keep one (django-simple-history)."""

from django.db import models
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin without its bare ``select_related()`` for a model that tracks no
    foreign key (deprecated in Django 6.1: it would select every relation)."""

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        records = history_manager.filter(**{pk_name: object_id}).select_related("history_user")
        tracked = [
            field.name
            for field in history_manager.model.tracked_fields
            if isinstance(field, models.ForeignKey)
        ]
        return records.select_related(*tracked) if tracked else records

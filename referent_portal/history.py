"""The admin site's « Historique » of the objects that keep one (django-simple-history)."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from referent_portal.forms import ChoicesAdminMixin


class HistoryAdmin(ChoicesAdminMixin, SimpleHistoryAdmin):
    """SimpleHistoryAdmin scoped like the admin's own pages, and without its bare
    ``select_related()`` for a model that tracks no foreign key (deprecated in Django 6.1: it
    would select every relation).

    SimpleHistoryAdmin shows the history of any id, falling back to the latest historical
    record when `get_queryset` does not hold the object: an object the user may not see (a
    draft dossier for the syndicat mixte) would be read through its history. Here the history
    and its versions exist only for the objects of `get_queryset` (404 otherwise; a deleted
    object's history stays in the database, it is not shown).
    """

    def _visible(self, request, object_id) -> bool:
        return self.get_queryset(request).filter(pk=unquote(str(object_id))).exists()

    def history_view(self, request, object_id, extra_context=None):
        if not self._visible(request, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self._visible(request, object_id):
            raise Http404
        # SimpleHistoryAdmin hides the « revert » button from whoever may not change the
        # object, but saves the version posted anyway: a read-only model (an EPCI's
        # campaign, meeting or session) would be changed through its history.
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        records = history_manager.filter(**{pk_name: object_id}).select_related("history_user")
        tracked = [
            field.name
            for field in history_manager.model.tracked_fields
            if isinstance(field, models.ForeignKey)
        ]
        return records.select_related(*tracked) if tracked else records

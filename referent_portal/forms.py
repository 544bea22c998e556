"""What the portal's forms share: putting a service's error back on the form, HTML5 inputs,
choice fields that no out-of-range id can turn into a server error."""

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.db import connections, models


def add_service_error(
    form: forms.Form, error: ValidationError, *, aliases: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the field it names (through `aliases` when the
    service and the form name it differently), or on the whole form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = (aliases or {}).get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


# --- choices of rows by their key -------------------------------------------------------------
#
# A posted id goes into a query. Django keeps an out-of-range integer out of `pk=…` lookups
# but not out of `pk__in=…` (a multiple choice) nor of a foreign key's `=`: SQLite then raises
# OverflowError, a server error. Every model choice field of the portal is one of these two,
# which answer such an id with Django's own « Sélectionnez un choix valide » before any query
# (tests/test_out_of_range_ids.py walks every form, the admin site's included, to keep it so).


def fits_the_key(queryset, key: str, value) -> bool:
    """Whether `value` can be a value of the column behind `key` (pk or a field name) on the
    queryset's database: False for an integer beyond the column's range."""
    meta = queryset.model._meta
    field = meta.pk if key == "pk" else meta.get_field(key)
    field = getattr(field, "target_field", field)
    try:
        value = field.to_python(value)
    except ValidationError:
        return True  # not an integer at all: Django's own check answers it
    if not isinstance(value, int):
        return True
    ops = connections[queryset.db].ops
    try:
        low, high = ops.integer_field_range(field.get_internal_type())
    except KeyError:
        return True
    return (low is None or value >= low) and (high is None or value <= high)


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not fits_the_key(
            self.queryset, self.to_field_name or "pk", value
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        key = self.to_field_name or "pk"
        try:
            values = frozenset(value)
        except TypeError:
            return super()._check_values(value)  # Django's own « list » error
        for item in values:
            if item not in self.empty_values and not fits_the_key(self.queryset, key, item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)


def is_a_key(queryset, key: str, value) -> bool:
    """Whether `value` can be looked up in the column behind `key`: of its type, and in range."""
    meta = queryset.model._meta
    field = meta.pk if key == "pk" else meta.get_field(key)
    try:
        getattr(field, "target_field", field).to_python(value)
    except ValidationError:
        return False
    return fits_the_key(queryset, key, value)


class _ShownBackOnlyIfAKey:
    """The admin's autocomplete widgets query the posted ids to show them again, with the
    form's errors: an id that is not one (a blank, a word, an integer beyond the column) is
    left out of that query instead of raising."""

    def optgroups(self, name, value, attr=None):
        queryset = self.choices.queryset
        key = getattr(self.field.remote_field, "field_name", None) or "pk"
        usable = [v for v in value if str(v) == "" or is_a_key(queryset, key, str(v))]
        return super().optgroups(name, usable, attr)


class AutocompleteSelect(_ShownBackOnlyIfAKey, admin_widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_ShownBackOnlyIfAKey, admin_widgets.AutocompleteSelectMultiple):
    pass


def formfield(db_field, **kwargs):
    """A ModelForm's `Meta.formfield_callback`: its foreign keys and many-to-many fields become
    the kit's choice fields (a ModelAdmin does the same through ChoicesAdminMixin)."""
    if isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
    elif isinstance(db_field, models.ForeignKey):
        kwargs.setdefault("form_class", ModelChoiceField)
    return db_field.formfield(**kwargs)


class ChoicesAdminMixin:
    """For a ModelAdmin or an inline: its foreign keys and many-to-many fields are the kit's
    choice fields, so an out-of-range id posted to the admin site is a form error too."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelChoiceField)
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget", AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                AutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

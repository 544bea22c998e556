"""Forms of the contacts pages: search, the file to import, its confirmation, anonymisation."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import resources


class ContactSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        help_text=_("Nom, adresse e-mail, commune ou code INSEE."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.attrs = {"role": "search", "aria-label": gettext("Rechercher un contact")}
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-6 col-lg-5"),
                Column(
                    HTML(
                        format_html(
                            '<button type="submit" class="btn btn-primary">{}</button>'
                            '<a class="btn btn-link" href="{}">{}</a>',
                            gettext("Rechercher"),
                            reverse("communes:contact_list"),
                            gettext("Effacer"),
                        )
                    ),
                    css_class="col-md-6 col-lg-4 filter-actions",
                ),
            )
        )

    @property
    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_bound and self.is_valid() else ""


def file_help_text() -> str:
    return gettext(
        "Un fichier CSV (séparateur « ; ») ou un classeur Excel (.xlsx) de %(size)s Mo au plus. "
        "Sa première ligne nomme les colonnes : %(columns)s."
    ) % {
        "size": resources.MAX_BYTES // (1024 * 1024),
        "columns": ", ".join(resources.COLUMNS),
    }


class ContactFileForm(forms.Form):
    """Step 1 of the import: the file. Valid when it can be read as a contacts file; its
    rows are checked at step 2."""

    file = forms.FileField(label=_("Fichier des contacts"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = file_help_text()
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx,text/csv," + resources.XLSX_TYPE
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = reverse("communes:contacts_import")
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("file"),
            Div(
                StrictButton(gettext("Voir l'aperçu"), type="submit", css_class="btn-primary"),
                HTML(
                    format_html(
                        '<a class="btn btn-link" href="{}">{}</a>',
                        reverse("communes:contact_list"),
                        gettext("Annuler"),
                    )
                ),
                css_class="d-flex gap-2 align-items-center",
            ),
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > resources.MAX_BYTES:
            raise ValidationError(
                _("Le fichier dépasse %(size)s Mo."),
                code="file_size",
                params={"size": resources.MAX_BYTES // (1024 * 1024)},
            )
        self.contents = resources.read_contacts_file(name=upload.name, content=upload.read())
        return upload


class ImportConfirmForm(forms.Form):
    """Step 3: confirms the preview the referent saw (its token), not whatever the session
    holds by then."""

    token = forms.CharField(widget=forms.HiddenInput)


class AnonymiseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Je confirme : les données personnelles de ce contact seront effacées."),
        help_text=_("Cette action est définitive."),
    )

    def __init__(self, *args, action: str, cancel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = action
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("confirm"),
            Div(
                StrictButton(
                    gettext("Anonymiser définitivement"), type="submit", css_class="btn-danger"
                ),
                HTML(
                    format_html(
                        '<a class="btn btn-link" href="{}">{}</a>', cancel, gettext("Annuler")
                    )
                ),
                css_class="d-flex gap-2 align-items-center",
            ),
        )

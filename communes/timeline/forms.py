"""The filter of a commune's timeline (a GET form: nothing is saved)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature des événements"), required=False)

    def __init__(self, *args, kinds: list[tuple[str, str]], reset_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Tous les événements")), *kinds]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.attrs = {"role": "search", "aria-label": gettext("Filtrer le fil")}
        self.helper.layout = Layout(
            Row(
                Column("kind", css_class="col-md-6 col-lg-4"),
                Column(
                    HTML(
                        format_html(
                            '<button type="submit" class="btn btn-primary">{}</button>'
                            '<a class="btn btn-link" href="{}">{}</a>',
                            gettext("Filtrer"),
                            reset_url,
                            gettext("Tout afficher"),
                        )
                    ),
                    css_class="col-md-6 col-lg-4 filter-actions",
                ),
            )
        )

    @property
    def chosen_kind(self) -> str:
        """The chosen kind, or "" (all) when none or an unknown one was asked for."""
        if not self.is_bound or not self.is_valid():
            return ""
        return self.cleaned_data["kind"]

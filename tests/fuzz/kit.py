"""The fuzzing kit: read a form as the browser gets it, draw what a person (or a script) could
send in its place, and tell whether the database changed.

A form's fields are read from the page that shows it (so the fields a form adds in its
`__init__`, the options of its selects and the values already filled in are known) and from its
class (so a field the template forgets is fuzzed too).
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from hypothesis import strategies as st

# Tables written by any request whatever the form answers: the session (messages, login) and
# the login attempts django-axes records by design.
VOLATILE_TABLES = {
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
}


@dataclass
class HtmlField:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, file, hidden, number, date, email…
    values: list[str] = field(default_factory=list)  # the options, or the value filled in
    multiple: bool = False


@dataclass
class HtmlForm:
    action: str
    method: str
    fields: dict[str, HtmlField] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: HtmlField | None = None
        self._textarea: HtmlField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(
                action=urlsplit(a.get("action") or self.page_path).path or self.page_path,
                method=a.get("method", "get").lower(),
            )
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select.values.append(a.get("value", ""))
            return
        name = a["name"]
        fields = self._form.fields
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            known = fields.setdefault(name, HtmlField(name, kind))
            if "value" in a:
                known.values.append(a["value"])
            if kind == "checkbox" and len(known.values) > 1:
                known.multiple = True
        elif tag == "select":
            self._select = fields.setdefault(
                name, HtmlField(name, "select", multiple="multiple" in a)
            )
        elif tag == "textarea":
            self._textarea = fields.setdefault(name, HtmlField(name, "textarea"))
        elif tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None and data.strip():
            self._textarea.values.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str, page_path: str) -> list[HtmlForm]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms


# --- values --------------------------------------------------------------------------------

# Text as a browser can send it (UTF-8, so no lone surrogates), NUL and control characters
# included; now and then very long.
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.text(
    st.characters(codec="utf-8"), min_size=1000, max_size=5000
)
INTEGERS = st.integers(min_value=-(2**70), max_value=2**70).map(str)
# Ids: the database's range and beyond it.
IDS = st.integers(min_value=-(2**70), max_value=2**70).map(str) | st.integers(0, 5000).map(str)
DATES = st.dates().map(str) | st.dates().map(lambda d: d.strftime("%d/%m/%Y"))
DATETIMES = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))
TIMES = st.times().map(lambda t: t.strftime("%H:%M"))
EMAILS = st.emails().map(str)
SPECIALS = st.sampled_from(
    ["", " ", "0", "-1", "1e309", "NaN", "null", "[]", "{}", "\x00", "on", "true", "../../etc"]
)
UPLOAD_NAMES = st.sampled_from(
    ["a.pdf", "b.png", "c.csv", "d.xlsx", "e.exe", "f.html", "g.svg", "h", "x" * 300 + ".pdf"]
)
UPLOAD_BYTES = st.binary(max_size=2000) | st.sampled_from(
    [
        b"%PDF-1.4\n%%EOF\n",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        b"nom;prenom;email\nLe Goff;Claire;claire@example.org\n",
        b"PK\x03\x04" + b"\x00" * 30,
        b"<html><script>alert(1)</script></html>",
    ]
)


@st.composite
def uploads(draw):
    return SimpleUploadedFile(
        draw(UPLOAD_NAMES),
        draw(UPLOAD_BYTES),
        draw(st.sampled_from(["application/pdf", "image/png", "text/csv", "text/html", ""])),
    )


def _typed(django_field: forms.Field | None, kind: str):
    """Values close to what the field expects, so that validation goes past the first check."""
    if isinstance(django_field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
        return IDS
    if isinstance(django_field, forms.DateTimeField) or kind == "datetime-local":
        return DATETIMES
    if isinstance(django_field, forms.DateField) or kind == "date":
        return DATES
    if isinstance(django_field, forms.TimeField) or kind == "time":
        return TIMES
    if isinstance(django_field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return INTEGERS
    if kind == "number":
        return INTEGERS
    if isinstance(django_field, forms.EmailField) or kind == "email":
        return EMAILS
    return ANY_TEXT


def field_values(html_field: HtmlField | None, django_field: forms.Field | None):
    """A list of strings (or files) to post under the field's name."""
    kind = html_field.kind if html_field else "text"
    if kind == "file" or isinstance(django_field, forms.FileField):
        one = uploads()
        return st.lists(one, max_size=3) if _multiple(html_field, django_field) else one.map(list)
    known = [v for v in (html_field.values if html_field else []) if v is not None]
    single = st.one_of(
        *([st.sampled_from(known)] * 3 if known else []),
        _typed(django_field, kind),
        SPECIALS,
        ANY_TEXT,
    )
    if _multiple(html_field, django_field):
        pick = st.lists(st.sampled_from(known), unique=True) if known else st.just([])
        return st.one_of(pick, pick, st.lists(single, max_size=4))
    return single.map(lambda v: [v])


def _multiple(html_field, django_field) -> bool:
    if html_field is not None and html_field.multiple:
        return True
    return isinstance(
        django_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
    ) or getattr(getattr(django_field, "widget", None), "allow_multiple_selected", False)


@st.composite
def form_data(draw, html_form: HtmlForm, form_class: type[forms.BaseForm]):
    """A POST body for the form: every field known to the page or the class, each one present
    with a likely value, with garbage, or absent."""
    declared = dict(getattr(form_class, "base_fields", {}))
    names = sorted(set(html_form.fields) | set(declared))
    data = {}
    for name in names:
        html_field = html_form.fields.get(name)
        if html_field is None and name not in declared:
            continue
        if draw(st.integers(0, 9)) == 0:
            continue  # absent
        values = draw(field_values(html_field, declared.get(name)))
        if values:
            data[name] = values if len(values) > 1 else values[0]
    return data


# --- the database before and after ---------------------------------------------------------


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(set(names) - VOLATILE_TABLES)


def snapshot(tables: list[str] | None = None) -> dict[str, str]:
    """A digest of every row of every table (PostgreSQL): equal digests, nothing written."""
    tables = tables or _tables()
    query = " UNION ALL ".join(
        f"SELECT '{name}', count(*)::text || ':' || "
        f"coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \"{name}\" t"
        for name in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        return dict(cursor.fetchall())


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))

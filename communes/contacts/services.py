"""Writes on the contacts of an EPCI: import from a file, and the RGPD (export, anonymisation,
retention).

Import: a file is read (`resources.read_contacts_file`), kept in the referent's session as plain
data, previewed row by row (`contacts_import_preview`, nothing written) and imported
(`contacts_import`) in one transaction — only when no row is in error: a file is imported
whole or not at all, so the referent fixes the file and uploads it again, and the EPCI's records
never hold half of a file. The preview is computed again at confirmation, against the database
as it is then.

RGPD: `contact_export_json` gathers everything the portal holds about a contact;
`contact_anonymise` replaces their personal data by anonymous values and keeps every history
row (requests, messages, commitments, timeline entries… then point at the anonymous contact and
user); `contacts_purge` anonymises the contacts inactive past `settings.CONTACT_RETENTION_DAYS`.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import (
    AdoptionEvent,
    Commitment,
    Contact,
    Epci,
    Membership,
    Suggestion,
    TimelineEntry,
)
from communes.text import fold
from communes.timeline.services import timeline_record
from meetings.personal_data import meetings_anonymise, meetings_export
from referent_portal.accounts.models import User
from referent_portal.outbox.models import DeliveryAttempt, OutgoingAttachment, OutgoingEmail
from requests_relay.models import Message, Request
from requests_relay.selectors import shared_attachments
from trainings.personal_data import trainings_anonymise, trainings_export

from . import resources
from .selectors import contacts_inactive_since

TIMELINE_KIND = "contact"

# Timeline titles are records of the EPCI, kept in the portal's language (see timeline_record).
TITLES = {
    "created": _("Contact ajouté par import : %(name)s (%(function)s)"),
    "updated": _("Contact mis à jour par import : %(name)s"),
    "anonymised": _("Contact n° %(number)s anonymisé (RGPD)"),
}


def _check_referent(by: User, epci_id: int) -> None:
    if not (by.is_authenticated and by.is_referent and by.epci_id == epci_id):
        raise ValidationError(_("Seul le référent de l'EPCI gère ses contacts."), code="forbidden")


def _record(commune, key: str, *, actor=None, detail: str = "", subject=None, **params) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext(TITLES[key]) % {name: str(value) for name, value in params.items()}
    timeline_record(
        commune=commune,
        kind=TIMELINE_KIND,
        title=title,
        detail=detail,
        actor=actor,
        subject=subject,
    )


# --- last activity --------------------------------------------------------------------------


def contact_touch(*, contact: Contact, at: datetime | None = None) -> bool:
    """Note an exchange with the contact (a login, a request, an answer…): moves
    `last_activity_at` forward, never back. One UPDATE, no lock, harmless to call often.
    Returns whether it moved."""
    at = at or timezone.now()
    return bool(
        Contact.objects.filter(pk=contact.pk, anonymised_at__isnull=True)
        .filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at))
        .update(last_activity_at=at)
    )


def contact_touch_user(*, user, at: datetime | None = None) -> bool:
    """`contact_touch` for the contact of a user account, if it has one."""
    if user is None or not getattr(user, "pk", None):
        return False
    at = at or timezone.now()
    return bool(
        Contact.objects.filter(user_id=user.pk, anonymised_at__isnull=True)
        .filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at))
        .update(last_activity_at=at)
    )


# --- import ---------------------------------------------------------------------------------


class Outcome(models.TextChoices):
    NEW = "new", _("Nouveau contact")
    UPDATE = "update", _("Mise à jour")
    UNCHANGED = "unchanged", _("Inchangé")
    ERROR = "error", _("Erreur")


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]  # as in the file, by column
    cleaned: dict = field(default_factory=dict)  # by Contact attribute
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # columns that change (update)
    contact: Contact | None = None
    outcome: str = Outcome.NEW

    @property
    def outcome_label(self) -> str:
        return str(Outcome(self.outcome).label)

    @property
    def name(self) -> str:
        parts = (self.values.get(resources.FIRST_NAME), self.values.get(resources.LAST_NAME))
        return " ".join(part for part in parts if part)

    # The cells as in the file, for the preview (templates cannot read « e-mail »).
    @property
    def function_text(self) -> str:
        return self.values.get(resources.FUNCTION, "")

    @property
    def email_text(self) -> str:
        return self.values.get(resources.EMAIL, "")

    @property
    def communes_text(self) -> str:
        return self.values.get(resources.COMMUNES, "")


@dataclass
class ImportPreview:
    filename: str
    columns: list[str]
    ignored: list[str]
    rows: list[ImportRow]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.outcome for row in self.rows)
        return {outcome: counted.get(outcome, 0) for outcome in Outcome.values}

    @property
    def has_errors(self) -> bool:
        return any(row.outcome == Outcome.ERROR for row in self.rows)

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.outcome == Outcome.ERROR]

    @property
    def to_write(self) -> int:
        return sum(1 for row in self.rows if row.outcome in (Outcome.NEW, Outcome.UPDATE))


def _name_key(first_name: str, last_name: str) -> tuple[str, str]:
    return fold(first_name), fold(last_name)


# The column of each Contact attribute of the file (to name what an update changes).
COLUMN_OF = {
    "last_name": resources.LAST_NAME,
    "first_name": resources.FIRST_NAME,
    "function": resources.FUNCTION,
    "email": resources.EMAIL,
    "phone": resources.PHONE,
    "communes": resources.COMMUNES,
    "language": resources.LANGUAGE,
}


def _changes(contact: Contact, cleaned: dict) -> list[str]:
    changed = []
    for attribute, value in cleaned.items():
        if attribute == "communes":
            same = {c.pk for c in value} == {c.pk for c in contact.communes.all()}
        elif attribute == "email":
            same = value.lower() == contact.email.lower()
        else:
            same = value == getattr(contact, attribute)
        if not same:
            changed.append(COLUMN_OF[attribute])
    return sorted(changed, key=resources.COLUMNS.index)


def contacts_import_preview(*, epci: Epci, data: dict) -> ImportPreview:
    """What importing `data` (from `resources.read_contacts_file`) would do, row by row:
    a new contact, an update (matched by e-mail within the EPCI; a row without e-mail, by
    name among the EPCI's contacts without e-mail), unchanged, or an error with its messages.
    Reads only."""
    resource = resources.ContactResource(epci=epci)
    existing = list(
        Contact.objects.filter(epci=epci, anonymised_at__isnull=True).prefetch_related("communes")
    )
    by_email = {contact.email.lower(): contact for contact in existing if contact.email}
    without_email = defaultdict(list)
    for contact in existing:
        if not contact.email:
            without_email[_name_key(contact.first_name, contact.last_name)].append(contact)

    rows = []
    lines_of_key = defaultdict(list)
    for line, values, overflow in data["rows"]:
        row = ImportRow(line=line, values=values)
        row.cleaned, row.errors = resource.clean_row(values)
        if overflow:
            row.errors.insert(
                0,
                gettext(
                    "La ligne a plus de cellules que le fichier n'a de colonnes : une cellule "
                    "qui contient « ; » (plusieurs communes) doit être entre guillemets."
                ),
            )
        email = row.cleaned.get("email", "")
        if email:
            lines_of_key[("email", email.lower())].append(line)
        elif "first_name" in row.cleaned and "last_name" in row.cleaned:
            key = _name_key(row.cleaned["first_name"], row.cleaned["last_name"])
            lines_of_key[("name", *key)].append(line)
        rows.append(row)

    for row in rows:
        email = row.cleaned.get("email", "")
        if email:
            lines = lines_of_key[("email", email.lower())]
            if len(lines) > 1:
                row.errors.append(
                    gettext("Adresse e-mail en double dans le fichier (lignes %(lines)s).")
                    % {"lines": ", ".join(str(line) for line in lines)}
                )
            row.contact = by_email.get(email.lower())
        elif "first_name" in row.cleaned and "last_name" in row.cleaned:
            key = _name_key(row.cleaned["first_name"], row.cleaned["last_name"])
            lines = lines_of_key[("name", *key)]
            if len(lines) > 1:
                row.errors.append(
                    gettext(
                        "Contact sans e-mail en double dans le fichier (lignes %(lines)s) : "
                        "indiquez leur adresse e-mail."
                    )
                    % {"lines": ", ".join(str(line) for line in lines)}
                )
            matches = without_email.get(key, [])
            if len(matches) > 1:
                row.errors.append(
                    gettext(
                        "Plusieurs contacts de l'EPCI sans e-mail s'appellent ainsi : "
                        "indiquez l'adresse e-mail pour savoir lequel mettre à jour."
                    )
                )
            elif matches:
                row.contact = matches[0]

        if row.errors:
            row.outcome = Outcome.ERROR
            row.contact = None
        elif row.contact is None:
            row.outcome = Outcome.NEW
        else:
            row.changes = _changes(row.contact, row.cleaned)
            if not row.contact.is_active:
                row.changes.append(gettext("réactivé"))
            row.outcome = Outcome.UPDATE if row.changes else Outcome.UNCHANGED
    return ImportPreview(
        filename=data.get("filename", ""),
        columns=list(data["columns"]),
        ignored=list(data.get("ignored", [])),
        rows=rows,
    )


def _write_row(epci: Epci, row: ImportRow, by: User) -> None:
    values = dict(row.cleaned)
    communes = values.pop("communes", None)
    contact = row.contact
    creating = contact is None
    if creating:
        contact = Contact(epci=epci)
        before = set()
    else:
        before = set(contact.communes.all())
        contact.is_active = True
    for attribute, value in values.items():
        setattr(contact, attribute, value)
    try:
        contact.full_clean()
        contact.save()
    except ValidationError as exc:
        raise ValidationError(
            gettext("Ligne %(line)s : %(errors)s")
            % {"line": row.line, "errors": " ".join(exc.messages)},
            code="row_invalid",
        ) from exc
    if communes is not None:
        contact.communes.set(communes)
    after = set(communes) if communes is not None else before
    function = Contact.Function(contact.function).label
    if creating:
        for commune in after:
            _record(
                commune,
                "created",
                actor=by,
                subject=contact,
                name=contact.full_name,
                function=function,
            )
    else:
        with translation.override(settings.LANGUAGE_CODE):
            detail = gettext("Modifié : %(columns)s.") % {"columns": ", ".join(row.changes)}
        for commune in sorted(after | before, key=lambda c: c.insee_code):
            _record(
                commune,
                "updated",
                actor=by,
                subject=contact,
                detail=detail,
                name=contact.full_name,
            )
        # The referent just confirmed these details: the contact is current.
        contact_touch(contact=contact)


@transaction.atomic
def contacts_import(*, epci: Epci, data: dict, by: User) -> ImportPreview:
    """Import a previewed file: every new and updated row in one transaction, or nothing.

    Raises ValidationError — and writes nothing — when any row is in error (checked again
    now, against the database as it is) or the database refuses one.
    """
    _check_referent(by, epci.pk)
    # One import at a time per EPCI: two referents importing the same new e-mail at once
    # would otherwise both see it as new.
    Epci.objects.select_for_update().get(pk=epci.pk)
    preview = contacts_import_preview(epci=epci, data=data)
    if preview.has_errors:
        count = len(preview.error_rows)
        raise ValidationError(
            translation.ngettext(
                "%(count)s ligne du fichier est en erreur : rien n'a été importé.",
                "%(count)s lignes du fichier sont en erreur : rien n'a été importé.",
                count,
            )
            % {"count": count},
            code="rows_in_error",
        )
    try:
        with transaction.atomic():
            for row in preview.rows:
                if row.outcome in (Outcome.NEW, Outcome.UPDATE):
                    _write_row(epci, row, by)
    except IntegrityError as exc:
        raise ValidationError(
            _("Les contacts ont changé pendant l'import : rien n'a été importé, recommencez."),
            code="conflict",
        ) from exc
    return preview


def contacts_import_error_report(*, preview: ImportPreview) -> bytes:
    """The rows in error, as in the file, with a last column « erreurs »: a CSV to fix."""
    import tablib

    dataset = tablib.Dataset(headers=[*preview.columns, "ligne", "erreurs"])
    for row in preview.error_rows:
        dataset.append(
            [
                *(row.values.get(column, "") for column in preview.columns),
                row.line,
                " ".join(row.errors),
            ]
        )
    return resources.dataset_to_csv(dataset)


def contacts_export(*, epci: Epci, file_format: str) -> tuple[bytes, str, str]:
    """The EPCI's contacts (not anonymised) as a file to download: (content, type, name)."""
    resource = resources.ContactResource(epci=epci)
    dataset = resource.export()
    stamp = timezone.localdate().isoformat()
    name = f"contacts-{epci.siren}-{stamp}"
    if file_format == "xlsx":
        title = gettext("Contacts")
        return resources.dataset_to_xlsx(dataset, title=title), resources.XLSX_TYPE, f"{name}.xlsx"
    return resources.dataset_to_csv(dataset), resources.CSV_TYPE, f"{name}.csv"


# --- RGPD: export ---------------------------------------------------------------------------


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def contact_export_json(*, contact: Contact) -> dict:
    """Everything the portal holds about a contact (right of access, art. 15 RGPD), as plain
    data for JSON: the contact, their communes, their account, and what their account did or
    received. Choice fields give the code and the label (in the current language)."""
    user = contact.user
    addresses = {address.lower() for address in (contact.email, user and user.email) if address}
    data = {
        "format": "referent-portal/contact/1",
        "generated_at": _when(timezone.now()),
        "contact": {
            "id": contact.pk,
            "epci": {"siren": contact.epci.siren, "name": contact.epci.name},
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "function": contact.function,
            "function_label": contact.get_function_display(),
            "email": contact.email,
            "phone": contact.phone,
            "language": contact.language,
            "legal_basis": contact.legal_basis,
            "legal_basis_label": contact.get_legal_basis_display(),
            "is_active": contact.is_active,
            "last_activity_at": _when(contact.last_activity_at),
            "anonymised_at": _when(contact.anonymised_at),
            "created_at": _when(contact.created_at),
            "updated_at": _when(contact.updated_at),
        },
        "communes": [
            {"insee_code": commune.insee_code, "name": commune.name}
            for commune in contact.communes.order_by("insee_code")
        ],
        "user_account": None,
        "networks": [
            {
                "network": membership.network.name,
                "member_since": _when(membership.created_at),
                "coordinator": membership.network.coordinator_id == contact.pk,
            }
            for membership in Membership.objects.filter(contact=contact).select_related("network")
        ],
        "emails_received": [
            {
                "to": email.to,
                "subject": email.subject,
                "kind": email.kind,
                "status": email.status,
                "queued_at": _when(email.created_at),
                "sent_at": _when(email.sent_at),
            }
            for email in _emails_to(addresses).order_by("created_at", "pk")
        ],
        **meetings_export(contact, addresses, _when),
        **trainings_export(contact, _when),
        "drive_commitments_changed": [],
        "adoption_changes": [],
        "suggestions_answered": [],
        "requests_submitted": [],
        "messages_authored": [],
        "timeline_entries_as_actor": [],
    }
    if user is None:
        return data
    data["user_account"] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "role_label": user.get_role_display(),
        "language": user.language,
        "is_active": user.is_active,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
    }
    data["drive_commitments_changed"] = [
        {
            "drive": commitment.drive.title,
            "commune": commitment.commune.insee_code,
            "status": commitment.status,
            "status_label": commitment.get_status_display(),
            "deliberation_date": _when(commitment.deliberation_date),
            "comment": commitment.comment,
            "updated_at": _when(commitment.updated_at),
        }
        for commitment in Commitment.objects.filter(changed_by=user)
        .select_related("drive", "commune")
        .order_by("updated_at", "pk")
    ]
    data["adoption_changes"] = [
        {
            "commune": event.adoption.commune.insee_code,
            "service": event.adoption.service.code,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "reason": event.reason,
            "changed_at": _when(event.changed_at),
        }
        for event in AdoptionEvent.objects.filter(changed_by=user)
        .select_related("adoption__commune", "adoption__service")
        .order_by("changed_at", "pk")
    ]
    data["suggestions_answered"] = [
        {
            "commune": suggestion.commune.insee_code,
            "title": suggestion.title,
            "status": suggestion.status,
            "status_label": suggestion.get_status_display(),
            "answer_comment": suggestion.answer_comment,
            "answered_at": _when(suggestion.answered_at),
        }
        for suggestion in Suggestion.objects.filter(answered_by=user)
        .select_related("commune")
        .order_by("answered_at", "pk")
    ]
    data["requests_submitted"] = [
        {
            "reference": request.reference,
            "commune": request.commune.insee_code,
            "category": request.category,
            "subject": request.subject,
            "description": request.description,
            "status": request.status,
            "status_label": request.get_status_display(),
            "created_at": _when(request.created_at),
            "status_changed_at": _when(request.status_changed_at),
            "attachments": [attachment.filename for attachment in request.attachments.all()],
        }
        for request in Request.objects.filter(submitted_by=user)
        .select_related("commune")
        # The person's files, not those of the EPCI's internal notes on their requests.
        .prefetch_related(Prefetch("attachments", queryset=shared_attachments()))
        .order_by("created_at", "pk")
    ]
    data["messages_authored"] = [
        {
            "request": message.request.reference,
            "body": message.body,
            "internal": message.internal,
            "created_at": _when(message.created_at),
        }
        for message in Message.objects.filter(author=user)
        .select_related("request")
        .order_by("created_at", "pk")
    ]
    data["timeline_entries_as_actor"] = [
        {
            "commune": entry.commune.insee_code,
            "at": _when(entry.at),
            "kind": entry.kind,
            "title": entry.title,
            "detail": entry.detail,
        }
        for entry in TimelineEntry.objects.filter(actor=user)
        .select_related("commune")
        .order_by("at", "pk")
    ]
    return data


def _emails_to(addresses: set[str]):
    if not addresses:
        return OutgoingEmail.objects.none()
    condition = Q()
    for address in addresses:
        condition |= Q(to__iexact=address)
    return OutgoingEmail.objects.filter(condition)


# --- RGPD: anonymisation --------------------------------------------------------------------


def anonymous_label(contact: Contact) -> str:
    """What replaces the person's name, in the portal's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Contact anonymisé n° %(number)s") % {"number": contact.pk}


def anonymous_address(contact: Contact) -> str:
    # .invalid (RFC 2606) can never be delivered to.
    return f"anonyme-{contact.pk}@anonyme.invalid"


def _personal_strings(contact: Contact, user: User | None) -> list[str]:
    """The strings that identify the person, as they may appear in free text (longest
    first, so that « Marie Dupont » goes before « Dupont Marie »)."""
    strings = set()
    people = [(contact.first_name, contact.last_name)]
    emails = [contact.email]
    if user is not None:
        people.append((user.first_name, user.last_name))
        emails.append(user.email)
        if "@" in user.username:
            emails.append(user.username)
    for first, last in people:
        if first and last:
            for text in (
                f"{first} {last}",
                f"{last} {first}",
                f"{first} {last.upper()}",
                f"{last.upper()} {first}",
            ):
                strings.add(text)
    for email in emails:
        if email:
            strings.update({email, email.lower()})
    phone = contact.phone.strip()
    if len(phone.replace(" ", "")) >= 6:
        strings.add(phone)
    return sorted((s for s in strings if len(s) >= 3), key=len, reverse=True)


def _scrub(queryset, fields: list[str], strings: list[str], replacement: str) -> None:
    """Replace every personal string in the text fields of these rows: one query finds the
    rows that hold one, then SQL REPLACE rewrites them (the rows are not loaded)."""
    if not strings:
        return
    holds = Q()
    for name in fields:
        for text in strings:
            holds |= Q(**{f"{name}__contains": text})
    ids = list(queryset.filter(holds).values_list("pk", flat=True))
    if not ids:
        return
    rows = queryset.model.objects.filter(pk__in=ids)
    for text in strings:
        rows.update(**{name: Replace(name, Value(text), Value(replacement)) for name in fields})


def _anonymise_user(user: User, *, label: str, contact: Contact) -> list[str]:
    """Deactivate the account and scrub it; returns its former login names."""
    former = [name for name in {user.username, user.email} if name]
    user.first_name, _sep, user.last_name = label.partition(" ")
    user.email = ""
    user.username = f"anonyme-{user.pk}"
    user.is_active = False
    user.set_unusable_password()  # also ends its sessions (their hash no longer matches)
    user.save()
    _scrub_login_logs(former, user.username)
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=str(user)[:200])
    return former


def _scrub_login_logs(former: list[str], username: str) -> None:
    """django-axes keeps the login names (and addresses) of login attempts."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessAttempt.objects.filter(username__in=former).delete()
    for model in (AccessLog, AccessFailureLog):
        model.objects.filter(username__in=former).update(
            username=username, ip_address=None, user_agent=""
        )


@transaction.atomic
def contact_anonymise(*, contact: Contact, by: User | None) -> Contact:
    """Replace the contact's personal data by anonymous values, keep the history.

    The contact becomes « Contact anonymisé n° 123 », inactive, without e-mail or phone; its
    user account is deactivated, scrubbed (names, e-mail, login name, password) and unlinked.
    Every history row is kept and now points at the anonymous contact or user; its free text
    (requests, messages, comments, timeline) loses the person's names, e-mail and phone; the
    e-mails sent to them keep their subject and dates, lose their address, body and
    attachments; those still waiting are not sent. Each of their communes' timeline records
    the anonymisation, without personal data.

    `by` is the referent of the contact's EPCI, or None (the retention purge).
    """
    contact = (
        Contact.objects.select_for_update(of=("self",)).select_related("user").get(pk=contact.pk)
    )
    if by is not None:
        _check_referent(by, contact.epci_id)
        if contact.user_id is not None and contact.user_id == by.pk:
            raise ValidationError(
                _("Vous ne pouvez pas anonymiser votre propre fiche."), code="self"
            )
    if contact.anonymised_at is not None:
        raise ValidationError(_("Ce contact est déjà anonymisé."), code="already_anonymised")

    user = contact.user
    strings = _personal_strings(contact, user)
    addresses = {s.lower() for s in strings if "@" in s}
    label = anonymous_label(contact)
    communes = list(contact.communes.all())

    contact.first_name, _sep, contact.last_name = label.partition(" ")
    contact.email = ""
    contact.phone = ""
    contact.is_active = False
    contact.anonymised_at = timezone.now()
    contact.user = None
    contact.full_clean()
    contact.save()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id=str(contact.pk)
    ).update(object_repr=str(contact)[:200])

    if user is not None:
        _anonymise_user(user, label=label, contact=contact)
        _scrub(
            Request.objects.filter(submitted_by=user), ["subject", "description"], strings, label
        )
        _scrub(
            Message.objects.filter(Q(author=user) | Q(request__submitted_by=user)),
            ["body"],
            strings,
            label,
        )
        _scrub(Suggestion.objects.filter(answered_by=user), ["answer_comment"], strings, label)
        _scrub(Commitment.objects.filter(changed_by=user), ["comment"], strings, label)
        _scrub(AdoptionEvent.objects.filter(changed_by=user), ["reason"], strings, label)
    timeline_scope = Q(
        content_type=ContentType.objects.get_for_model(Contact), object_id=contact.pk
    ) | Q(commune__in=communes)
    if user is not None:
        timeline_scope |= Q(actor=user)
    _scrub(TimelineEntry.objects.filter(timeline_scope), ["title", "detail"], strings, label)
    _anonymise_emails(addresses, contact=contact, strings=strings, label=label)
    meetings_anonymise(contact, addresses, label=label, address=anonymous_address(contact))
    trainings_anonymise(contact, strings=strings, label=label)
    # E-mails to others that name the person (a referent told of their request…).
    _scrub(OutgoingEmail.objects.all(), ["subject", "body_text", "body_html"], strings, label)

    for commune in communes:
        _record(commune, "anonymised", actor=by, subject=contact, number=contact.pk)
    return contact


def _anonymise_emails(addresses: set[str], *, contact: Contact, strings, label) -> None:
    emails = _emails_to(addresses)
    ids = list(emails.values_list("pk", flat=True))
    if not ids:
        return
    emails = OutgoingEmail.objects.filter(pk__in=ids)
    emails.filter(status__in=OutgoingEmail.SENDABLE).update(
        status=OutgoingEmail.Status.FAILED,
        next_attempt_at=None,
        last_error=gettext("Destinataire anonymisé (RGPD) : non envoyé."),
    )
    _scrub(emails, ["last_error"], strings, label)
    emails.update(
        to=anonymous_address(contact),
        reply_to="",
        body_text=gettext("Contenu effacé (RGPD)."),
        body_html="",
    )
    OutgoingAttachment.objects.filter(email_id__in=ids).update(content=b"")
    _scrub(DeliveryAttempt.objects.filter(email_id__in=ids), ["error"], strings, label)


# --- RGPD: retention ------------------------------------------------------------------------


@dataclass
class PurgeResult:
    cutoff: datetime
    dry_run: bool
    found: int = 0
    anonymised: int = 0
    by_epci: Counter = field(default_factory=Counter)


def contacts_purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Anonymise the contacts inactive for longer than CONTACT_RETENTION_DAYS (see
    `selectors.contacts_inactive_since`). Each contact in its own transaction: one failure
    does not undo the others, and a contact active again meanwhile is left alone."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CONTACT_RETENTION_DAYS)
    result = PurgeResult(cutoff=cutoff, dry_run=dry_run)
    candidates = list(
        contacts_inactive_since(cutoff)
        .select_related("epci")
        .order_by("pk")
        .values_list("pk", "epci__name")
    )
    result.found = len(candidates)
    for pk, epci_name in candidates:
        if dry_run:
            result.by_epci[epci_name] += 1
            continue
        with transaction.atomic():
            contact = (
                contacts_inactive_since(cutoff)
                .select_for_update(of=("self",))
                .filter(pk=pk)
                .first()
            )
            if contact is None:
                continue
            contact_anonymise(contact=contact, by=None)
        result.anonymised += 1
        result.by_epci[epci_name] += 1
    return result

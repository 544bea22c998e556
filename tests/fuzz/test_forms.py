"""Every form of the portal, fuzzed (hypothesis) as the role that uses it.

Whatever is posted: never a server error, and an answer that is not a success (anything but a
redirection) leaves every table as it was — nothing half-saved. A filter form (GET) writes
nothing at all. The forms are found by walking every `Form` class of the project's packages:
a new form that is not listed in TARGETS (or in NOT_POSTED, with the reason) fails
`test_every_form_of_the_portal_is_fuzzed`.

Each example runs in a savepoint rolled back afterwards, so that every example starts from the
same territory (a successful example must not cancel the meeting the next one posts to).
The number of examples comes from the hypothesis profile (tests/conftest.py).
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django import forms
from django.db import transaction
from django.urls import reverse
from hypothesis import given

from tests.fuzz.kit import changed, form_data, forms_on, snapshot
from tests.fuzz.world import World, build_world, invitation_signature_of

PACKAGES = ("referent_portal", "communes", "meetings", "trainings", "requests_relay")


@dataclass(frozen=True)
class Target:
    """Where a form is shown (`page`), where it is posted (`action`, the page when None), by
    whom (None: anonymous). `prepare` runs once before the examples (a first step of a wizard)."""

    form: str
    role: str | None
    page: Callable[[World], str]
    action: Callable[[World], str] | None = None
    method: str = "post"
    prepare: Callable | None = None

    @property
    def id(self) -> str:
        return f"{self.form}-{self.role or 'anonymous'}-{self.method}"


def r(name, *args):
    return lambda w: reverse(name, args=[a(w) if callable(a) else a for a in args])


def o(attr, *path):
    """An attribute of a world object, by path: o('meeting', 'pk')."""

    def get(w):
        value = getattr(w, attr)
        for step in path:
            value = getattr(value, step)
        return value

    return get


CSV = "prenom;nom;fonction;commune;email\nClaire;Le Goff;secretaire;22076;claire@henon.fr\n"


def pending_import(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("contacts.csv", CSV.encode(), "text/csv")
    client.post(reverse("communes:contacts_import"), {"file": upload})


REQUEST = o("request", "reference")
MEETING = o("meeting", "pk")
HELD = o("held_meeting", "pk")
SIGNED = lambda w: invitation_signature_of(w.invitation)  # noqa: E731

TARGETS = [
    # accounts
    Target("accounts.LoginForm", None, r("accounts:login")),
    Target("accounts.MagicLinkForm", None, r("accounts:magic_link")),
    Target("accounts.OutboxPasswordResetForm", None, r("accounts:password_reset")),
    Target(
        "accounts.PortalSetPasswordForm",
        None,
        lambda w: reverse("accounts:password_reset_confirm", args=w.reset_path),
    ),
    Target("accounts.PortalPasswordChangeForm", "agent", r("accounts:password_change")),
    Target("accounts.PortalPasswordChangeForm", "officer", r("accounts:password_change")),
    Target("dashboard.EmailPreferencesForm", "agent", r("dashboard:email_preferences")),
    # communes
    Target("communes.CommuneFilterForm", "referent", r("communes:list"), method="get"),
    Target("adoption.MatrixFilterForm", "referent", r("communes:adoption_matrix"), method="get"),
    Target(
        "adoption.AdoptionChangeForm",
        "referent",
        r("communes:adoption_change", o("henon", "insee_code"), "actes"),
    ),
    Target(
        "adoption.AdoptionFromRequestForm",
        "referent",
        r("requests_relay:detail", o("membership_request", "reference")),
        r("communes:adoption_from_request", o("membership_request", "reference")),
    ),
    Target("contacts.ContactSearchForm", "referent", r("communes:contact_list"), method="get"),
    Target("contacts.ContactFileForm", "referent", r("communes:contacts_import")),
    Target(
        "contacts.ImportConfirmForm",
        "referent",
        r("communes:contacts_import_preview"),
        prepare=pending_import,
    ),
    Target("contacts.AnonymiseForm", "referent", r("communes:contact_anonymise", o("maire", "pk"))),
    Target("drives.DriveForm", "referent", r("communes:drive_create")),
    Target("drives.CloseForm", "referent", r("communes:drive_close", o("open_drive", "pk"))),
    Target("drives.CancelForm", "referent", r("communes:drive_cancel", o("drive", "pk"))),
    Target(
        "drives.AnswerForm",
        "agent",
        r("communes:drive_answer", o("open_drive", "pk"), o("henon", "insee_code")),
    ),
    Target(
        "drives.AnswerForm",
        "referent",
        r("communes:drive_answer", o("open_drive", "pk"), o("henon", "insee_code")),
    ),
    Target("networks.NetworkForm", "referent", r("communes:network_create")),
    Target("networks.NetworkForm", "referent", r("communes:network_update", o("network", "pk"))),
    Target(
        "networks.MemberAddForm",
        "referent",
        r("communes:network_detail", o("network", "pk")),
        r("communes:network_member_add", o("network", "pk")),
    ),
    Target("suggestions.SuggestionForm", "referent", r("communes:suggestion_create")),
    Target(
        "suggestions.AnswerForm",
        "agent",
        r("communes:suggestion_answer", o("sent_suggestion", "pk")),
    ),
    Target(
        "timeline.TimelineFilterForm",
        "referent",
        r("communes:commune_timeline", o("henon", "insee_code")),
        method="get",
    ),
    # meetings
    Target("meetings.MeetingForm", "referent", r("meetings:create")),
    Target("meetings.MeetingForm", "referent", r("meetings:edit", MEETING)),
    Target("meetings.CancelForm", "referent", r("meetings:cancel", MEETING)),
    Target(
        "meetings.DocumentForm",
        "referent",
        r("meetings:detail", MEETING),
        r("meetings:document_add", MEETING),
    ),
    Target(
        "invitations.InviteForm",
        "referent",
        lambda w: (
            reverse("meetings:invitation_add", args=[w.meeting.pk]) + f"?communes={w.henon.pk}"
        ),
        r("meetings:invitation_add", MEETING),
    ),
    Target(
        "invitations.InviteForm",
        "referent",
        r("meetings:invitation_add", MEETING),
        method="get",
    ),
    Target("invitations.DelegateForm", None, r("meetings:rsvp_delegate", SIGNED)),
    Target(
        "attendance.WalkInForm",
        "referent",
        r("meetings:checkin", HELD),
        r("meetings:checkin_walk_in", HELD),
    ),
    Target("attendance.MinutesForm", "referent", r("meetings:minutes_edit", HELD)),
    Target("attendance.FollowUpForm", "referent", r("meetings:follow_up_add", HELD)),
    Target(
        "attendance.FollowUpRequestForm",
        "referent",
        r("meetings:follow_up_request", HELD, o("follow_up", "pk")),
    ),
    Target(
        "attendance.FollowUpSuggestionForm",
        "referent",
        r("meetings:follow_up_suggestion", HELD, o("follow_up", "pk")),
    ),
    Target("campaigns.CampaignForm", "referent", r("campaigns:create")),
    Target("campaigns.CampaignForm", "referent", r("campaigns:edit", o("campaign", "pk"))),
    Target(
        "campaigns.RecipientFilterForm",
        "referent",
        r("campaigns:detail", o("sent_campaign", "pk")),
        method="get",
    ),
    # trainings
    Target("trainings.SessionForm", "referent", r("trainings:session_create")),
    Target("trainings.SessionForm", "referent", r("trainings:session_edit", o("session", "pk"))),
    Target("trainings.CancelForm", "referent", r("trainings:session_cancel", o("session", "pk"))),
    Target("trainings.EnrolOthersForm", "agent", r("trainings:enrol_others", o("session", "pk"))),
    Target("trainings.SurveyForm", None, r("trainings:survey", o("survey_token"))),
    Target(
        "trainings.DemandFromRequestForm",
        "referent",
        r("requests_relay:detail", o("training_request", "reference")),
        r("trainings:demand_from_request", o("training_request", "reference")),
    ),
    Target("trainings.DemandPeopleForm", "referent", r("trainings:demand_propose", "m2-actes")),
    # requests
    Target("requests_relay.RequestForm", "agent", r("requests_relay:create")),
    Target("requests_relay.InboxFilterForm", "referent", r("requests_relay:list"), method="get"),
    Target(
        "requests_relay.MessageForm",
        "agent",
        r("requests_relay:detail", REQUEST),
        r("requests_relay:message_add", REQUEST),
    ),
    Target(
        "requests_relay.MessageForm",
        "referent",
        r("requests_relay:detail", REQUEST),
        r("requests_relay:message_add", REQUEST),
    ),
    Target(
        "requests_relay.NoteForm",
        "referent",
        r("requests_relay:detail", REQUEST),
        r("requests_relay:note_add", REQUEST),
    ),
    Target(
        "requests_relay.AssignForm",
        "referent",
        r("requests_relay:detail", REQUEST),
        r("requests_relay:assign", REQUEST),
    ),
    Target(
        "requests_relay.AskInformationForm",
        "referent",
        r("requests_relay:detail", REQUEST),
        r("requests_relay:ask_information", REQUEST),
    ),
    Target(
        "requests_relay.ResolveForm",
        "referent",
        r("requests_relay:detail", REQUEST),
        r("requests_relay:resolve", REQUEST),
    ),
    Target("requests_relay.RelayRequestForm", "referent", r("requests_relay:relay", REQUEST)),
    Target(
        "requests_relay.DossierForm",
        "referent",
        lambda w: (
            reverse("requests_relay:dossier_create")
            + f"?requests={w.request.pk}&requests={w.membership_request.pk}"
        ),
        r("requests_relay:dossier_create"),
    ),
]

# Form classes that no page posts on its own: bases of the listed forms, with the reason.
NOT_POSTED = {
    "adoption._StatusForm": "base of AdoptionChangeForm and AdoptionFromRequestForm",
    "attendance._ConversionForm": "base of FollowUpRequestForm and FollowUpSuggestionForm",
    "requests_relay._ActionForm": "base of AssignForm, AskInformationForm, ResolveForm…",
    "audience.AudienceForm": "base of InviteForm and CampaignForm",
}


def _label(cls) -> str:
    """« app.ClassName »: the module's package, without forms/views (accounts.LoginForm)."""
    parts = [p for p in cls.__module__.split(".") if p not in ("forms", "views", "forms_followup")]
    return f"{parts[-1]}.{cls.__name__}"


def project_form_classes() -> dict[str, type]:
    """Every Form class defined in the project's packages (the admin site's forms aside)."""
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" in info.name or "management" in info.name or "tests" in info.name:
                continue
            importlib.import_module(info.name)
    found = {}
    pending = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in PACKAGES and not sub.__module__.endswith("admin"):
                found[_label(sub)] = sub
    return found


def test_every_form_of_the_portal_is_fuzzed():
    found = project_form_classes()
    listed = {target.form for target in TARGETS}
    print(f"{len(found)} form classes, {len(TARGETS)} fuzzed targets")
    assert sorted(set(found) - listed - set(NOT_POSTED)) == [], "a form escapes the fuzzing"
    assert sorted(listed - set(found)) == [], "a listed form no longer exists"
    assert len(found) == 54  # the count, so that a removal is noticed too


@pytest.fixture
def world(settings):
    settings.SYNDICAT_WEBHOOK_URL = ""
    return build_world()


SUCCESS = range(300, 400)


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_a_form_answers_any_input_without_error_or_half_saved_data(target, world, client):
    form_class = project_form_classes()[target.form]
    if target.role:
        client.force_login(world.users[target.role])
    if target.prepare:
        target.prepare(client, world)
    page = target.page(world)
    action = (target.action or target.page)(world)
    shown = client.get(page, follow=True)
    assert shown.status_code == 200, f"{page} answers {shown.status_code}"
    if shown.redirect_chain:  # the password reset link moves its token into the session
        page = action = shown.request["PATH_INFO"]
    candidates = [
        f
        for f in forms_on(shown.content.decode(), page)
        if f.method == target.method and f.action == action
    ]
    assert candidates, f"no {target.method} form to {action} on {page}"
    html_form = max(candidates, key=lambda f: len(f.fields))

    @given(data=form_data(html_form, form_class))
    def run(data):
        with transaction.atomic():
            before = snapshot()
            if target.method == "get":
                response = client.get(action, data)
            else:
                response = client.post(action, data)
            assert response.status_code < 500
            after = snapshot()
            if target.method == "get" or response.status_code not in SUCCESS:
                assert changed(before, after) == [], f"answered {response.status_code} but wrote"
            transaction.set_rollback(True)

    run()


def test_the_strategy_draws_values_of_every_field():
    """The harness itself: a form's fields, read from its page, all come out of the strategy."""
    from hypothesis import find

    html = (
        '<form method="post" action="/x/"><input name="title" value="t">'
        '<select name="communes" multiple><option value="1">A</option></select>'
        '<textarea name="body">b</textarea><input type="file" name="files"></form>'
    )
    (html_form,) = forms_on(html, "/x/")
    assert set(html_form.fields) == {"title", "communes", "body", "files"}
    example = find(form_data(html_form, forms.Form), lambda d: len(d) == 4)
    assert set(example) == {"title", "communes", "body", "files"}

"""The admin site's rows: every ModelAdmin's standard pages, built from the admin registry (a
new ModelAdmin without a line in `RIGHTS` fails the matrix), and its custom pages.

Nobody but staff gets past the admin's login page. The syndicat mixte's officer (the demo's
staff group) and the platform operator (superuser) may do, on each model, what `RIGHTS` says:
v(iew), a(dd), c(hange), d(elete). An object hidden by the scope rule (a draft dossier, a
request never relayed) is not shown: a 404, or the admin's « does not exist » redirect.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .matrix import ADMIN_LOGIN, DONE, LOGIN, OK, REDIRECT, Row
from .world import Obj, Role

# model: (officer's rights, superuser's rights)
RIGHTS = {
    "auth.group": ("", "vacd"),
    # The lockouts and journals are read-only to the officer (a new password lifts a lockout).
    "axes.accessattempt": ("v", "vcd"),
    "axes.accesslog": ("v", "vcd"),
    "axes.accessfailurelog": ("v", "vcd"),
    "authtoken.tokenproxy": ("", "vacd"),
    # The territory and the people: only the operator deletes (a delete cascades).
    "communes.epci": ("vac", "vacd"),
    "communes.commune": ("vac", "vacd"),
    "communes.contact": ("vac", "vacd"),
    "communes.service": ("vacd", "vacd"),
    "accounts.user": ("vac", "vacd"),
    "outbox.outgoingemail": ("v", "vd"),
    # The EPCIs' own work is read-only in the admin site.
    "communes.drive": ("v", "v"),
    "meetings.meeting": ("v", "v"),
    "trainings.trainingmodule": ("vac", "vac"),
    "trainings.trainingsession": ("v", "v"),
    "trainings.enrolment": ("v", "v"),
    "requests_relay.dossier": ("vc", "vc"),
    "requests_relay.request": ("vc", "vc"),
    "requests_relay.relay": ("vc", "vc"),
    "requests_relay.inboundcall": ("vcd", "vcd"),
    "communes.adoption": ("vac", "vacd"),
    "communes.network": ("vacd", "vacd"),
    "communes.suggestion": ("vacd", "vacd"),
    "meetings.campaign": ("v", "v"),
}

# The objects of the world an admin page is visited with (others: the model's first row).
OBJECTS = {
    "communes.commune": "commune",
    "communes.contact": "contact",
    "communes.drive": "drive",
    "communes.network": "network",
    "communes.suggestion": "suggestion",
    "communes.adoption": "adoption_row",
    "meetings.meeting": "meeting",
    "meetings.campaign": "campaign",
    "trainings.trainingsession": "session",
    "trainings.enrolment": "enrolment",
    "requests_relay.request": "request",
    "requests_relay.dossier": "dossier",
    "requests_relay.relay": "relay",
}
# Where the scope rule hides objects from the syndicat mixte (and the operator).
SCOPED = {"requests_relay.request", "requests_relay.dossier"}
NOT_SHOWN = {404, REDIRECT}


def admin_rule(label: str, needs: str, *, form: bool = False):
    """The outcome of each role on a page that needs one of the rights in `needs`."""
    officer_rights, superuser_rights = RIGHTS[label]

    def policy(role: Role, obj: Obj | None):
        if role.name not in ("officer", "superuser"):
            return ADMIN_LOGIN
        rights = officer_rights if role.name == "officer" else superuser_rights
        if not set(needs) & set(rights):
            return 403
        if obj is not None and label in SCOPED and not obj.relayed:
            return NOT_SHOWN
        return DONE if form else OK

    return policy


def _objects(label: str) -> str:
    return OBJECTS.get(label, f"admin:{label}")


def admin_rows() -> list[Row]:
    rows = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        objects = _objects(label)
        app, name = model._meta.app_label, model._meta.model_name

        def kwargs(obj):
            return {"object_id": obj.value.pk}

        rows += [
            Row(
                f"{info}_changelist",
                {
                    "GET": admin_rule(label, "vc"),
                    "POST": admin_rule(label, "vc", form=True),
                },
            ),
            Row(
                f"{info}_add",
                {"GET": admin_rule(label, "a"), "POST": admin_rule(label, "a", form=True)},
            ),
            Row(f"{info}_change", _view_and_form(label, "vc", "c"), objects, kwargs),
            Row(
                f"{info}_history",
                {"GET": admin_rule(label, "vc"), "POST": admin_rule(label, "vc")},
                objects,
                kwargs,
            ),
            Row(
                f"{info}_delete",
                {"GET": admin_rule(label, "d"), "POST": admin_rule(label, "d", form=True)},
                objects,
                kwargs,
            ),
            Row(
                f"admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/",
                {"GET": _redirect, "POST": _redirect},
                objects,
                path=lambda world, obj, app=app, name=name: f"/admin/{app}/{name}/{obj.value.pk}/",
            ),
        ]
        if isinstance(model_admin, SimpleHistoryAdmin):
            rows.append(
                Row(
                    f"{info}_simple_history",
                    {"GET": admin_rule(label, "vc"), "POST": admin_rule(label, "c", form=True)},
                    objects,
                    path=lambda world, obj, info=info: _history_version_url(info, obj),
                )
            )
    return rows + custom_admin_rows()


def staff_only(*, get=OK, post=DONE):
    """An admin page every staff member reaches (the officer and the operator alike)."""

    def rule(outcome):
        return lambda role, obj: outcome if role.name in ("officer", "superuser") else ADMIN_LOGIN

    return {"GET": rule(get), "POST": rule(post)}


def public_admin(*, get=OK, post=DONE):
    return {"GET": lambda role, obj: get, "POST": lambda role, obj: post}


def custom_admin_rows() -> list[Row]:
    """The admin site's own pages and the ModelAdmins' `get_urls`."""
    return [
        Row("admin:index", staff_only()),
        # The admin's login page sends a logged-in staff member to the index.
        Row(
            "admin:login",
            {
                "GET": lambda role, obj: REDIRECT if role.name in ("officer", "superuser") else OK,
                "POST": lambda role, obj: DONE,
            },
        ),
        # Logging out is a POST (then the portal's login page); anyone may ask.
        Row(
            "admin:logout",
            {
                "GET": lambda role, obj: {405, REDIRECT, ADMIN_LOGIN},
                "POST": lambda role, obj: {LOGIN, REDIRECT, ADMIN_LOGIN},
            },
        ),
        Row("admin:password_change", staff_only()),
        Row("admin:password_change_done", staff_only(post=405)),
        # Without its parameters the autocomplete answers nobody.
        Row("admin:autocomplete", staff_only(get=403, post=405)),
        Row("admin:jsi18n", staff_only(post=405)),
        # A meeting has no page of its own to be sent to.
        Row(
            "admin:view_on_site",
            staff_only(get=404, post=404),
            "meeting",
            path=lambda world, obj: _view_on_site(obj),
        ),
        Row(
            "admin:app_list",
            {"GET": admin_rule("communes.epci", "vc"), "POST": admin_rule("communes.epci", "vc")},
            path=lambda world, obj: "/admin/communes/",
        ),
        Row(
            "admin/(?P<url>.*)$", staff_only(get=404, post=404), path=lambda w, o: "/admin/nowhere/"
        ),
        Row(
            "admin:auth_user_password_change",
            _superuser_only(_view_and_form("accounts.user", "c", "c")),
            "admin:accounts.user",
            lambda obj: {"id": obj.value.pk},
        ),
        Row(
            "admin:meetings_meeting_document",
            _view_and_form("meetings.meeting", "vc", "vc"),
            "meeting_document",
            lambda obj: {"meeting_id": obj.value.meeting_id, "document_id": obj.value.pk},
        ),
        Row(
            "admin:meetings_campaign_document",
            _view_and_form("meetings.campaign", "vc", "vc"),
            "campaign_document",
            lambda obj: {"campaign_id": obj.value.campaign_id, "document_id": obj.value.pk},
        ),
        Row(
            "admin:outbox_outgoingemail_attachment",
            _readable_by_officer(_view_and_form("outbox.outgoingemail", "v", "v")),
            "outbox_attachment",
            lambda obj: {"email_id": obj.value.email_id, "attachment_id": obj.value.pk},
        ),
        Row(
            "admin:requests_relay_attachment_download",
            _view_and_form("requests_relay.request", "vc", "vc"),
            "attachment",
            lambda obj: {"request_id": obj.value.request_id, "attachment_id": obj.value.pk},
        ),
        Row(
            "admin:requests_relay_dossier_answer",
            _view_and_form("requests_relay.dossier", "c", "c"),
            "dossier",
            lambda obj: {"pk": obj.value.pk},
        ),
    ]


def _get_logout(role, obj):
    return 405 if role.name in ("officer", "superuser") else {ADMIN_LOGIN, 405}


def _view_on_site(obj):
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    content_type = ContentType.objects.get_for_model(obj.value)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.value.pk])


def _view_and_form(label, view, change):
    return {"GET": admin_rule(label, view), "POST": admin_rule(label, change, form=True)}


def _superuser_only(methods):
    """Setting someone else's password is taking their account: 403 to the officer."""

    def wrap(policy):
        return lambda role, obj: 403 if role.name == "officer" else policy(role, obj)

    return {method: wrap(policy) for method, policy in methods.items()}


def _readable_by_officer(methods):
    """An e-mail's attachment is the recipient's unless its kind is relayed to the officer."""

    def wrap(policy):
        def outcome(role, obj):
            if role.name == "officer" and not obj.extra["readable"]:
                return 404
            return policy(role, obj)

        return outcome

    return {method: wrap(policy) for method, policy in methods.items()}


def _redirect(role: Role, obj):
    return REDIRECT if role.name in ("officer", "superuser") else ADMIN_LOGIN


def _history_version_url(info, obj):
    from django.urls import reverse

    record = obj.value.history.order_by("history_id").first()
    return reverse(f"{info}_simple_history", args=[obj.value.pk, record.history_id])

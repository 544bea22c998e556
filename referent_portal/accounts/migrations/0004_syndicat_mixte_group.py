"""The « Syndicat mixte » group and its permissions, least privilege, made by `migrate`.

The syndicat mixte's staff manage the portal's business data in the admin site (territory,
meetings, trainings, requests), except deleting the territory and the people; they create
referent and agent accounts and correct them, but never an account's address or password
(that is taking the account over: referent_portal/accounts/admin.py), grant no rights (no group, no
permission), read the outbox and resend from it but never change it, and may lift a
password lockout. Nothing of auth, sessions or API tokens. An existing group is set to this
list: rights granted by hand or by an older seed_demo are taken back.

The list is frozen here, not imported: a later model gets into the group only through a
migration that says so.
"""

from django.db import migrations

GROUP = "Syndicat mixte"
BUSINESS_APPS = ("communes", "meetings", "trainings", "requests_relay")
NO_DELETE = {("communes", "epci"), ("communes", "commune"), ("communes", "contact")}
EXACT = {
    # change_user: Django's admin needs it to create an account; the admin keeps the
    # privileges, the address and the password of an existing account to superusers.
    "accounts": {"view_user", "add_user", "change_user"},
    "outbox": {
        "view_outgoingemail",
        "resend_outgoingemail",
        "view_outgoingattachment",
        "view_deliveryattempt",
    },
    "axes": {
        "view_accessattempt",
        "view_accessfailurelog",
        "view_accesslog",
    },
}


def _create_permissions(apps):
    # Permissions are made after every migration (post_migrate); make them now so that this
    # migration sees them on a fresh database.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        if getattr(app_config, "models_module", None) is not None:  # the project's (seed_demo)
            create_permissions(app_config, apps=apps, verbosity=0)
            continue
        app_config.models_module = True  # a migration's historical apps have no module
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def _allowed(permission) -> bool:
    app_label = permission.content_type.app_label
    model = permission.content_type.model
    action = permission.codename.split("_", 1)[0]
    if app_label in EXACT:
        return permission.codename in EXACT[app_label]
    if app_label not in BUSINESS_APPS:
        return False
    if model.startswith("historical"):
        return action == "view"  # the history is read, never written by hand
    return not (action == "delete" and (app_label, model) in NO_DELETE)


def syndicat_group(apps, schema_editor):
    _create_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    candidates = Permission.objects.select_related("content_type").filter(
        content_type__app_label__in=[*BUSINESS_APPS, *EXACT]
    )
    group.permissions.set([p for p in candidates if _allowed(p)])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_email_opt_outs"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0010_accessattemptexpiration"),
        ("communes", "0008_historicalservice"),
        ("meetings", "0003_unguessable_document_names"),
        ("trainings", "0006_enrolment_survey_key"),
        ("requests_relay", "0005_unguessable_attachment_names"),
        ("outbox", "0005_outgoingemail_secret_ref"),
    ]

    operations = [migrations.RunPython(syndicat_group, migrations.RunPython.noop)]

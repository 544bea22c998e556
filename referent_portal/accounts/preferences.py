"""Which e-mails a person may choose not to receive.

Only the messages the referent's work can do without are optional: reminders, campaigns,
minutes. Answers to one's requests, invitations, enrolments, drives and sign-in links are
always sent — without them the commune misses what it asked for or what it must decide.
"""

from django.utils.translation import gettext_lazy as _

OPTIONAL = {
    "reminders": (
        _("Rappels avant une réunion ou une formation"),
        ("meetings.reminder", "trainings.reminder"),
    ),
    "campaigns": (
        _("Campagnes d'information du syndicat mixte relayées par le référent"),
        ("campaigns.message",),
    ),
    "minutes": (_("Comptes rendus des réunions"), ("meetings.minutes",)),
}
OPTIONAL_KINDS = {kind: key for key, (_label, kinds) in OPTIONAL.items() for kind in kinds}


def opted_out(kind: str, address: str) -> bool:
    """Whether the account behind `address` chose not to receive this kind of e-mail."""
    key = OPTIONAL_KINDS.get(kind)
    if key is None:
        return False
    from .models import User

    # Read in Python: SQLite (the embedded default) has no JSON containment lookup.
    choices = User.objects.filter(email__iexact=address, is_active=True).values_list(
        "email_opt_outs", flat=True
    )
    return any(key in (opt_outs or []) for opt_outs in choices)

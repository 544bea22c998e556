"""Signals of the requests app, so other apps can follow a dossier without a circular import."""

from django.dispatch import Signal

# Sent inside the transaction of dossier_apply_answer, once the dossier and its requests are
# updated. Arguments: dossier, action ("acknowledge", "answer", "resolve", "refuse"), message.
dossier_answered = Signal()

"""Invitations: sending, the invitee's answer through signed links, updates, cancellations,
reminders and chases. (Being written: see meetings/services.py for the callers.)"""


def invitations_send_update(*, meeting, by):
    raise NotImplementedError


def invitations_send_cancel(*, meeting, by):
    raise NotImplementedError

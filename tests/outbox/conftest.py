"""Fixtures of the outbox tests."""

import pytest


@pytest.fixture
def published(monkeypatch):
    """Record the send tasks handed to the broker instead of publishing them."""
    from referent_portal.outbox.tasks import send_email

    calls = []

    def apply_async(args, countdown=None, **kwargs):
        calls.append((args[0], countdown))

    monkeypatch.setattr(send_email, "apply_async", apply_async)
    return calls

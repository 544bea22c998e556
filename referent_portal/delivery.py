"""What the two outboxes (e-mails, relays to the syndicat mixte) share.

Both follow one pattern: a row per thing to deliver, a thin task that claims it, a bounded
exponential back-off, short waits riding on a Celery countdown and long ones kept in the row,
and a beat sweeper that hands the broker the rows no task is coming for.
"""

import random
from datetime import datetime, timedelta

from django.db.models import Q

# Retries sooner than this ride on a Celery countdown; later ones wait in the row
# (next_attempt_at) for the sweeper, so no task sits in Redis anywhere near the broker's
# visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS, one hour).
MAX_COUNTDOWN_SECONDS = 15 * 60
# A row just committed is enqueued by its on_commit callback; the sweeper leaves it alone
# for this long so that it does not race that callback.
SWEEP_GRACE = timedelta(seconds=30)


def backoff(
    attempts: int, *, base_seconds: float, cap_seconds: float, jitter: float | None = None
) -> timedelta:
    """Exponential back-off after `attempts` failed tries, ±20 % jitter, never above the cap."""
    exponent = min(max(attempts - 1, 0), 32)
    base = min(base_seconds * 2**exponent, cap_seconds)
    factor = random.uniform(0.8, 1.2) if jitter is None else jitter
    return timedelta(seconds=min(base * factor, cap_seconds))


def rides_on_countdown(delay: timedelta) -> bool:
    return delay.total_seconds() <= MAX_COUNTDOWN_SECONDS


def is_due(now: datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def needs_a_task(now: datetime, stuck_after: timedelta) -> Q:
    """Sendable rows no task is coming for: never enqueued (the broker was down at commit),
    or enqueued long ago by a task that never ran (lost with a broker restart)."""
    overdue = now - stuck_after
    never_enqueued = Q(enqueued_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
    task_never_ran = Q(enqueued_at__lt=overdue) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=overdue)
    )
    return is_due(now) & (never_enqueued | task_never_ran)

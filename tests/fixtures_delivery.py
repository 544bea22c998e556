"""Real delivery peers: a Celery worker on Redis and an SMTP server (filled in by the outbox work)."""

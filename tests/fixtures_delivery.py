"""Real delivery peers for tests: a Celery worker on Redis and an SMTP server."""

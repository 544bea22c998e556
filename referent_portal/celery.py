"""The Celery app. Routes, queues and the beat schedule live in settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "referent_portal.settings")

app = Celery("referent_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

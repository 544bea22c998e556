"""Celery finds the meetings app's tasks here; each feature keeps its own in <feature>/tasks.py."""

from importlib import import_module

from .apps import FEATURES

for _feature in FEATURES:
    try:
        import_module(f"meetings.{_feature}.tasks")
    except ModuleNotFoundError as exc:
        if exc.name != f"meetings.{_feature}.tasks":
            raise

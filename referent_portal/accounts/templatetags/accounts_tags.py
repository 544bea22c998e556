from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def in_minutes(value: timedelta | None) -> int:
    """A duration as a whole number of minutes, rounded up: « réessayez dans 15 minutes »."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)

"""Public pages: no login, the same for everyone. Figures (retention, link lifetimes) are read
from the settings that enforce them, so the pages cannot drift from what the portal does."""

import datetime

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

# The day the accessibility statement was drawn up (RGAA: « établie le »). Change it when the
# statement is revised after an audit.
ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 12, 4)


def _operator() -> dict:
    email = settings.PORTAL_OPERATOR_EMAIL
    return {
        "name": settings.PORTAL_OPERATOR_NAME,
        "address": settings.PORTAL_OPERATOR_ADDRESS,
        "email": email,
        "phone": settings.PORTAL_OPERATOR_PHONE,
        "director": settings.PORTAL_PUBLICATION_DIRECTOR,
        "host": settings.PORTAL_HOST,
        "dpo_email": settings.PORTAL_DPO_EMAIL or email,
        "accessibility_email": settings.PORTAL_ACCESSIBILITY_EMAIL or email,
    }


@require_safe
def accessibility(request):
    return render(
        request,
        "legal/accessibility.html",
        {"operator": _operator(), "statement_date": ACCESSIBILITY_STATEMENT_DATE},
    )


@require_safe
def notice(request):
    return render(request, "legal/notice.html", {"operator": _operator()})


@require_safe
def privacy(request):
    retention = {
        "contact_days": settings.CONTACT_RETENTION_DAYS,
        "magic_link_minutes": int(settings.SESAME_MAX_AGE.total_seconds() // 60),
        "reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "session_days": settings.SESSION_COOKIE_AGE // 86400,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "login_log_days": settings.LOGIN_LOG_RETENTION_DAYS,
        "survey_days": settings.TRAINING_SURVEY_DAYS,
        "orphan_hours": int(settings.UPLOAD_ORPHAN_GRACE.total_seconds() // 3600),
    }
    return render(
        request,
        "legal/privacy.html",
        {"operator": _operator(), "retention": retention, "syndicat": settings.SYNDICAT_NAME},
    )

"""Settings of the portal, driven by environment variables (see `.env.example`).

With nothing set, the portal runs on the embedded default: SQLite, Celery tasks run
eagerly in-process, e-mails written to `var/mail/`. Production (`DEBUG=false`) refuses
to start without a secret key, a database, a broker and an SMTP server.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Where the embedded default keeps its SQLite file, uploads and e-mails.
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default="") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def embedded_secret_key(var_dir: Path) -> str:
    """The embedded default's own secret key: drawn at random once, kept in `var_dir`.

    Never a key published with the code: with one, anyone could sign a survey, RSVP or login
    link. The file is readable by its owner only (0600) and reused on restart, so the links
    already sent keep working. Two processes starting together (runserver and its reloader)
    agree on one key: the file appears complete, by a hard link, or not at all.
    """
    path = var_dir / "secret_key"
    if not path.exists():
        draft = var_dir / f".secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(64) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    if path.stat().st_mode & 0o077:
        raise ImproperlyConfigured(
            f"{path} may be read by other users: chmod 600 {path} (or delete it to draw a new "
            "key, which invalidates the links already sent)."
        )
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable key: delete it to draw a new one.")
    return key


if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="") or embedded_secret_key(VAR_DIR)
    SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
else:
    for required in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "SITE_URL"):
        if not env.str(required, default=""):
            raise ImproperlyConfigured(f"{required} must be set when DEBUG is false.")
    SECRET_KEY = env("SECRET_KEY")
    SITE_URL = env.str("SITE_URL").rstrip("/")
    # The links of every e-mail start with it: a login or reset link must not travel in clear.
    # Only a loopback address (the local docker-compose stack) may do without TLS.
    _site = urlsplit(SITE_URL)
    if not (
        _site.scheme == "https"
        or (_site.scheme == "http" and _site.hostname in {"127.0.0.1", "localhost", "::1"})
    ):
        raise ImproperlyConfigured(
            f"SITE_URL must be an https:// address when DEBUG is false (got {SITE_URL!r})."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=list(LOOPBACK_HOSTS))
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "import_export",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "referent_portal.accounts",
    "referent_portal.outbox",
    "referent_portal.uploads",
    "communes",
    "meetings",
    "trainings",
    "requests_relay",
    "referent_portal.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "referent_portal.accounts.middleware.private_pages",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    # Who made a change, for the history of the objects that keep one (simple_history).
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "referent_portal.urls"
WSGI_APPLICATION = "referent_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "referent_portal.context_processors.portal",
                "referent_portal.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite file by default, PostgreSQL in production and tests.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # axes first: it refuses locked-out credentials before any other backend runs.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Lockout after repeated password failures (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Locked per account: a lockout per IP address would lock out every agent of a mairie or of
# the EPCI's offices, who share one NAT address.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The login journal (django-axes: successful logins and lockouts, with address and browser)
# and the expired sessions are deleted daily past this age (RGPD: security logs, 6–12 months).
LOGIN_LOG_RETENTION_DAYS = env.int("LOGIN_LOG_RETENTION_DAYS", default=180)

# Magic links for commune agents (django-sesame): short-lived and one-time.
# Asking for links is limited per address (accounts/services.py, EMAILS_PER_WINDOW); opening
# them has no lockout on purpose: a token is an HMAC nobody can guess, and a lockout by IP
# address would let one person lock out every agent behind a mairie's NAT or the reverse proxy.
# A password lockout does not stop a valid link either: the link proves the mailbox.
SESAME_MAX_AGE = timedelta(minutes=env.int("MAGIC_LINK_MINUTES", default=15))
SESAME_ONE_TIME = True
SESAME_TOKEN_NAME = "jeton"

# Internationalisation: French first, English available.
LANGUAGE_CODE = "fr"
# Autonyms: each language is named in itself, whatever the interface language.
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail (Django 6.1 MAILERS). SMTP when EMAIL_HOST is set, else files in var/mail/.
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Référent e-administration <referent@portail.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env.str("EMAIL_HOST", default=""):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env.str("EMAIL_HOST"),
                "port": env.int("EMAIL_PORT", default=25),
                "username": env.str("EMAIL_HOST_USER", default="") or None,
                "password": env.str("EMAIL_HOST_PASSWORD", default="") or None,
                "use_tls": env.bool("EMAIL_USE_TLS", default=False),
                "timeout": env.int("EMAIL_TIMEOUT", default=20),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }

# Celery: Redis in production, tasks run eagerly in-process by default.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A message not acknowledged within this time goes back to the queue; every retry delay
# of a task stays well below it, longer waits live in the outbox row (next_attempt_at).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ROUTES = {
    "referent_portal.outbox.tasks.*": {"queue": "mail"},
    "requests_relay.tasks.*": {"queue": "relay"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "referent_portal.outbox.tasks.sweep_outbox",
        "schedule": timedelta(minutes=1),
    },
    "relay-sweep": {
        "task": "requests_relay.tasks.sweep_relays",
        "schedule": timedelta(minutes=1),
    },
    "campaign-sweep": {
        "task": "meetings.campaigns.tasks.sweep_campaigns",
        "schedule": timedelta(minutes=1),
    },
    "drive-reminders": {
        "task": "communes.drives.tasks.send_drive_reminders",
        "schedule": timedelta(hours=1),
    },
    "meeting-reminders": {
        "task": "meetings.invitations.tasks.send_meeting_reminders",
        "schedule": timedelta(hours=1),
    },
    "training-reminders": {
        "task": "trainings.tasks.send_training_reminders",
        "schedule": timedelta(hours=1),
    },
    "suggestion-rules": {
        "task": "communes.suggestions.tasks.propose_suggestions",
        "schedule": timedelta(hours=24),
    },
    "contacts-retention": {
        "task": "communes.contacts.tasks.purge_contacts",
        "schedule": timedelta(hours=24),
    },
    "login-logs-retention": {
        "task": "referent_portal.accounts.tasks.purge_login_logs",
        "schedule": timedelta(hours=24),
    },
    "orphan-uploads": {
        "task": "referent_portal.uploads.tasks.purge_orphan_uploads",
        "schedule": timedelta(hours=24),
    },
}

# Information campaigns: e-mails written to the outbox per transaction by the batch task.
CAMPAIGN_BATCH_SIZE = env.int("CAMPAIGN_BATCH_SIZE", default=200)

# Outbox retry policy: attempts spaced by a bounded exponential back-off.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_STUCK_AFTER = timedelta(minutes=10)

# Content Security Policy (Django's built-in middleware): only our own assets.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Only what needs TLS differs in production; every other protection is the same on the
# embedded default (tests/test_secret_key.py compares the headers of both).
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Knowing the communes: drive reminders, suggestion rules, RGPD retention of contacts.
DRIVE_REMINDER_DAYS = (7, 2)  # days before a drive's deadline when silent communes are chased
SUGGESTION_NO_CONTACT_DAYS = env.int("SUGGESTION_NO_CONTACT_DAYS", default=365)
CONTACT_RETENTION_DAYS = env.int("CONTACT_RETENTION_DAYS", default=3 * 365)

# Trainings: default reminders of a new session, the demand that proposes a session, how long
# the satisfaction survey stays open.
TRAINING_REMINDER_DAYS = (7, 1)
TRAINING_DEMAND_THRESHOLD = env.int("TRAINING_DEMAND_THRESHOLD", default=5)
TRAINING_SURVEY_DAYS = env.int("TRAINING_SURVEY_DAYS", default=60)

# Requests of the communes and their relay to the syndicat mixte.
REQUEST_ATTACHMENT_MAX_BYTES = env.int("REQUEST_ATTACHMENT_MAX_MB", default=10) * 1024 * 1024
REQUEST_ATTACHMENT_MAX_COUNT = 5
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A stored file no row references (its process died before the rollback could delete it) is
# deleted by the daily purge once older than this; an upload in progress is younger.
UPLOAD_ORPHAN_GRACE = timedelta(hours=env.int("UPLOAD_ORPHAN_GRACE_HOURS", default=24))
# The syndicat mixte's webhook (Standard Webhooks: whsec_<base64> secrets). No URL: e-mail only.
SYNDICAT_WEBHOOK_URL = env.str("SYNDICAT_WEBHOOK_URL", default="")
SYNDICAT_WEBHOOK_SECRET = env.str("SYNDICAT_WEBHOOK_SECRET", default="")
# The secret the syndicat mixte signs its answers with (the same scheme, inbound).
SYNDICAT_INBOUND_SECRET = env.str("SYNDICAT_INBOUND_SECRET", default="")
if SYNDICAT_WEBHOOK_URL and not SYNDICAT_WEBHOOK_SECRET:
    raise ImproperlyConfigured("SYNDICAT_WEBHOOK_SECRET must be set with SYNDICAT_WEBHOOK_URL.")
RELAY_TIMEOUT_SECONDS = 10
RELAY_RETRY_WINDOW = timedelta(hours=env.int("RELAY_RETRY_HOURS", default=72))
RELAY_STUCK_AFTER = timedelta(minutes=5)

# REST API for the syndicat mixte's systems (referent_portal/api): token or session, JSON only,
# read scoped by role like the pages. Schema and Swagger UI are public: they hold no data.
REST_FRAMEWORK = {
    # Token first: a call without credentials gets 401 with « WWW-Authenticate: Token ».
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Size and nesting limits, stable error codes (referent_portal/jsonbody.py).
    "DEFAULT_PARSER_CLASSES": ["referent_portal.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "referent_portal.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "referent_portal.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "referent_portal.api.schema.PortalAutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Portail du référent e-administration — API",
    "DESCRIPTION": (
        "Lecture des EPCI, communes, services et adhésions, réunions, sessions de formation et "
        "dossiers ; réponse du syndicat mixte à un dossier. Authentification : "
        "« Authorization: Token <jeton> » (jetons émis dans le site d'administration) ou session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: the CSP allows no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No deep links: Swagger UI nests them inside each operation's button (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "ENUM_NAME_OVERRIDES": {
        "AdoptionStatusEnum": "communes.adoption.models.Adoption.Status",
        "MeetingKindEnum": "meetings.models.Meeting.Kind",
        "MeetingStatusEnum": "meetings.models.Meeting.Status",
        "TrainingSessionStatusEnum": "trainings.models.TrainingSession.Status",
        "TrainingVenueEnum": "trainings.models.TrainingSession.Venue",
        "DossierStatusEnum": "requests_relay.models.DossierStatus",
        "RequestStatusEnum": "requests_relay.models.Status",
        "CategoryEnum": "requests_relay.models.Category",
        "EpciKindEnum": "communes.models.Epci.Kind",
    },
}

PORTAL_NAME = _("Portail du référent e-administration")
SYNDICAT_NAME = env.str("SYNDICAT_NAME", default="Mégalis Bretagne")
SYNDICAT_EMAIL = env.str("SYNDICAT_EMAIL", default="accompagnement@syndicat.invalid")

# Who operates the portal, for the legal notice, the privacy page and the accessibility
# statement (referent_portal/legal). By default the syndicat mixte hosting it for its EPCIs.
PORTAL_OPERATOR_NAME = env.str("PORTAL_OPERATOR_NAME", default=SYNDICAT_NAME)
PORTAL_OPERATOR_ADDRESS = env.str(
    "PORTAL_OPERATOR_ADDRESS",
    default="ZAC des Champs Blancs, 15 rue Claude Chappe, bâtiment B, 35510 Cesson-Sévigné",
)
PORTAL_OPERATOR_EMAIL = env.str("PORTAL_OPERATOR_EMAIL", default=SYNDICAT_EMAIL)
PORTAL_OPERATOR_PHONE = env.str("PORTAL_OPERATOR_PHONE", default="")
# Empty: « la présidente ou le président de <operator> » (by law, a public body's executive).
PORTAL_PUBLICATION_DIRECTOR = env.str("PORTAL_PUBLICATION_DIRECTOR", default="")
# Empty: the operator hosts the portal itself (its name and address are shown).
PORTAL_HOST = env.str("PORTAL_HOST", default="")
# The data protection officer (RGPD art. 37); the operator's address when empty.
PORTAL_DPO_EMAIL = env.str("PORTAL_DPO_EMAIL", default="")
# Where to report an accessibility problem; the operator's address when empty.
PORTAL_ACCESSIBILITY_EMAIL = env.str("PORTAL_ACCESSIBILITY_EMAIL", default="")

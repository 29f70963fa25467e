"""Settings for Alliance Portal.

Every value that differs between machines comes from the environment (or a
`.env` file beside `manage.py`), read through django-environ. `.env.example`
and the README list them. With DEBUG off (the default) the portal runs with
production security settings and refuses to start without a SECRET_KEY.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Values already in the environment win over the file. ENV_FILE points elsewhere
# (or at /dev/null to read no file at all).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (a long random string) "
            "before running with DEBUG off, or set DEBUG=true for local development."
        )
    # Development only: a fixed key is harmless while DEBUG is on.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-8c2f0d6b1e4a"
elif not DEBUG and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or len(set(SECRET_KEY)) < SECRET_KEY_MIN_DISTINCT
):
    # It signs tracking, evaluation, reset and invitation links: a weak one lets them be forged.
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak: it needs at least {SECRET_KEY_MIN_LENGTH} characters, "
        f"at least {SECRET_KEY_MIN_DISTINCT} of them different. Generate one with "
        '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "alliance_portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "alliance_portal.accounts",
    "alliance_portal.schools",
    "alliance_portal.pages",
    "alliance_portal.demo",
    "alliance_portal.notifications",
    "alliance_portal.reports",
    "alliance_portal.chasers",
    "alliance_portal.privacy",
    "leaders",
    "requests.apps.SupportRequestsConfig",
    "deployments",
]

MIDDLEWARE = [
    # First: every response, even a redirect to HTTPS, and every log line carry the request's id.
    "alliance_portal.ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "alliance_portal.middleware.SecurityHeadersMiddleware",
    # Before anything reads a form: a post in another charset than UTF-8 is a 400.
    "alliance_portal.middleware.FormCharsetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Visitors' public pages from the shared cache, before sessions and the rest.
    "alliance_portal.pages.public_cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "alliance_portal.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked sign-in into its answer.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked account-and-client pair before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "alliance_portal.urls"
WSGI_APPLICATION = "alliance_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alliance_portal.pages.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# No health check: it costs a `SELECT 1` on every request. A connection that died (the
# database restarted) fails one request's query, which Django then closes at the
# request's end, and the next request opens a fresh one; none lives past CONN_MAX_AGE.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
# No statement may hold a web worker longer than the web server's own timeout:
# PostgreSQL cancels a statement after DB_STATEMENT_TIMEOUT and gives up waiting
# for a lock after DB_LOCK_TIMEOUT (milliseconds; 0 turns either off, as a long
# maintenance command may want). The page then says "try again in a moment" (503).
DB_STATEMENT_TIMEOUT = env.int("DB_STATEMENT_TIMEOUT", default=15_000)
DB_LOCK_TIMEOUT = env.int("DB_LOCK_TIMEOUT", default=5_000)
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
    options["options"] = " ".join(
        filter(
            None,
            [
                options.get("options", ""),
                f"-c statement_timeout={DB_STATEMENT_TIMEOUT}",
                f"-c lock_timeout={DB_LOCK_TIMEOUT}",
            ],
        )
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Sensible SQLite defaults for a single-machine first run.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_MIN_LENGTH = 10
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    # Django's check compares whole strings; this one also finds the email's name
    # or the person's name inside the password ("jo.bloggs" in "JoBloggs2026!").
    {"NAME": "alliance_portal.accounts.passwords.NotLikeTheAccountValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes the files WhiteNoise serves.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# GOV.UK Frontend's bundle and assets, served under /static/govuk-frontend/ (not its Sass).
GOVUK_FRONTEND_DIST = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "alliance_portal.storage.GovukFrontendFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "alliance_portal.storage.PortalStaticFilesStorage"
        )
    },
}

# EMAIL_URL sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, ... in one value,
# for example smtp+tls://user:password@smtp.example.org:587
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Seconds the worker waits on the mail server before it gives up on an attempt
# (the email is retried later). No web request talks to the mail server at all.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Alliance Portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# History is for reading: no "Revert" button (AllianceScopedHistoryAdmin refuses the POST too).
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

LOGIN_URL = "accounts:login"
# Where nobody else is sent: staff land in the admin, leaders on /my/ (accounts.views.landing_url).
LOGIN_REDIRECT_URL = "home"
# Password reset and invitation links stay valid for five days (or until used).
PASSWORD_RESET_TIMEOUT = 5 * 24 * 3600

# Failed sign-ins (see accounts.lockout). django-axes locks an account on one
# client after LOGIN_LOCK_AFTER failures, for LOGIN_LOCK_SECONDS; a client that
# fails LOGIN_CLIENT_CEILING times within LOGIN_FAILURE_WINDOW, over any
# accounts, is refused until the window ends.
LOGIN_LOCK_AFTER = env.int("LOGIN_LOCK_AFTER", default=10)
LOGIN_LOCK_SECONDS = env.int("LOGIN_LOCK_SECONDS", default=15 * 60)
LOGIN_CLIENT_CEILING = env.int("LOGIN_CLIENT_CEILING", default=100)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)

AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default"
AXES_FAILURE_LIMIT = LOGIN_LOCK_AFTER
AXES_COOLOFF_TIME = datetime.timedelta(seconds=LOGIN_LOCK_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts while locked are refused unread: they neither count nor stretch the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "alliance_portal.accounts.lockout.axes_username"
AXES_CLIENT_IP_CALLABLE = "alliance_portal.pages.protection.client_address"
AXES_CLIENT_STR_CALLABLE = "alliance_portal.accounts.lockout.axes_client_description"
AXES_LOCKOUT_CALLABLE = "alliance_portal.accounts.lockout.locked_out_response"
# No table of who tried to sign in from where: counts in the cache are enough.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Axes warns about a per-process cache even in development; portal.E010
# (alliance_portal.checks) refuses one wherever it matters, with DEBUG off.
SILENCED_SYSTEM_CHECKS = ["axes.W001"]

# Security. Everything below is on whenever DEBUG is off; a proxy in front
# terminates TLS and sets X-Forwarded-Proto (see README, "Deploying").
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# A form whose security check failed gets the portal's own page, saying what to do.
CSRF_FAILURE_VIEW = "alliance_portal.pages.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is hard to undo for a whole domain: set SECURE_HSTS_PRELOAD=false
    # if the portal's domain is not ready for it (check --deploy then warns).
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Sessions: (idle seconds, seconds in all) before signing out again. Staff reach
# a whole alliance's records from the admin, so theirs are short.
SESSION_LIMITS = {
    "staff": (
        env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60),
        env.int("STAFF_SESSION_MAX_SECONDS", default=10 * 3600),
    ),
    "leader": (
        env.int("LEADER_SESSION_IDLE_SECONDS", default=14 * 86400),
        env.int("LEADER_SESSION_MAX_SECONDS", default=30 * 86400),
    ),
}
SESSION_COOKIE_AGE = SESSION_LIMITS["leader"][0]
# The admin warns this long before a staff session ends, with a button to stay signed in.
SESSION_WARNING_SECONDS = env.int("SESSION_WARNING_SECONDS", default=120)

# Content-Security-Policy (django-csp): scripts, styles, fonts and images come from
# the portal itself, never inline; nothing may frame it or receive its forms.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs go to stderr: with DEBUG off one JSON object a line (time, level, logger, message,
# request_id, user_id), with it on a readable line. Email addresses and private links'
# secrets are masked in both (alliance_portal/ops/logs.py; README, "Running in production").
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "alliance_portal.ops.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "alliance_portal.ops.logs.PortalJsonFormatter"},
        "text": {
            "()": "alliance_portal.ops.logs.PortalTextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": env.str("LOG_FORMAT", default="text" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # The portal's own loggers (alliance_portal.notifications, ...) write through the root's handler.
    "loggers": {"alliance_portal": {"level": LOG_LEVEL}},
}

# Cache: rate-limit and sign-in counters live here, and every worker must share
# them: with DEBUG off a per-process cache is refused (alliance_portal.checks).
# Production sets CACHE_URL=redis://127.0.0.1:6379/1.
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
    # Whole public pages (the leader directory), apart so they never push out
    # the counters above. Share it between workers too, e.g. redis://.../2.
    "pages": env.cache_url("PAGE_CACHE_URL", default="locmemcache://pages"),
}
# Django's Redis backend, keeping one client per connection pool (alliance_portal/cache.py).
for _cache in CACHES.values():
    if _cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        _cache["BACKEND"] = "alliance_portal.cache.SharedClientRedisCache"

# Background work (django-tasks, database backend): the outbox's delivery and
# anything else a web request must not wait for. `manage.py db_worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The dashboard's figures come from a snapshot in the shared cache
# (alliance_portal/reports/snapshots.py): after a change, the old one is still shown
# for up to DASHBOARD_STALE_SECONDS while the worker works out a new one, and none is
# kept longer than DASHBOARD_MAX_AGE_SECONDS.
DASHBOARD_STALE_SECONDS = env.int("DASHBOARD_STALE_SECONDS", default=60)
DASHBOARD_MAX_AGE_SECONDS = env.int("DASHBOARD_MAX_AGE_SECONDS", default=300)

# Exports of a changelist (alliance_portal/reports): up to EXPORT_IN_REQUEST_MAX_ROWS
# rows are sent at once; longer lists are built by the worker, with a progress bar
# and a download link kept for EXPORT_KEEP_HOURS. A list longer than EXPORT_MAX_ROWS
# is not exported (narrow it first). A build with no progress for
# EXPORT_STALL_SECONDS is shown as stopped (its worker died).
EXPORT_IN_REQUEST_MAX_ROWS = env.int("EXPORT_IN_REQUEST_MAX_ROWS", default=2000)
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=250_000)
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)
EXPORT_STALL_SECONDS = env.int("EXPORT_STALL_SECONDS", default=300)

# Portal settings.
PORTAL_NAME = "Alliance Portal"

# How many reverse proxies in front of the portal add to X-Forwarded-For; the
# client address for rate limits is read from that many hops from the end.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Open requests with no progress for this many days are closed by `manage.py lapse_requests`.
REQUEST_LAPSE_DAYS = env.int("REQUEST_LAPSE_DAYS", default=60)

# Reminders `manage.py send_chasers` sends, each once, on working days only
# (alliance_portal/chasers). The leader is reminded of an unanswered proposal this many
# working days after it was sent (not before its answer-by date), and the coordinators
# as many working days after that.
CHASE_PROPOSAL_WORKING_DAYS = env.int("CHASE_PROPOSAL_WORKING_DAYS", default=3)
# Agreed work with nothing in its support log this many weeks after its start date.
CHASE_NOTHING_LOGGED_WEEKS = env.int("CHASE_NOTHING_LOGGED_WEEKS", default=3)
# No impact report this many days after the work ended (or was due to end).
CHASE_REPORT_DAYS_AFTER_END = env.int("CHASE_REPORT_DAYS_AFTER_END", default=14)
# No evaluation from the school this many days after the work was completed or stopped.
CHASE_EVALUATION_DAYS = env.int("CHASE_EVALUATION_DAYS", default=14)
# The leader hears that a designation review is due this many days before its date.
CHASE_REVIEW_DAYS_BEFORE = env.int("CHASE_REVIEW_DAYS_BEFORE", default=60)
# A reminder that fell due longer ago than this (the job was not run, or the portal is new)
# is not sent any more; the coordinators' weekly digest still lists what waits.
CHASE_CATCH_UP_DAYS = env.int("CHASE_CATCH_UP_DAYS", default=30)

# Privacy (see the README's "Security and privacy" and templates/pages/privacy.html).
# A school's tracking link stops working this many days after the request ends.
TRACKING_LINK_DAYS_AFTER_END = env.int("TRACKING_LINK_DAYS_AFTER_END", default=30)
# A leader stops seeing the school contact's name, email and phone this long after the work ends.
LEADER_CONTACT_DAYS_AFTER_END = env.int("LEADER_CONTACT_DAYS_AFTER_END", default=30)
# `manage.py apply_retention` anonymises people's details in records closed this long ago.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=6)
# ... deletes sent and failed emails after this many days, and finished worker tasks after
# TASK_RESULTS_KEEP_DAYS (their arguments can hold an email address).
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=90)
TASK_RESULTS_KEEP_DAYS = env.int("TASK_RESULTS_KEEP_DAYS", default=14)

# Rate limits per client: (attempts, per seconds).
RATE_LIMITS = {
    "request-support": (env.int("RATE_LIMIT_REQUEST_SUPPORT", default=30), 3600),
    "become-a-leader": (env.int("RATE_LIMIT_BECOME_A_LEADER", default=10), 3600),
    "tracking": (env.int("RATE_LIMIT_TRACKING", default=20), 3600),
    "school-evaluation": (env.int("RATE_LIMIT_SCHOOL_EVALUATION", default=20), 3600),
    # Each reset request sends an email: keep strangers from flooding a mailbox.
    "password-reset": (env.int("RATE_LIMIT_PASSWORD_RESET", default=5), 3600),
}

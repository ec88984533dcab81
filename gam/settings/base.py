"""Settings shared by every environment. Values come from the environment (see README)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from gam.settings.env import ImproperEnvValue, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-secret-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "django_celery_beat",
    "axes",
    "csp",
    "gam",
    "accounts",
    "teams",
    "opportunities",
    "opportunities.conflicts",
    "accounts.plans",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # before anything reads the query: a NUL byte there or in the path is a 400
    "gam.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gam.middleware.TenantMiddleware",
    "gam.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # last, as django-axes requires: turns a locked-out login into its lockout response
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gam.urls"
WSGI_APPLICATION = "gam.wsgi.application"

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
                "gam.context_processors.navigation",
                "opportunities.conflicts.context_processors.notifications",
            ],
        },
    },
]


def database(url: str, **options) -> dict:
    """A DATABASES entry; PostgreSQL goes through gam.db.postgresql, which keeps the
    row-level-security setting gam.tenant_id in step with the tenant in context (gam/rls.py)."""
    config = dj_database_url.parse(url, **options)
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["ENGINE"] = "gam.db.postgresql"
    # One transaction per request: a request's writes land together or not at all, and the
    # row-level-security tenant setting (SET LOCAL) lives exactly as long as the request.
    config["ATOMIC_REQUESTS"] = True
    return config


# The app's role: on PostgreSQL a role that neither owns the tables nor bypasses RLS
# (a member of DATABASE_APP_ROLE). Migrations run as the owner: MIGRATE_DATABASE_URL,
# used by `manage.py migrate --database migrate` (see README, "Security model").
DATABASES = {
    "default": database(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if env_str("MIGRATE_DATABASE_URL"):
    DATABASES["migrate"] = database(env_str("MIGRATE_DATABASE_URL"))
    DATABASES["migrate"]["TEST"] = {"MIRROR": "default"}
# Row-level security: the NOLOGIN group role the app's login role is a member of.
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "gam_app")

AUTH_USER_MODEL = "gam.User"
AUTHENTICATION_BACKENDS = [
    # first: refuses a locked-out login before any password is checked
    "axes.backends.AxesStandaloneBackend",
    "gam.authentication.TenantModelBackend",  # ModelBackend, loading the user's tenant
    "guardian.backends.ObjectPermissionBackend",
]
# API tokens (gam.tokens): days until a token of tokens/ expires unless the request says
# otherwise, and the lifetime of the token POST auth/token/ answers with (0: no expiry).
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 365)
API_TOKEN_LOGIN_DAYS = env_int("API_TOKEN_LOGIN_DAYS", 30)

# Webhooks (gam.webhooks): attempts per delivery and the first back-off (x4 each retry);
# private targets only for local development and tests (never in production: SSRF).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 5)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling and lockout (django-axes): 5 failed logins for one email from one address
# lock that pair out for 15 minutes; the login page and the token endpoint say so (429).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "gam.security.axes_username"
AXES_LOCKOUT_CALLABLE = "gam.security.lockout_response"
AXES_VERBOSE = False
# The client's address (lockout and rate limits): REMOTE_ADDR unless the deployment trusts
# PROXY_COUNT proxies in front of the app to append to X-Forwarded-For (gam.throttling).
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "gam.throttling.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# guardian: no anonymous user row (every user belongs to a tenant)
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("sv", "Svenska")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    # JSON with a nesting limit (400 beyond it), forms and uploads.
    "DEFAULT_PARSER_CLASSES": [
        "gam.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # ?format=csv on every endpoint (gam/renderers.py)
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "gam.renderers.CSVRenderer",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gam.authentication.TenantTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "gam.drf.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular's, introspecting views with a stand-in user and tenant (gam/schema.py)
    "DEFAULT_SCHEMA_CLASS": "gam.schema.AutoSchema",
    "EXCEPTION_HANDLER": "gam.drf.exception_handler",
    # Rate limits per user (token or session) and per address for anonymous calls; 429 with
    # Retry-After beyond them. Counted in the default cache (Redis in production).
    "DEFAULT_THROTTLE_CLASSES": [
        "gam.throttling.AnonRateThrottle",
        "gam.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_RATE_ANON", "60/min"),
        "user": env_str("API_RATE_USER", "1200/min"),
        "login": env_str("API_RATE_LOGIN", "20/min"),
    },
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "GAM API",
    "DESCRIPTION": "Global account management CRM. See API.md for the contract.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" or "status": one clear enum name each.
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "opportunities.models.Activity.Kind",
        "CriterionKindEnum": "accounts.models.SelectionCriterion.Kind",
        "ConflictKindEnum": "opportunities.conflicts.models.ConflictKind",
        "ImportKindEnum": "gam.imports.registry.kinds",
        "OpportunityStatusEnum": "opportunities.models.OpportunityStatus",
        "LeadStatusEnum": "opportunities.models.Lead.Status",
        "ConflictStatusEnum": "opportunities.conflicts.models.ConflictStatus",
        "PlanActionStatusEnum": "accounts.plans.models.PlanAction.Status",
        "ImportStatusEnum": "gam.models.ImportJob.Status",
        "ScanRunStatusEnum": "opportunities.conflicts.models.ScanRun.Status",
    },
}

# Content-Security-Policy (django-csp): everything from our own origin, no inline script or
# style, no eval, no framing. Pages put their JS in static/js/*.js. The API docs relax
# style-src for Swagger UI only (gam/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# One process (make run): in memory. With Redis, the cache is shared by every web and
# worker process: throttle and lockout counters, an import's write progress.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "gam",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}


def cache_settings(redis_url: str) -> dict:
    return {
        "default": {
            # Fails open: Redis down means no cache, not no service (gam/cache.py).
            "BACKEND": "gam.cache.FailOpenRedisCache",
            "LOCATION": redis_url,
        }
    }


if env_str("REDIS_URL"):
    CACHES = cache_settings(env_str("REDIS_URL"))

# Sessions read from the cache (written through to the database): no query per request
# while cached, and still valid when the cache is emptied or down; kept under a digest of the
# key, so neither the table nor the cache holds a usable session (gam/sessions.py).
SESSION_ENGINE = "gam.sessions"

# List counts are cached until the tenant's data changes (gam.counts); this bounds the age
# of a count after a write that bypassed the models (raw SQL). 0 turns the cache off.
COUNT_CACHE_SECONDS = env_int("COUNT_CACHE_SECONDS", 300)

# Celery: without a broker URL every task runs eagerly in-process (the embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", env_str("REDIS_URL", ""))
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == ""
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A web request that queues a task waits at most about a second for a broker that is down.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A task a dead worker (SIGKILL, OOM) never acknowledged comes back to another worker after
# the visibility timeout (kombu's default is an hour), found by a restore pass every 30 s.
# It must exceed the longest task: a full scan of a large tenant takes well under a minute.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 600),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 3,
}
# A scan "running" for longer died with its worker (its task has been redelivered by then):
# the conflicts page shows it stalled and another scan takes over.
CONFLICT_SCAN_STALE_MINUTES = env_int("CONFLICT_SCAN_STALE_MINUTES", 20)
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= CONFLICT_SCAN_STALE_MINUTES * 60:
    raise ImproperEnvValue(
        "CONFLICT_SCAN_STALE_MINUTES must exceed CELERY_VISIBILITY_TIMEOUT_SECONDS"
    )
CONFLICT_SCAN_INTERVAL_MINUTES = env_int("CONFLICT_SCAN_INTERVAL_MINUTES", 60)
# All periodic tasks (Celery beat; django-celery-beat's scheduler installs these entries).
# The conflict scan entry fans out one full scan task per tenant (opportunities.conflicts.tasks;
# the tasks kept the names they had before the conflict engine had its own app).
CELERY_BEAT_SCHEDULE = {
    "conflict-scan-every-tenant": {
        "task": "opportunities.tasks.scan_all_tenants",
        "schedule": CONFLICT_SCAN_INTERVAL_MINUTES * 60.0,
    },
    # Tasks kept while the broker was down (gam.tasks.send_task) are queued again.
    "send-unsent-tasks": {"task": "gam.tasks.send_unsent_tasks", "schedule": 60.0},
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gam@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

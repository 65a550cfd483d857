"""Reelboard settings: every value comes from the environment (django-environ).

With no environment at all the product runs embedded: SQLite file, Celery tasks executed
eagerly in-process, local-memory cache. Setting DATABASE_URL and REDIS_URL switches to the
production shape: PostgreSQL, a Redis broker/result backend/cache and real Celery workers.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# "development" (the default: the embedded demo on a developer machine) or "production"
# (docker-compose and real deployments): production turns on the hardening at the end of this file.
REELBOARD_ENV = env.str("REELBOARD_ENV", default="development")
if REELBOARD_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"REELBOARD_ENV must be 'development' or 'production', not {REELBOARD_ENV!r}")
PRODUCTION = REELBOARD_ENV == "production"

DEBUG = env.bool("DEBUG", default=False)
# The embedded default is a developer machine; production must set SECRET_KEY explicitly.
_DEV_SECRET = "reelboard-insecure-development-key-change-me-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET)
if PRODUCTION and (SECRET_KEY == _DEV_SECRET or DEBUG):
    raise ImproperlyConfigured("REELBOARD_ENV=production needs its own SECRET_KEY and DEBUG off")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Keyed hash for platform user ids: raw ids never reach the database or the logs. Rotating it changes every
# pseudonym, so it is its own secret: required (and distinct from SECRET_KEY) whenever DATABASE_URL is set.
VIEWER_ID_HMAC_KEY = env.str("VIEWER_ID_HMAC_KEY", default="")
if env.str("DATABASE_URL", default="") and (not VIEWER_ID_HMAC_KEY or VIEWER_ID_HMAC_KEY == SECRET_KEY):
    raise ImproperlyConfigured("DATABASE_URL is set: VIEWER_ID_HMAC_KEY must be set too, to a dedicated secret "
                               "(not SECRET_KEY); changing it later changes every viewer pseudonym")
VIEWER_ID_HMAC_KEY = VIEWER_ID_HMAC_KEY or SECRET_KEY  # the embedded SQLite demo only

INSTALLED_APPS = [
    "workspace.apps.ReelboardAdminConfig",  # Django's admin with the workspace's site (dashboards as its index)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # runserver serves static files through WhiteNoise, as gunicorn does
    "django.contrib.staticfiles",
    "strawberry_django",
    "django_celery_beat",
    "corsheaders",
    "axes",
    "marketing",
    "marketing.jobs",
    "analytics",
    "analytics.personas",
    "recommendations",
    "compliance",
    "workspace",  # the marketer's workspace: admin dashboards and GraphiQL, above the domain apps
]

MIDDLEWARE = [
    "marketing.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # after sessions (reads the chosen language), before common; activates the language for every view,
    # GraphQL resolvers included (docs/operator/i18n.md)
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "marketing.auth.PrincipalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers sign-ins that axes refused (marketing/login_throttle.py)
]

# Admin sign-in throttling (django-axes): failures count per user name and client address together.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Failed admin sign-ins of one user name from one client address before that pair is locked out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Minutes a locked-out user name and client address pair waits (failures older than this are forgotten).
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# One lock per (user name, client address) pair: a guesser elsewhere cannot lock a person out of their desk.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address: the same rule as the API rate limits (see marketing/login_throttle.py).
AXES_CLIENT_IP_CALLABLE = "marketing.login_throttle.axes_client_address"
# The translated 429 answer to a locked-out sign-in.
AXES_LOCKOUT_CALLABLE = "marketing.login_throttle.lockout_response"
# A successful sign-in (before the lock) forgets that pair's earlier failures.
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner at every start (management commands print only what they were asked)

ROOT_URLCONF = "marketing.urls"
WSGI_APPLICATION = "marketing.wsgi.application"
ASGI_APPLICATION = "marketing.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # first, ahead of django.contrib.admin's own: marketing/templates/admin/base_site.html (language switcher)
        "DIRS": [BASE_DIR / "marketing" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'reelboard.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if not IS_POSTGRES:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# GraphQL operations that passed validation (marketing/graphql/limits.py), in each process's memory: a
# Redis round trip would cost about what it saves. The least recently used keys go first when it is full.
CACHES["graphql-validation"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "graphql-validation",
    "TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": env.int("GRAPHQL_VALIDATION_CACHE_SIZE", default=1000)},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
# The product's languages: a person's choice (the admin's switcher, a cookie), else Accept-Language, else English.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves STATIC_ROOT in every shape (runserver with DEBUG off, gunicorn, docker-compose): files are
# collected with content hashes in their names (cached for a year) and pre-compressed. `make run` and
# `make web` run collectstatic first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "workspace.storage.StaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

LOGIN_URL = "/admin/login/"
DEMO_ADMIN_PASSWORD = env.str("DEMO_ADMIN_PASSWORD", default="reelboard-demo")

# --- E-mail (reports) ------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587; the default prints to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Reelboard <reports@reelboard.local>")

# --- Report webhooks (analytics/webhooks.py) --------------------------------------------------
# A webhook never reaches a private, loopback, link-local, multicast, reserved or otherwise
# internal address (server-side request forgery), checked when saved and again on each delivery.
# Exceptions for an internal receiver, comma-separated: host names (exact), IP addresses or CIDR
# networks, e.g. "reports.corp.internal,10.20.0.0/16". They allow every port of those hosts.
REPORT_WEBHOOK_ALLOWED_HOSTS = env.list("REPORT_WEBHOOK_ALLOWED_HOSTS", default=[])
REPORT_WEBHOOK_REQUIRE_HTTPS = env.bool("REPORT_WEBHOOK_REQUIRE_HTTPS", default=PRODUCTION)
REPORT_WEBHOOK_TIMEOUT = env.int("REPORT_WEBHOOK_TIMEOUT", default=10)  # seconds, the whole exchange
REPORT_WEBHOOK_MAX_RESPONSE_BYTES = env.int("REPORT_WEBHOOK_MAX_RESPONSE_BYTES", default=64 * 1024)
# Key the per-schedule webhook signing secrets are derived from (analytics/webhook_signing.py); changing it
# changes every schedule's secret. Defaults to SECRET_KEY: set its own so SECRET_KEY can rotate on its own.
REPORT_WEBHOOK_SIGNING_KEY = env.str("REPORT_WEBHOOK_SIGNING_KEY", default=SECRET_KEY)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Embedded mode: no broker, tasks run in-process as they are sent.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 300}
# With Redis down, `.delay()` waited ~19 s (the result backend's default reconnect policy) before failing,
# so every ingest request took 19 s; fail after a short wait instead (the caller logs and carries on).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"timeout": env.float("CELERY_REDIS_RETRY_TIMEOUT",
                                                                                 default=2.0)}}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- GraphQL --------------------------------------------------------------------------------
GRAPHQL_MAX_PAGE_SIZE = env.int("GRAPHQL_MAX_PAGE_SIZE", default=100)
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=10)
GRAPHQL_MAX_ALIASES = env.int("GRAPHQL_MAX_ALIASES", default=30)
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=2000)
GRAPHQL_MAX_COST = env.int("GRAPHQL_MAX_COST", default=20_000)  # see marketing/graphql/limits.py
GRAPHQL_MAX_BATCH = env.int("GRAPHQL_MAX_BATCH", default=10)  # operations in one batched request
# Items in any one list argument or list input field (nodes(ids:), filters, videoIds...; ingest events aside).
GRAPHQL_MAX_LIST_ARGUMENT = env.int("GRAPHQL_MAX_LIST_ARGUMENT", default=100)
# PostgreSQL statement timeout of GraphQL query operations, in milliseconds (0: none); not mutations or tasks.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=2000)
GRAPHQL_GRAPHIQL = env.bool("GRAPHQL_GRAPHIQL", default=not PRODUCTION)
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=not PRODUCTION)

# API tokens expire: a new token lives API_TOKEN_DEFAULT_DAYS unless its issuer picks 1..API_TOKEN_MAX_DAYS.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
# The longest life, in days, an issuer may give a new API token.
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)

# Rate limits (django-ratelimit on the cache: Redis in production), per API token and per client IP.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_PER_TOKEN = env.str("RATELIMIT_PER_TOKEN", default="6000/m")
RATELIMIT_PER_IP = env.str("RATELIMIT_PER_IP", default="3000/m")
# Proxies (load balancers) in front of the application that append to X-Forwarded-For: 0 uses the socket
# address as the client address, n the n-th address from the right of X-Forwarded-For (marketing/ratelimit.py).
RATELIMIT_TRUSTED_PROXIES = env.int("RATELIMIT_TRUSTED_PROXIES", default=0)
if env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR") != "REMOTE_ADDR":  # retired: it read a raw header
    raise ImproperlyConfigured("RATELIMIT_IP_META_KEY is retired: set RATELIMIT_TRUSTED_PROXIES to the number of "
                               "proxies in front of the application (1 behind one load balancer)")
RATELIMIT_FAIL_OPEN = True  # a cache that cannot count does not lock everyone out

# CORS for browser-based marketing tools on other origins (django-cors-headers); none by default.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/graphql$"

# --- Metrics (/metrics, Prometheus) -------------------------------------------------------------
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")  # required in production, else /metrics is 404
CELERY_METRICS_QUEUES = env.list("CELERY_METRICS_QUEUES", default=["celery"])

# --- Product limits ---------------------------------------------------------------------------
INGEST_MAX_EVENTS = env.int("INGEST_MAX_EVENTS", default=5000)
# Privacy: demographic groups and personas with fewer distinct viewers are merged, never shown.
KPI_MIN_GROUP_SIZE = env.int("KPI_MIN_GROUP_SIZE", default=20)
# Reach (distinct viewers) per scope, period and dimension is cached under the brand's rollup
# generation, which every rollup write bumps: a hit is exact, never stale. 0 turns the cache off.
KPI_REACH_CACHE_SECONDS = env.int("KPI_REACH_CACHE_SECONDS", default=3600)
# Per serving process: deserialized per-video viewer sets (analytics.set_cache), least recently used first out.
KPI_SET_CACHE_MB = env.int("KPI_SET_CACHE_MB", default=64)
PERSONA_MIN_SIZE = env.int("PERSONA_MIN_SIZE", default=20)
# Folder of shared public datasets (MovieLens ml-100k, KuaiRec) read where they lie, never copied into the
# repository; a relative path is taken from the repository root.
REELBOARD_DATASETS_DIR = BASE_DIR / env.str("REELBOARD_DATASETS_DIR", default="../shared/datasets")
# Re-ranking of served recommendations: how many recent lists per brand (per API process) make up the
# exposure that the video and category caps are measured against (recommendations.exposure).
RECOMMENDER_EXPOSURE_WINDOW_LISTS = env.int("RECOMMENDER_EXPOSURE_WINDOW_LISTS", default=1000)

# Videos screened per transaction by the compliance re-screen task (flags replaced set-based per batch).
COMPLIANCE_SCREEN_BATCH = env.int("COMPLIANCE_SCREEN_BATCH", default=2000)

STRAWBERRY_DJANGO = {
    "MAP_AUTO_ID_AS_GLOBAL_ID": True,
    "PAGINATION_DEFAULT_LIMIT": GRAPHQL_MAX_PAGE_SIZE,
    "PAGINATION_MAX_LIMIT": GRAPHQL_MAX_PAGE_SIZE,
}

# --- Logging --------------------------------------------------------------------------------
# Every record carries request_id and task_id (marketing.observability); "json" for log pipelines.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(task_id)s] %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(task_id)s %(message)s"},
    },
    "filters": {"context": {"()": "marketing.observability.LogContextFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- HTTPS, cookies and HSTS (on with REELBOARD_ENV=production) ------------------------------
# Production defaults satisfy `manage.py check --deploy` (a test runs it); each can be overridden.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^health/"]  # load balancers and compose probe over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):  # TLS terminated by a proxy that sets it
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

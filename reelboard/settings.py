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

# Encrypts ad-platform credentials at rest (Fernet). Comma-separated to rotate: the first key encrypts, every
# key decrypts. Required (and distinct from SECRET_KEY) whenever DATABASE_URL is set, like VIEWER_ID_HMAC_KEY.
AD_CREDENTIALS_KEY = env.str("AD_CREDENTIALS_KEY", default="")
if env.str("DATABASE_URL", default="") and (not AD_CREDENTIALS_KEY or AD_CREDENTIALS_KEY == SECRET_KEY):
    raise ImproperlyConfigured("DATABASE_URL is set: AD_CREDENTIALS_KEY must be set too, to a dedicated secret "
                               "(not SECRET_KEY); it encrypts the ad platforms' access tokens")
AD_CREDENTIALS_KEY = AD_CREDENTIALS_KEY or SECRET_KEY  # the embedded SQLite demo only

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
    "adplatforms",
    "recommendations",
    "compliance",
    # the demo world of `make run` (seed_demo, seed_ad_platforms, bootstrap_demo), above the domain apps:
    # development only, so a production deployment has neither its commands nor its tables
    *([] if PRODUCTION else ["demo"]),
    "workspace",  # the marketer's workspace: admin dashboards and GraphiQL, above the domain apps
    "reelboard",  # the project (last): registers every app's Celery tasks once the apps are loaded
]

MIDDLEWARE = [
    "reelboard.observability.RequestIdMiddleware",
    "reelboard.db_router.ReplicaRoutingMiddleware",  # first reads of a request may use the replica
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
    "axes.middleware.AxesMiddleware",  # last: it answers sign-ins that axes refused (reelboard/login_throttle.py)
]

# Admin sign-in throttling (django-axes): failures count per user name and client address together.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Failed admin sign-ins of one user name from one client address before that pair is locked out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Minutes a locked-out user name and client address pair waits (failures older than this are forgotten).
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# One lock per (user name, client address) pair: a guesser elsewhere cannot lock a person out of their desk.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address: the same rule as the API rate limits (see reelboard/login_throttle.py).
AXES_CLIENT_IP_CALLABLE = "reelboard.login_throttle.axes_client_address"
# The translated 429 answer to a locked-out sign-in.
AXES_LOCKOUT_CALLABLE = "reelboard.login_throttle.lockout_response"
# A successful sign-in (before the lock) forgets that pair's earlier failures.
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner at every start (management commands print only what they were asked)

ROOT_URLCONF = "reelboard.urls"
WSGI_APPLICATION = "reelboard.wsgi.application"
ASGI_APPLICATION = "reelboard.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # first, ahead of django.contrib.admin's own: reelboard/templates/admin/base_site.html (language switcher)
        "DIRS": [BASE_DIR / "reelboard" / "templates"],
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
# A streaming read replica of default (docs/operator/scaling.md): the lag-tolerant reads named in
# reelboard/db_router.py go there. Empty: no replica, every read on default.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["reelboard.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# GraphQL operations that passed validation (reelboard/graphql/core/limits.py), in each process's memory: a
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
# The STORAGES alias that holds trained models' .npz artefacts (personas, recommenders). Every web and worker
# host must see the same files: with several hosts, add an alias backed by shared storage (S3-compatible or an
# NFS mount, docs/operator/model-artefacts.md) and name it here.
MODEL_ARTEFACT_STORAGE = env.str("MODEL_ARTEFACT_STORAGE", default="default")

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
# Queues (docs/operator/celery.md, scaling.md): rollups after ingest, model training and reports each have
# their own, so a long training run never delays the KPIs of an ingest; everything else (health checks,
# compliance screening, retention fan-out) goes to the default queue. `make worker WORKER_QUEUES=...`
# picks the queues of one worker.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# The queue of the rollup tasks after ingest (deltas, block rebuilds, recomputes, retention per brand).
CELERY_QUEUE_ROLLUPS = env.str("CELERY_QUEUE_ROLLUPS", default="rollups")
# The queue of recommender and persona training and persona assignment.
CELERY_QUEUE_TRAINING = env.str("CELERY_QUEUE_TRAINING", default="training")
# The queue of scheduled KPI reports and their delivery.
CELERY_QUEUE_REPORTS = env.str("CELERY_QUEUE_REPORTS", default="reports")
CELERY_QUEUES_ALL = [CELERY_TASK_DEFAULT_QUEUE, CELERY_QUEUE_ROLLUPS, CELERY_QUEUE_TRAINING, CELERY_QUEUE_REPORTS]
CELERY_TASK_ROUTES = {
    **{name: {"queue": CELERY_QUEUE_ROLLUPS} for name in (
        "analytics.apply_pending_rollups", "analytics.apply_all_pending_rollups", "analytics.rebuild_reach_blocks",
        "analytics.refresh_rollups", "analytics.recompute_brand_rollups", "analytics.recompute_all_rollups",
        "analytics.apply_brand_retention", "recommendations.attribute_all_brands",
        "recommendations.evaluate_experiments")},
    **{name: {"queue": CELERY_QUEUE_TRAINING} for name in (
        "recommendations.train", "recommendations.retrain_all_brands", "personas.train_persona_model",
        "personas.retrain_personas_all_brands", "personas.assign_new_viewers", "personas.assign_new_viewers_all_brands")},
    **{name: {"queue": CELERY_QUEUE_REPORTS} for name in ("analytics.run_due_reports", "analytics.send_report",
                                                          "analytics.send_pacing_alert")},
}

# --- Recommendations in the loop: served lists, attribution, experiments ---------------------
# An interaction counts for the earliest list that served its video to its viewer within this many hours.
RECOMMENDATION_ATTRIBUTION_WINDOW_HOURS = env.int("RECOMMENDATION_ATTRIBUTION_WINDOW_HOURS", default=24)
# Attribution reads interactions ingested at least this long ago, so lists still in a buffer are written first.
RECOMMENDATION_ATTRIBUTION_LAG_SECONDS = env.int("RECOMMENDATION_ATTRIBUTION_LAG_SECONDS", default=300)
# Served lists are buffered in the API process and written in batches by a background thread every this
# many seconds (or when RECOMMENDATION_SERVED_LOG_BATCH lists wait); True writes each list at once (tests).
RECOMMENDATION_SERVED_LOG_FLUSH_SECONDS = env.float("RECOMMENDATION_SERVED_LOG_FLUSH_SECONDS", default=2.0)
RECOMMENDATION_SERVED_LOG_BATCH = env.int("RECOMMENDATION_SERVED_LOG_BATCH", default=500)
RECOMMENDATION_SERVED_LOG_SYNC = env.bool("RECOMMENDATION_SERVED_LOG_SYNC", default=False)
# Key of the experiments' viewer split (HMAC of viewer and experiment); defaults to a key derived from SECRET_KEY.
RECOMMENDATION_SPLIT_KEY = env.str("RECOMMENDATION_SPLIT_KEY", default="")

# --- GraphQL --------------------------------------------------------------------------------
GRAPHQL_MAX_PAGE_SIZE = env.int("GRAPHQL_MAX_PAGE_SIZE", default=100)
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=10)
GRAPHQL_MAX_ALIASES = env.int("GRAPHQL_MAX_ALIASES", default=30)
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=2000)
GRAPHQL_MAX_COST = env.int("GRAPHQL_MAX_COST", default=20_000)  # see reelboard/graphql/core/limits.py
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
# address as the client address, n the n-th address from the right of X-Forwarded-For (reelboard/ratelimit.py).
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
# Queues whose length /metrics reports (default: the four queues above).
CELERY_METRICS_QUEUES = env.list("CELERY_METRICS_QUEUES", default=CELERY_QUEUES_ALL)

# --- Product limits ---------------------------------------------------------------------------
INGEST_MAX_EVENTS = env.int("INGEST_MAX_EVENTS", default=5000)
# Retention (docs/operator/retention.md): rows removed per short transaction (raw interactions, per-viewer rollups).
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=5000)
# Dotted path of a callable ``(before) -> [partition names]`` dropping whole interaction partitions older than
# ``before`` (empty: batched deletes only). The default finds nothing on SQLite or an unpartitioned table.
RETENTION_PARTITION_DROP = env.str("RETENTION_PARTITION_DROP", default="analytics.retention.drop_whole_partitions")
# Privacy: the one threshold for every aggregate about people. Demographic groups, personas and a persona's
# per-campaign figures with fewer distinct viewers are merged or left out, never shown.
PRIVACY_MIN_GROUP_SIZE = env.int("PRIVACY_MIN_GROUP_SIZE", default=20)
for _retired in ("KPI_MIN_GROUP_SIZE", "PERSONA_MIN_SIZE"):  # the two settings it replaces
    if env.int(_retired, default=PRIVACY_MIN_GROUP_SIZE) != PRIVACY_MIN_GROUP_SIZE:
        raise ImproperlyConfigured(f"{_retired} is retired: set PRIVACY_MIN_GROUP_SIZE, the one privacy threshold "
                                   "for demographic groups and personas alike")
# Reach (distinct viewers) per scope, period and dimension is cached under the brand's rollup
# generation, which every rollup write bumps: a hit is exact, never stale. 0 turns the cache off.
KPI_REACH_CACHE_SECONDS = env.int("KPI_REACH_CACHE_SECONDS", default=3600)
# Budget pacing (analytics/pacing.py): spend to date / expected spend by now below this is under-pacing.
PACING_UNDER_RATIO = env.float("PACING_UNDER_RATIO", default=0.8)
# Budget pacing: spend to date / expected spend by now above this is over-pacing.
PACING_OVER_RATIO = env.float("PACING_OVER_RATIO", default=1.2)
# Budget pacing: a daily budget spent before this hour (0-23) of the brand's day raises an alert.
PACING_DAILY_CAP_HOUR = env.int("PACING_DAILY_CAP_HOUR", default=18)
# Per serving process: deserialized per-video viewer sets (analytics.set_cache), least recently used first out.
KPI_SET_CACHE_MB = env.int("KPI_SET_CACHE_MB", default=64)
# PostgreSQL: months of interaction partitions the beat task keeps created ahead of the current month
# (rows beyond them land in the default partition and move when their month is created).
INTERACTION_PARTITIONS_AHEAD_MONTHS = env.int("INTERACTION_PARTITIONS_AHEAD_MONTHS", default=3)
# Folder of shared public datasets (MovieLens ml-100k, KuaiRec) read where they lie, never copied into the
# repository; a relative path is taken from the repository root.
REELBOARD_DATASETS_DIR = BASE_DIR / env.str("REELBOARD_DATASETS_DIR", default="../shared/datasets")
# Re-ranking of served recommendations: how many recent lists per brand (read from the served-list log, so
# every API process counts all processes' lists) make up the exposure that the video and category caps are
# measured against, and how often a process re-reads them (recommendations.exposure).
RECOMMENDER_EXPOSURE_WINDOW_LISTS = env.int("RECOMMENDER_EXPOSURE_WINDOW_LISTS", default=1000)
RECOMMENDER_EXPOSURE_REFRESH_SECONDS = env.float("RECOMMENDER_EXPOSURE_REFRESH_SECONDS", default=60.0)

# Videos screened per transaction by the compliance re-screen task (flags replaced set-based per batch).
COMPLIANCE_SCREEN_BATCH = env.int("COMPLIANCE_SCREEN_BATCH", default=2000)

# --- Ad platforms (docs/operator/ad-platforms.md) ---------------------------------------------
# Report API base URLs: tests and proxies point them elsewhere.
TIKTOK_API_BASE_URL = env.str("TIKTOK_API_BASE_URL", default="https://business-api.tiktok.com/open_api/v1.3/")
OCEANENGINE_API_BASE_URL = env.str("OCEANENGINE_API_BASE_URL", default="https://ad.oceanengine.com/open_api/")
KUAISHOU_API_BASE_URL = env.str("KUAISHOU_API_BASE_URL", default="https://ad.e.kuaishou.com/rest/openapi/")
AD_API_TIMEOUT_SECONDS = env.float("AD_API_TIMEOUT_SECONDS", default=30.0)
# A rate-limited request is retried this many times, waiting BACKOFF * 2**attempt seconds (capped at 60).
AD_API_MAX_RETRIES = env.int("AD_API_MAX_RETRIES", default=5)
AD_API_BACKOFF_SECONDS = env.float("AD_API_BACKOFF_SECONDS", default=2.0)
AD_API_PAGE_SIZE = env.int("AD_API_PAGE_SIZE", default=500)
# A day that failed to sync is synced again after this delay, at most AD_SYNC_DAY_RETRIES times.
AD_SYNC_RETRY_DELAY_SECONDS = env.int("AD_SYNC_RETRY_DELAY_SECONDS", default=900)
AD_SYNC_DAY_RETRIES = env.int("AD_SYNC_DAY_RETRIES", default=3)

STRAWBERRY_DJANGO = {
    "MAP_AUTO_ID_AS_GLOBAL_ID": True,
    "PAGINATION_DEFAULT_LIMIT": GRAPHQL_MAX_PAGE_SIZE,
    "PAGINATION_MAX_LIMIT": GRAPHQL_MAX_PAGE_SIZE,
    # The schema's descriptions (schema.graphql) come from the models' help_text and docstrings where
    # a type declares none.
    "FIELD_DESCRIPTION_FROM_HELP_TEXT": True,
    "TYPE_DESCRIPTION_FROM_MODEL_DOCSTRING": True,
}

# --- Logging --------------------------------------------------------------------------------
# Every record carries request_id and task_id (reelboard.observability); "json" for log pipelines.
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
    "filters": {"context": {"()": "reelboard.observability.LogContextFilter"}},
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

"""Settings, read from the environment.

With no environment at all the server runs on the embedded default: a SQLite file in the
project folder and the in-process channel layer, with DEBUG off (`./dev serve` and the
test run turn it on). `DATABASE_URL` switches to PostgreSQL and `REDIS_URL` to the Redis
channel layer; README.md lists every variable.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

BASE_DIR = Path(__file__).resolve().parent.parent
# A checkout keeps its SQLite file and collected static files in the project folder, and
# the browser client in static/. An installed package (pip install .) carries the client
# as game_server/static and keeps its files in the current directory, not site-packages.
FROM_CHECKOUT = (BASE_DIR / "manage.py").is_file()
DATA_DIR = BASE_DIR if FROM_CHECKOUT else Path.cwd()


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default)
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use 'True' or 'False'")
    return value == "True"


def envint(name: str, default: str, *, minimum: int = 0) -> int:
    value = os.getenv(name, default)
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"Unexpected value {name}={value!r}, use a whole number"
        ) from None
    if number < minimum:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use at least {minimum}")
    return number


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.getenv(name, default)
    if value not in choices:
        raise ImproperlyConfigured(
            f"Unexpected value {name}={value!r}, use one of {', '.join(choices)}"
        )
    return value


DEBUG = envbool("DEBUG", "False")

SECRET_KEY = os.getenv("SECRET_KEY", "")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")
# Django's own generated keys start with this too: none of them is a production secret.
DEVELOPMENT_KEY_PREFIX = "django-insecure"
if DEBUG:
    SECRET_KEY = SECRET_KEY or f"{DEVELOPMENT_KEY_PREFIX}-embedded-default-only-for-development"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=False")
    if SECRET_KEY.startswith(DEVELOPMENT_KEY_PREFIX):
        raise ImproperlyConfigured(
            f"SECRET_KEY starts with {DEVELOPMENT_KEY_PREFIX!r}: a development key, not one "
            "for DEBUG=False; generate a long random one"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=False")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so that `runserver` is daphne's ASGI server.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "servestatic",
    "channels",
    # django-ninja's templates and static files: the lobby API's docs page (/api/docs/)
    # is served from this server, never from a CDN.
    "ninja",
    "game_server",
    "lobby",
    "games",
    "ratings",
    "ranked",
]

# The games on offer: the dotted paths of their rules modules, in the order lobbies list
# them (the first is the default). Unset, every module in games/rules/: the built-in games
# first, then the others by name, so a game `manage.py startgame` writes there is playable
# at once. A site adds its own games here, without editing this package
# (docs/writing-a-game.md); games/rules/__init__.py reads the catalogue from it.
BUILT_IN_GAMES = ["games.rules.arena", "games.rules.connect_four", "games.rules.battleship"]


def games_in(folder: Path) -> list[str]:
    """The rules modules in a folder laid out as games/rules/, built-in games first."""
    found = sorted(
        f"games.rules.{path.stem}"
        for path in folder.glob("*.py")
        if path.stem not in ("__init__", "base")
    )
    return [
        *(game for game in BUILT_IN_GAMES if game in found),
        *(game for game in found if game not in BUILT_IN_GAMES),
    ]


GAMES = envlist("GAMES") or games_in(BASE_DIR / "games" / "rules")

MIDDLEWARE = [
    # Counts responses by status class, and answers /metrics to allowed scrapers on any
    # Host and over plain HTTP, before the checks below.
    "game_server.metrics_endpoint.MetricsMiddleware",
    # Answers /health/ on any Host and over plain HTTP, likewise.
    "game_server.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files in production, async and without a thread hop.
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "game_server.urls"
ASGI_APPLICATION = "game_server.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

if os.getenv("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL")
    # Connections a process keeps open and lends out (psycopg's pool), rather than one
    # opened per request and per database call of a socket: 0 opens one each time.
    DATABASE_POOL_SIZE = envint("DATABASE_POOL_SIZE", "10")
    if DATABASE_POOL_SIZE:
        DATABASES["default"]["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": DATABASE_POOL_SIZE, "timeout": 10}
        }
        # Each connection the pool lends is checked first (one round trip): after a
        # PostgreSQL restart it replaces those it kept instead of failing a request with each.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.getenv("SQLITE_PATH", str(DATA_DIR / "db.sqlite3")),
            # IMMEDIATE transactions and WAL keep concurrent writers from failing with
            # "database is locked" when several requests write at once.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory, so that tests see SQLite as the server does.
            "TEST": {"NAME": os.getenv("SQLITE_PATH", str(DATA_DIR / "db.sqlite3")) + "-test"},
        }
    }

REDIS_URL = os.getenv("REDIS_URL", "")
CHANNEL_LAYER = envchoice("CHANNEL_LAYER", "pipelined", ("pipelined", "pubsub", "core"))
# channels_redis' core layer blocks up to 5 s on a Redis read while a socket is idle;
# redis-py 8 would cut that read at its own 5 s default and close every idle socket with
# 1011. (The pipelined layer has no read timeout; the cache uses this one too.)
REDIS_SOCKET_TIMEOUT = envint("REDIS_SOCKET_TIMEOUT", "30", minimum=6)
# A Redis that stops answering without closing (paused, or its host gone): after this
# long without a reply the pipelined layer and the rooms' leases give up on the
# connection and open another, and the layer's subscriber pings while idle.
REDIS_TIMEOUT_SECONDS = envint("REDIS_TIMEOUT_SECONDS", "1", minimum=1)
if REDIS_URL:
    if urlparse(REDIS_URL).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured("REDIS_URL must be a redis://, rediss:// or unix:// URL")
    _redis_host = {
        "address": REDIS_URL,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        "socket_connect_timeout": 5,
        # channels_redis' layers: a pooled connection that Redis closed (a restart) is
        # opened again, not failed. The pipelined layer reads only the address.
        "retry": Retry(ExponentialBackoff(cap=0.4, base=0.05), 3),
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": {
                "pipelined": "game_server.redis_layer.RedisPubSubLayer",
                "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "core": "channels_redis.core.RedisChannelLayer",
            }[CHANNEL_LAYER],
            "CONFIG": {"hosts": [_redis_host]},
        }
    }
    if CHANNEL_LAYER == "pipelined":
        CHANNEL_LAYERS["default"]["CONFIG"]["timeout"] = REDIS_TIMEOUT_SECONDS
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "game_server.local_layer.LocalChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTH_USER_MODEL = "lobby.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Failed log-ins allowed per username and per client address in the window.
LOGIN_FAILURES_ALLOWED = envint("LOGIN_FAILURES_ALLOWED", "5", minimum=1)
LOGIN_FAILURES_PER_ADDRESS = envint("LOGIN_FAILURES_PER_ADDRESS", "20", minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = envint("LOGIN_FAILURE_WINDOW_SECONDS", "300", minimum=1)
# Guests one client address may create per hour, on the page and over the API.
GUESTS_PER_ADDRESS_PER_HOUR = envint("GUESTS_PER_ADDRESS_PER_HOUR", "30", minimum=1)
# `manage.py purge_guests` deletes guests with no match who were not seen for this long.
GUEST_IDLE_DAYS = envint("GUEST_IDLE_DAYS", "30", minimum=1)
# API tokens expire after this many days without use.
TOKEN_TTL_DAYS = envint("TOKEN_TTL_DAYS", "30", minimum=1)
# Password reset requests per email address and per client address in the window: the
# request form cannot be used to flood a mailbox.
PASSWORD_RESETS_PER_EMAIL = envint("PASSWORD_RESETS_PER_EMAIL", "3", minimum=1)
PASSWORD_RESETS_PER_ADDRESS = envint("PASSWORD_RESETS_PER_ADDRESS", "10", minimum=1)
PASSWORD_RESET_WINDOW_SECONDS = envint("PASSWORD_RESET_WINDOW_SECONDS", "3600", minimum=1)

# Email (password resets). Without EMAIL_HOST, emails are written to stdout; with it they
# go to that SMTP server (docs/deploy.md, Email).
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", "587", minimum=1)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
# STARTTLS on port 587, or TLS from the first byte (EMAIL_USE_SSL) on port 465.
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "False")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False" if EMAIL_USE_SSL else "True")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both True: use TLS for port 587, SSL for 465"
    )
# An SMTP server that stops answering holds the request that sends the mail this long at
# most (Django's own default waits for ever).
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "10", minimum=1)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Game Server <noreply@localhost>")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    # Throttles must hold across server processes.
    CACHES = {
        "default": {
            "BACKEND": "game_server.redis_cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": REDIS_SOCKET_TIMEOUT, "socket_connect_timeout": 5},
        }
    }

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static" if FROM_CHECKOUT else BASE_DIR / "game_server" / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # A game added through GAMES brings its renderer in a static/ folder beside its rules
    # module: static/js/games/<slug>.js (games/renderers.py).
    "games.renderers.GameStaticFinder",
]
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", str(DATA_DIR / "staticfiles")))
if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A reverse proxy in front sets X-Forwarded-For (client addresses, game_server/limits.py)
# and, in production, X-Forwarded-Proto. Without a proxy these headers are the client's
# own words and are ignored.
BEHIND_PROXY = envbool("BEHIND_PROXY", "False")

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # /health/ is answered before this redirect (game_server/health.py).
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True")
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Who may read /metrics (game_server/metrics_endpoint.py): clients at these addresses or
# networks, and anyone with `Authorization: Bearer <METRICS_TOKEN>` (none when empty).
METRICS_ALLOWED_IPS = envlist("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
for _entry in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_entry, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"Unexpected value METRICS_ALLOWED_IPS entry {_entry!r}, use addresses or networks"
        ) from None
METRICS_TOKEN = os.getenv("METRICS_TOKEN", "")

# Passwords in REDIS_URL and DATABASE_URL are hidden on error pages and in log lines.
DEFAULT_EXCEPTION_REPORTER_FILTER = "game_server.redaction.HideCredentialsFilter"
LOG_LEVEL = envchoice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
# `line`: plain text for people; `json`: one JSON object per line for a log shipper
# (game_server/log_format.py, docs/deploy.md).
LOG_FORMAT = envchoice("LOG_FORMAT", "line", ("line", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "class": "game_server.redaction.HideCredentialsFormatter",
            "format": "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s",
        },
        "json": {"()": "game_server.log_format.JsonLineFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "daphne": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        # Uvicorn's lines take the format too. Not "uvicorn" itself: configuring it would
        # turn its access log back on under `--no-access-log` (dictConfig resets children).
        "uvicorn.error": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
    },
}

# How long a dropped player keeps their seat in a running game.
SEAT_WINDOW_SECONDS = envint("SEAT_WINDOW_SECONDS", "30", minimum=1)
# A started match whose room no socket opens in this long is aborted by the idle sweep,
# and its lobby opens again.
MATCH_OPEN_SECONDS = envint("MATCH_OPEN_SECONDS", "60", minimum=10)
# After this long alone in an open lobby, its member may fill the empty seats with the
# game's bots and play at once (lobby.services.bots.lobby_fill_with_bots).
QUICK_PLAY_BOT_SECONDS = envint("QUICK_PLAY_BOT_SECONDS", "20")
# Running rooms are saved to the database at most this often, off the tick path; a
# restarted process resumes each running match from its last save.
ROOM_SAVE_SECONDS = envint("ROOM_SAVE_SECONDS", "2", minimum=1)
# Inputs a player's socket may send per second, with a burst of as many again.
INPUT_RATE_PER_SECOND = envint("INPUT_RATE_PER_SECOND", "60", minimum=1)
# Spectator sockets a running room takes at once (every process counted, one per user).
MAX_SPECTATORS = envint("MAX_SPECTATORS", "50", minimum=0)
# A player's rating in a game is provisional (shown to them, not on the leaderboard)
# until this many of their matches in it were rated.
RATING_PROVISIONAL_GAMES = envint("RATING_PROVISIONAL_GAMES", "5", minimum=0)
# Open lobbies with no change for this long are closed by `manage.py close_idle_lobbies`.
LOBBY_IDLE_SECONDS = envint("LOBBY_IDLE_SECONDS", "1800", minimum=60)
# The ranked queue (ranked/): a player is matched with others whose rating lies within
# their window, which starts at RANKED_WINDOW_START rating points either side and widens
# by RANKED_WINDOW_PER_SECOND for each second waited, up to RANKED_WINDOW_MAX.
RANKED_WINDOW_START = envint("RANKED_WINDOW_START", "100", minimum=0)
RANKED_WINDOW_PER_SECOND = envint("RANKED_WINDOW_PER_SECOND", "10", minimum=0)
RANKED_WINDOW_MAX = envint("RANKED_WINDOW_MAX", "1000", minimum=0)
# A match starts when the game's most players are found; once the longest waiting of them
# waited this long, with the game's fewest.
RANKED_FULL_WAIT_SECONDS = envint("RANKED_FULL_WAIT_SECONDS", "20", minimum=0)
# A queued player not heard from for this long (no queue socket, no GET /api/queue/) is
# taken out of the queue.
RANKED_PRESENCE_SECONDS = envint("RANKED_PRESENCE_SECONDS", "30", minimum=5)
# Waiting players' reads of their place (queue sockets' turns, GET /api/queue/) run a
# game's matching at most once per this many seconds, across processes sharing a cache
# (Redis): each read locking and reading the whole queue made n players' reads cost n
# times the queue. A queue socket's first turn, just after its join, always runs it.
RANKED_MATCHING_SECONDS = envint("RANKED_MATCHING_SECONDS", "1", minimum=1)
# Joins of the queue a user may make per window (API and socket together).
RANKED_JOINS_PER_WINDOW = envint("RANKED_JOINS_PER_WINDOW", "10", minimum=1)
RANKED_JOIN_WINDOW_SECONDS = envint("RANKED_JOIN_WINDOW_SECONDS", "60", minimum=1)
# Lobby chat: messages a user may send per window.
LOBBY_CHAT_MESSAGES_PER_WINDOW = envint("LOBBY_CHAT_MESSAGES_PER_WINDOW", "5", minimum=1)
LOBBY_CHAT_WINDOW_SECONDS = envint("LOBBY_CHAT_WINDOW_SECONDS", "10", minimum=1)
# Lobby limits (docs/security.md, Lobbies). Actions (ready, settings, kick, ...) a user
# may take per window over the lobby socket, the API and the pages.
LOBBY_ACTIONS_PER_WINDOW = envint("LOBBY_ACTIONS_PER_WINDOW", "20", minimum=1)
LOBBY_ACTION_WINDOW_SECONDS = envint("LOBBY_ACTION_WINDOW_SECONDS", "10", minimum=1)
# Lobby codes one client address may look up per minute without being a member (invite
# pages, joins, GET /api/lobbies/<code>/): guessing codes is slow.
LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE = envint(
    "LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE", "60", minimum=1
)
# Open sockets per server process: lobby sockets per user, list sockets per address.
MAX_LOBBY_SOCKETS_PER_USER = envint("MAX_LOBBY_SOCKETS_PER_USER", "5", minimum=1)
MAX_LOBBY_LIST_SOCKETS_PER_ADDRESS = envint("MAX_LOBBY_LIST_SOCKETS_PER_ADDRESS", "20", minimum=1)
# The largest frame the lobby sockets read; a larger one is refused before it is parsed.
LOBBY_SOCKET_MAX_FRAME_BYTES = envint("LOBBY_SOCKET_MAX_FRAME_BYTES", "4096", minimum=1024)

"""Settings read from the environment, with the embedded default when it is empty."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "game_server" / "settings.py"
VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DATABASE_POOL_SIZE",
    "REDIS_URL",
    "CHANNEL_LAYER",
    "LOG_LEVEL",
    "REDIS_SOCKET_TIMEOUT",
    "LOGIN_FAILURES_ALLOWED",
    "SECURE_SSL_REDIRECT",
    "BEHIND_PROXY",
    "EMAIL_HOST",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "GAMES",
]


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch):
    """Evaluates the settings module afresh under the given environment."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def _load(**environment: str) -> dict[str, object]:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return _load


PRODUCTION = {"DEBUG": "False", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "games.example.com"}


def test_debug_is_off_unless_turned_on(load) -> None:
    # Off, production asks for a key and host names rather than running on development ones.
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set when DEBUG=False"):
        load()
    settings = load(SECRET_KEY="x" * 60, ALLOWED_HOSTS="games.example.com")
    assert settings["DEBUG"] is False


def test_it_runs_on_the_embedded_default_with_only_debug_on(load) -> None:
    settings = load(DEBUG="True")
    assert settings["DEBUG"] is True
    assert settings["SECRET_KEY"].startswith("django-insecure")
    assert settings["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    backend = settings["CHANNEL_LAYERS"]["default"]["BACKEND"]
    assert backend == "game_server.local_layer.LocalChannelLayer"


def test_database_url_switches_to_postgresql(load) -> None:
    settings = load(DEBUG="True", DATABASE_URL="postgres://game:secret@db.internal:5432/games")
    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.internal", 5432, "games")


def test_postgresql_connections_come_from_a_pool_of_each_process(load) -> None:
    url = "postgres://game:secret@db.internal:5432/games"
    pooled = load(DEBUG="True", DATABASE_URL=url)["DATABASES"]["default"]
    assert pooled["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 10, "timeout": 10}
    assert pooled["CONN_HEALTH_CHECKS"] is True
    assert pooled["CONN_MAX_AGE"] == 0
    sized = load(DEBUG="True", DATABASE_URL=url, DATABASE_POOL_SIZE="40")["DATABASES"]
    assert sized["default"]["OPTIONS"]["pool"]["max_size"] == 40
    unpooled = load(DEBUG="True", DATABASE_URL=url, DATABASE_POOL_SIZE="0")["DATABASES"]
    assert "pool" not in unpooled["default"].get("OPTIONS", {})


def test_it_refuses_a_database_url_that_is_not_postgresql(load) -> None:
    with pytest.raises(ImproperlyConfigured, match="postgres://"):
        load(DEBUG="True", DATABASE_URL="mysql://root@localhost/games")


@pytest.mark.parametrize(
    ("layer", "backend"),
    [
        ("pipelined", "game_server.redis_layer.RedisPubSubLayer"),
        ("pubsub", "channels_redis.pubsub.RedisPubSubChannelLayer"),
        ("core", "channels_redis.core.RedisChannelLayer"),
    ],
)
def test_redis_url_switches_to_the_redis_layer(load, layer: str, backend: str) -> None:
    settings = load(DEBUG="True", REDIS_URL="redis://cache.internal:6379/0", CHANNEL_LAYER=layer)
    config = settings["CHANNEL_LAYERS"]["default"]
    assert config["BACKEND"] == backend
    [host] = config["CONFIG"]["hosts"]
    assert host["address"] == "redis://cache.internal:6379/0"


def test_the_pipelined_layer_is_the_default_with_redis(load) -> None:
    settings = load(DEBUG="True", REDIS_URL="redis://cache.internal:6379/0")
    backend = settings["CHANNEL_LAYERS"]["default"]["BACKEND"]
    assert backend == "game_server.redis_layer.RedisPubSubLayer"


def test_the_redis_socket_timeout_outlasts_the_layers_blocking_read(load) -> None:
    settings = load(DEBUG="True", REDIS_URL="redis://127.0.0.1:6379/0")
    [host] = settings["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"]
    # channels_redis blocks 5 s on BZPOPMIN; redis-py must wait longer than that.
    assert host["socket_timeout"] > 5


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"DEBUG": "yes"}, "DEBUG='yes', use 'True' or 'False'"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD', use one of DEBUG, INFO"),
        ({"CHANNEL_LAYER": "kafka"}, "CHANNEL_LAYER='kafka', use one of pipelined, pubsub, core"),
        ({"REDIS_SOCKET_TIMEOUT": "soon"}, "REDIS_SOCKET_TIMEOUT='soon', use a whole number"),
        ({"REDIS_SOCKET_TIMEOUT": "5"}, "REDIS_SOCKET_TIMEOUT='5', use at least 6"),
        ({"LOGIN_FAILURES_ALLOWED": "0"}, "LOGIN_FAILURES_ALLOWED='0', use at least 1"),
        (
            {"DATABASE_URL": "postgres://db.internal/games", "DATABASE_POOL_SIZE": "many"},
            "DATABASE_POOL_SIZE='many', use a whole number",
        ),
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL must be a redis://"),
    ],
)
def test_it_explains_a_bad_value(load, environment: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        load(**{"DEBUG": "True", **environment})
    assert message in str(raised.value)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(load, missing: str) -> None:
    environment = {name: value for name, value in PRODUCTION.items() if name != missing}
    with pytest.raises(ImproperlyConfigured, match=f"{missing} must be set when DEBUG=False"):
        load(**environment)


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-embedded-default-only-for-development",
        # What `django-admin startproject` writes into a new project's settings.
        "django-insecure-3v#k2!x9q0c@p7w$z+l1m8n4b6r5t0y2u&i9o3e7a1s5d8f6",
    ],
)
def test_production_refuses_a_development_secret_key(load, key: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY starts with 'django-insecure'"):
        load(**{**PRODUCTION, "SECRET_KEY": key})


def test_production_is_secure_by_default(load) -> None:
    settings = load(**PRODUCTION)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert settings["ALLOWED_HOSTS"] == ["games.example.com"]


def test_mail_is_written_to_stdout_unless_an_smtp_host_is_set(load) -> None:
    assert load(DEBUG="True")["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    settings = load(DEBUG="True", EMAIL_HOST="smtp.example.com")
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (settings["EMAIL_PORT"], settings["EMAIL_USE_TLS"]) == (587, True)
    assert settings["EMAIL_TIMEOUT"] > 0


def test_ssl_for_port_465_turns_starttls_off(load) -> None:
    settings = load(DEBUG="True", EMAIL_HOST="smtp.example.com", EMAIL_USE_SSL="True")
    assert (settings["EMAIL_USE_SSL"], settings["EMAIL_USE_TLS"]) == (True, False)
    with pytest.raises(ImproperlyConfigured, match="EMAIL_USE_TLS and EMAIL_USE_SSL are both"):
        load(DEBUG="True", EMAIL_USE_SSL="True", EMAIL_USE_TLS="True")


def test_log_level_sets_the_root_logger(load) -> None:
    settings = load(DEBUG="True", LOG_LEVEL="WARNING")
    assert settings["LOGGING"]["root"]["level"] == "WARNING"


def test_unset_games_are_every_module_in_games_rules_built_in_games_first(
    load, tmp_path: Path
) -> None:
    settings = load(DEBUG="True")
    assert settings["GAMES"] == [
        "games.rules.arena",
        "games.rules.connect_four",
        "games.rules.battleship",
    ]
    for name in ("__init__", "base", "zebra", "arena", "battleship", "connect_four", "abacus"):
        (tmp_path / f"{name}.py").touch()
    assert settings["games_in"](tmp_path) == [
        "games.rules.arena",
        "games.rules.connect_four",
        "games.rules.battleship",
        "games.rules.abacus",
        "games.rules.zebra",
    ]


def test_the_environment_names_the_games_on_offer(load) -> None:
    settings = load(DEBUG="True", GAMES="games.rules.connect_four, mysite.snake")
    assert settings["GAMES"] == ["games.rules.connect_four", "mysite.snake"]

"""Passwords in service addresses (`REDIS_URL`, `DATABASE_URL`) never reach an error page
or a log line.

Django's own filter hides settings named like secrets (`SECRET_KEY`, `PASSWORD`), but not
a password inside a URL: `REDIS_URL`, the cache's `LOCATION` and the channel layer's
hosts carry one in the clear. The filter below hides it in the settings dump and in the
traceback's variables; the log formatters (plain lines, and JSON lines in
game_server/log_format.py) hide it in every line, tracebacks included.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

HIDDEN = "********"
# `scheme://user:password@` in a URL, and `password=...` in a PostgreSQL conninfo string.
_URL_PASSWORD = re.compile(r"(?P<start>[a-z][a-z0-9+.-]*://[^:@/\s]*:)[^@\s]+(?=@)", re.I)
_CONNINFO_PASSWORD = re.compile(r"(?P<start>\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)


def hide_credentials(text: str) -> str:
    text = _URL_PASSWORD.sub(rf"\g<start>{HIDDEN}", text)
    return _CONNINFO_PASSWORD.sub(rf"\g<start>{HIDDEN}", text)


class HideCredentialsFilter(SafeExceptionReporterFilter):
    """`DEFAULT_EXCEPTION_REPORTER_FILTER`: Django's filter, and passwords in URLs too."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        # Django's filter calls this again for each item of a dict, list or tuple.
        if isinstance(value, str):
            value = hide_credentials(value)
        return super().cleanse_setting(key, value)

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> list[tuple[str, Any]]:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, hide_credentials_in(value)) for name, value in variables]


def hide_credentials_in(value: Any) -> Any:
    """The value with passwords hidden in its strings, and under `password` keys."""
    if isinstance(value, str):
        return hide_credentials(value)
    if isinstance(value, dict):
        return {
            key: HIDDEN
            if isinstance(key, str) and "password" in key.lower()
            else hide_credentials_in(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(hide_credentials_in(item) for item in value)
    return value


class HideCredentialsFormatter(logging.Formatter):
    """The log line formatter: passwords in URLs hidden, in the message and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return hide_credentials(super().format(record))

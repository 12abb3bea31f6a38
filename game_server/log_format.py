"""`LOG_FORMAT=json`: every log record as one JSON object on one line, for a log shipper.

Each line has `time` (ISO 8601, UTC), `level`, `logger`, `message`, `process` (the pid)
and `host`, and `exc_info` with a traceback. What a log call passes in `extra`
(`match_id`, `lobby`, `user_id`, `reason`, ...) becomes top-level keys. Passwords in URLs
are hidden in every value, as on plain lines (game_server/redaction.py).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from game_server.redaction import hide_credentials_in

# Values JSON holds as they are. Anything else a log call passes (Django's own loggers
# pass the request) is written as its text, so that its passwords are hidden too.
JSON_VALUES = (str, int, float, bool, type(None), dict, list)


class JsonLineFormatter(JsonFormatter):
    def __init__(self) -> None:
        super().__init__(
            ["asctime", "levelname", "name", "message", "process"],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"host": os.uname().nodename},
            # Uvicorn's message again, with terminal colours.
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        values = {
            key: value if isinstance(value, JSON_VALUES) else str(value)
            for key, value in log_data.items()
        }
        return hide_credentials_in(values)

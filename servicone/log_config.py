"""The logging configuration (``settings.LOGGING``): plain lines in development, one JSON
object per line in production, each with the request id (``servicone.observability``)."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

FORMATS = ("plain", "json")


class StandardErrorHandler(logging.StreamHandler[TextIO]):
    """Writes each record to ``sys.stderr`` as it is when the record is written.

    ``logging.StreamHandler`` keeps the stream it was given when logging was configured. A
    management command run in-process (``ManagementUtility(...).execute()``, as the tests of
    the commands do) configures logging again while ``sys.stderr`` is a capture that closes
    afterwards: every later record then failed on a closed file and was lost, and each
    failure printed a traceback (1,757 of them in one run of the suite).
    """

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """``StreamHandler.__init__`` and ``setStream`` assign it; the assignment is moot."""


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """``dictConfig`` of the portal's logs: ``log_format`` one of ``FORMATS``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "servicone.observability.RequestIdLogFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            "console": {
                "class": "servicone.log_config.StandardErrorHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }

"""The logging configuration (``settings.LOGGING``): plain lines in development, one JSON
object per line in production, each with the request id (``servicone.observability``)."""

from __future__ import annotations

from typing import Any

FORMATS = ("plain", "json")


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
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }

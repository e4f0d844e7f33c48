"""The portal's log handler writes to the standard error of the moment."""

from __future__ import annotations

import io
import logging
import sys

from servicone.log_config import StandardErrorHandler, logging_config


def test_the_portal_logs_through_it():
    config = logging_config("json", "INFO")

    assert config["root"]["handlers"] == ["console"]
    assert config["handlers"]["console"]["class"] == "servicone.log_config.StandardErrorHandler"


def test_a_closed_stream_of_an_earlier_configuration_loses_nothing_and_raises_nothing(
    monkeypatch,
):
    closed = io.StringIO()
    monkeypatch.setattr(sys, "stderr", closed)
    handler = StandardErrorHandler()
    closed.close()
    current = io.StringIO()
    monkeypatch.setattr(sys, "stderr", current)
    failures = []
    monkeypatch.setattr(handler, "handleError", failures.append)

    handler.emit(logging.makeLogRecord({"msg": "ticket %s opened", "args": (42,)}))

    assert failures == []
    assert current.getvalue() == "ticket 42 opened\n"
    handler.setStream(io.StringIO())  # what logging may call: it changes nothing
    assert handler.stream is current

"""The published OpenAPI schema, loaded through the app that then answers (schemathesis).

Django's own WSGI handler, called in-process as a server calls it; like Django's test client,
it leaves the test's database connection open at the end of each request.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

SCHEMA_PATH = "/api/schema/?format=json"


@functools.cache
def _published_document() -> str:
    """The schema as the portal publishes it, fetched once per test process: generating it
    took 0.2 s, for each of some ten loads a process; the code it describes does not change
    during a run."""
    response = Client().get(SCHEMA_PATH)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@contextmanager
def published_schema() -> Iterator[Any]:
    # Fetched before the signals are let go: the test client connects them again when done.
    document = _published_document()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        loaded = schemathesis.openapi.from_dict(json.loads(document))
        loaded.app = WSGIHandler()
        loaded.location = SCHEMA_PATH
        yield loaded
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def answers_as_documented(schema: Any, method: str, path: str, token: str, **case: Any) -> Any:
    """Call ``method path`` (``case``: path_parameters, query, body) and hold the answer to
    the schema: a documented status, content type and body. Returns the response."""
    operation = schema[path][method]
    made = operation.Case(**case)
    headers = {"Authorization": f"Token {token}"}
    response = made.call(headers=headers)
    made.validate_response(
        response,
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.status_code_conformance,
            schemathesis.checks.content_type_conformance,
            schemathesis.checks.response_schema_conformance,
        ],
        headers=headers,
    )
    return response

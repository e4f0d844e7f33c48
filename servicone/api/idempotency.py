"""``Idempotency-Key`` for POSTs that create (API.md).

A client that retries a creation (timeout, dropped connection) sends the same
``Idempotency-Key`` header. The same key and the same body from the same user
within 24 hours get the first response again, status and body, and nothing new
is created; the same key with another body (or on another path) is refused with
409 ``idempotency_key_reused``.

How it holds under a race: the key row is *claimed* (inserted) inside the same
transaction as the creation, before the view runs. A concurrent request with
the same key blocks on the unique constraint ``(user, key)`` until the first
one commits, then fails to insert, rolls back whatever it did, and answers with
the stored response. Only successful (2xx) responses are stored: a refused
request created nothing, so retrying it simply asks again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from servicone.models import IdempotencyKey

if TYPE_CHECKING:
    from rest_framework.views import APIView

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = IdempotencyKey.MAX_KEY_LENGTH
REPLAYED_HEADER = "Idempotent-Replayed"
HASH_SALT = "servicone.api.idempotency"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (e.g. a UUID) chosen by the client. Retrying with the same key "
        "and body within 24 h returns the first response (header `Idempotent-Replayed: "
        "true`) and creates nothing; the same key with a different body is refused with "
        "409 `idempotency_key_reused`."
    ),
)


def _error(
    code: str, message: str | Promise, http_status: int, field: str | None = None
) -> Response:
    return Response(
        {"errors": [{"field": field, "code": code, "message": str(message)}]}, status=http_status
    )


def body_hash(data: Any) -> str:
    """A digest of the request body that ignores key order and JSON whitespace.

    Keyed with the secret key: bodies may hold passwords (``partners/{id}/users/``),
    and a plain hash of a mostly known body would let one guess them offline.
    """
    if hasattr(data, "lists"):  # QueryDict (form or multipart): keep repeated values
        data = dict(data.lists())
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return salted_hmac(HASH_SALT, canonical, algorithm="sha256").hexdigest()


def _stored(user_id: int, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(user_id=user_id, key=key).first()


def _replay(record: IdempotencyKey, *, path: str, digest: str) -> Response:
    if record.path != path or record.body_hash != digest:
        return _error(
            "idempotency_key_reused",
            _(
                "Cette clé d'idempotence a déjà servi pour une autre requête : "
                "utilisez une nouvelle clé."
            ),
            status.HTTP_409_CONFLICT,
            field=HEADER,
        )
    response = Response(record.response_body, status=record.status_code)
    response[REPLAYED_HEADER] = "true"
    return response


def _as_json(data: Any) -> Any:
    # What the client received, as plain JSON (decimals as strings, dates ISO, …).
    return json.loads(JSONRenderer().render(data))


def _without_secrets(view: APIView, data: Any) -> Any:
    """The body as kept for a replay: a view's ``idempotency_secret_fields`` (an API key
    shown once) are never stored, so a replay answers them as ``null``."""
    secret = getattr(view, "idempotency_secret_fields", ())
    if not secret or not isinstance(data, dict):
        return data
    return {name: None if name in secret else value for name, value in data.items()}


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Make a POST handler of an APIView / ViewSet honour ``Idempotency-Key``.

    Wraps the handler (``create`` or an action), so authentication, permissions
    and throttling have run before: refusals there are never stored.
    """

    @wraps(handler)
    def wrapper(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return _error(
                "invalid",
                _("La clé d'idempotence doit compter de 1 à %(max)s caractères.")
                % {"max": MAX_KEY_LENGTH},
                status.HTTP_400_BAD_REQUEST,
                field=HEADER,
            )
        user = request.user
        if not user.is_authenticated:  # never: every creating endpoint needs a login
            return handler(view, request, *args, **kwargs)
        path = request.path
        digest = body_hash(request.data)

        record = _stored(user.pk, key)
        if record is not None and record.created_at <= timezone.now() - RETENTION:
            record.delete()  # expired: the key may start a new request
            record = None
        if record is not None:
            return _replay(record, path=path, digest=digest)

        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = IdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        path=path,
                        body_hash=digest,
                        status_code=0,  # filled in below, before anyone can read it
                        response_body={},
                    )
            except IntegrityError:
                claim = None
            if claim is not None:
                response = handler(view, request, *args, **kwargs)
                if not status.is_success(response.status_code):
                    # Nothing was created: release the key with whatever the view did.
                    transaction.set_rollback(True)
                    return response
                claim.status_code = response.status_code
                claim.response_body = _as_json(_without_secrets(view, response.data))
                claim.save(update_fields=["status_code", "response_body"])
                return response
        # Lost the race: the winner committed its row before our insert failed.
        winner = _stored(user.pk, key)
        if winner is None:  # pragma: no cover - the winner rolled back in between
            return _error(
                "idempotency_key_conflict",
                _("Une requête avec cette clé est en cours : réessayez."),
                status.HTTP_409_CONFLICT,
                field=HEADER,
            )
        return _replay(winner, path=path, digest=digest)

    return wrapper


class IdempotentCreateMixin:
    """For viewsets with ``create``: ``Idempotency-Key`` support, documented in the schema."""

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A mixin: CreateModelMixin, after it in the viewset's MRO, defines create.
        return super().create(request, *args, **kwargs)  # type: ignore[misc]

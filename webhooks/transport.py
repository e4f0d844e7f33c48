"""One POST to a receiver, under the SSRF rules. Pure: no Django.

``Sender.post`` resolves the URL's host (``addresses.checked_addresses``: every answer
checked), connects to an address it checked — the name is never looked up twice, TLS
still verifies the certificate against the name — sends the body and reads at most
``MAX_BODY`` bytes of the answer. Redirects are answers like any other (a 3xx is not a
delivery) and never followed. The whole exchange has ``timeout`` seconds.

A sender keeps its connection to a receiver open between deliveries (HTTP keep-alive)
while the host keeps resolving to the same addresses: one endpoint's deliveries go out one
after the other, and a new TCP (and TLS) handshake each time would cost more than the
delivery.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from webhooks.addresses import Network, Resolver, UnsafeDestination, checked_addresses
from webhooks.addresses import system_resolver as _system_resolver

# The answer is read up to this many bytes, whatever it announces; the log keeps less.
MAX_BODY = 64 * 1024
EXCERPT_CHARS = 500
USER_AGENT = "ServiceOne-Webhooks/1"
# (scheme, host, port, checked addresses): a kept-alive connection serves the same key only.
_Key = tuple[str, str, int, tuple[str, ...]]


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: the receiver's status (None when it never answered)."""

    status: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def delivered(self) -> bool:
        """A 2xx answer in time: the delivery is done."""
        return not self.error and self.status is not None and 200 <= self.status < 300


class _PinnedMixin:
    """Connect to the addresses that were checked, never to whatever the name resolves to
    now: each in turn until one answers (a name with IPv6 and IPv4 addresses, one of them
    unreachable from here)."""

    pinned_addresses: tuple[str, ...]

    def _pinned_connection(
        self, address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        error: OSError | None = None
        for pinned in self.pinned_addresses:
            try:
                return socket.create_connection((pinned, address[1]), timeout, source_address)
            except OSError as refused:
                error = refused
        raise error or OSError("no address to connect to")


class PinnedHTTPConnection(_PinnedMixin, http.client.HTTPConnection):
    def __init__(self, host: str, port: int, addresses: tuple[str, ...], *, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_addresses = addresses
        self._create_connection = self._pinned_connection


class PinnedHTTPSConnection(_PinnedMixin, http.client.HTTPSConnection):
    """TLS to the checked address; the certificate is verified against the URL's host."""

    def __init__(
        self,
        host: str,
        port: int,
        addresses: tuple[str, ...],
        *,
        timeout: float,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.pinned_addresses = addresses
        self._create_connection = self._pinned_connection


def _excerpt(content: bytes) -> str:
    return content[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def _error_text(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timeout"
    return f"{type(error).__name__}: {error}"[:300]


class Sender:
    """Posts deliveries; one sender per worker run, closed at its end."""

    def __init__(
        self,
        *,
        timeout: float,
        allowed: Sequence[Network] = (),
        https_only: bool = True,
        resolver: Resolver = _system_resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout = timeout
        self.allowed = tuple(allowed)
        self.https_only = https_only
        self.resolver = resolver
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._connection: http.client.HTTPConnection | None = None
        self._connection_key: _Key | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._connection_key = None

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
        """POST ``body`` to ``url``; never raises for what the network or receiver does."""
        started = time.perf_counter()

        def refused(error: str) -> Outcome:
            return Outcome(None, _elapsed_ms(started), error=error)

        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return refused("invalid_url")
        if scheme != "https" and self.https_only:
            return refused("https_required")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            return refused("invalid_url")
        host = parts.hostname
        try:
            addresses = checked_addresses(host, port, allowed=self.allowed, resolver=self.resolver)
        except UnsafeDestination as error:
            return refused(f"refused ({error.reason}): {error.detail}"[:300])
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent_headers = {
            **headers,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        key = (scheme, host, port, addresses)
        reused = self._connection is not None and self._connection_key == key
        try:
            return self._exchange(key, target, body, sent_headers, started)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
            self.close()
            if not reused:
                return refused(_error_text(error))
            # The receiver closed an idle kept-alive connection: once more on a new one.
            try:
                return self._exchange(key, target, body, sent_headers, started)
            except (OSError, http.client.HTTPException) as again:
                self.close()
                return refused(_error_text(again))
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return refused(_error_text(error))

    def _connect(self, key: _Key) -> http.client.HTTPConnection:
        if self._connection is not None and self._connection_key == key:
            return self._connection
        self.close()
        scheme, host, port, addresses = key
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = PinnedHTTPSConnection(
                host, port, addresses, timeout=self.timeout, context=self.ssl_context
            )
        else:
            connection = PinnedHTTPConnection(host, port, addresses, timeout=self.timeout)
        self._connection, self._connection_key = connection, key
        return connection

    def _exchange(
        self,
        key: _Key,
        target: str,
        body: bytes,
        headers: Mapping[str, str],
        started: float,
    ) -> Outcome:
        deadline = started + self.timeout
        connection = self._connect(key)
        _limit(connection, deadline)
        connection.request("POST", target, body=body, headers=dict(headers))
        _limit(connection, deadline)
        response = connection.getresponse()
        _limit(connection, deadline)
        content = response.read(MAX_BODY)
        complete = response.isclosed()
        if response.will_close or not complete:
            # Unread bytes left (a body over the cap) or the receiver closes: not reusable.
            self.close()
        latency = _elapsed_ms(started)
        if time.perf_counter() > deadline:
            self.close()
            return Outcome(response.status, latency, _excerpt(content), "timeout")
        return Outcome(response.status, latency, _excerpt(content))


def _limit(connection: http.client.HTTPConnection, deadline: float) -> None:
    """Give the next socket operation only what is left of the exchange's time."""
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        raise TimeoutError("timeout")
    connection.timeout = remaining
    if connection.sock is not None:
        connection.sock.settimeout(remaining)


def _elapsed_ms(started: float) -> int:
    return max(0, round((time.perf_counter() - started) * 1000))

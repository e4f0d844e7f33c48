"""Who is on the other end: the client's address behind a known number of proxies.

``X-Forwarded-For`` is a list each proxy appends to; everything left of what our own
proxies wrote is whatever the client chose to send. With ``TRUSTED_PROXY_COUNT = n`` the
client is the n-th address from the right; with 0 the header is ignored and the socket's
peer (``REMOTE_ADDR``) is the client. DRF's throttles read the same setting (NUM_PROXIES).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as the outermost trusted proxy saw it."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the first proxy saw the client connect directly.
    candidate = forwarded[-min(count, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def ip_in(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)

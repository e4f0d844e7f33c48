"""Where a webhook may be sent: the SSRF rules. Pure: no Django.

A receiver's host is resolved when a delivery leaves, and the delivery is refused when
*any* address it resolves to is private, loopback, link-local, multicast, reserved,
unspecified or otherwise not global — IPv4 and IPv6 alike, and IPv4 carried inside IPv6
(IPv4-mapped ``::ffff:a.b.c.d``, 6to4, Teredo, NAT64 ``64:ff9b::/96``) judged as that
IPv4 address. Networks an operator names (``WEBHOOK_ALLOWED_NETWORKS``) are allowed
whatever they are. The caller then connects to the address checked here, never resolving
the name again (a second look-up could answer differently: DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses it resolves to, as text.
Resolver = Callable[[str, int], Sequence[str]]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeDestination(Exception):
    """A receiver the rules refuse; ``reason`` is a short machine word."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs as networks (``ValueError`` naming a bad one)."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo client, NAT64)."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _refusal_of(address: IPAddress) -> str | None:
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link_local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        # Shared address space (100.64/10) and the like: not on the Internet either.
        ("not_global", not address.is_global),
    )
    return next((reason for reason, hit in checks if hit), None)


def refusal(address: IPAddress, allowed: Sequence[Network] = ()) -> str | None:
    """Why ``address`` may not receive a webhook, or ``None`` when it may."""
    inner = embedded_ipv4(address)
    judged = [address] if inner is None else [address, inner]
    if any(candidate in network for candidate in judged for network in allowed):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # ::ffff:a.b.c.d is a.b.c.d on the wire: judged as that IPv4 address alone.
        candidates: list[IPAddress] = [address.ipv4_mapped]
    else:
        # 6to4, Teredo, NAT64: the IPv4 address they lead to, then the IPv6 one itself.
        candidates = [address] if inner is None else [inner, address]
    for candidate in candidates:
        reason = _refusal_of(candidate)
        if reason is not None:
            return reason
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the operating system's resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv6 link-local answer may carry a zone ("fe80::1%eth0"): the address is before it.
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


def checked_addresses(
    host: str, port: int, *, allowed: Sequence[Network] = (), resolver: Resolver = system_resolver
) -> tuple[str, ...]:
    """The addresses to connect to for ``host``, in the resolver's order: resolved once,
    every answer checked.

    Raises ``UnsafeDestination`` when the name does not resolve or when any of its
    addresses is refused (a name answering one public and one private address is
    refused: the connection could be steered to the private one).
    """
    try:
        answers = list(resolver(host, port))
    except (OSError, UnicodeError) as error:
        raise UnsafeDestination("unresolvable", f"{host}: {error}") from None
    if not answers:
        raise UnsafeDestination("unresolvable", f"{host}: no address")
    for answer in answers:
        address = ipaddress.ip_address(answer)
        reason = refusal(address, allowed)
        if reason is not None:
            raise UnsafeDestination(reason, f"{host} resolves to {address}")
    return tuple(answers)


def literal_address(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one (``[::1]`` brackets removed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None

"""The SSRF rules, with a fake resolver: which addresses a webhook may go to."""

from __future__ import annotations

import ipaddress

import pytest

from tests.webhooks.receiver import running
from webhooks.addresses import (
    UnsafeDestination,
    checked_addresses,
    embedded_ipv4,
    parse_networks,
    refusal,
)
from webhooks.transport import Sender


def resolver_of(answers: dict[str, list[str]]):
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in answers:
            raise OSError("Name or service not known")
        return answers[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.20", "private"),
        ("169.254.169.254", "link_local"),  # the cloud metadata service
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("100.64.0.1", "not_global"),  # carrier-grade NAT
        ("198.18.0.1", "private"),  # benchmarking
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link_local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link_local"),
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "link_local"),  # NAT64 of 169.254.169.254
        ("2001:db8::1", "private"),  # documentation
    ],
)
def test_a_private_or_special_address_is_refused(address, reason):
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.215.14"]
)
def test_a_public_address_is_allowed(address):
    assert refusal(ipaddress.ip_address(address)) is None


def test_the_ipv4_inside_an_ipv6_address_is_found():
    assert str(embedded_ipv4(ipaddress.ip_address("::ffff:1.2.3.4"))) == "1.2.3.4"
    assert str(embedded_ipv4(ipaddress.ip_address("2002:102:304::"))) == "1.2.3.4"
    assert str(embedded_ipv4(ipaddress.ip_address("64:ff9b::102:304"))) == "1.2.3.4"
    assert embedded_ipv4(ipaddress.ip_address("2606:4700::1")) is None


def test_networks_the_operator_allows_are_allowed_and_only_those():
    allowed = parse_networks(["127.0.0.0/8", "10.20.0.0/16"])
    assert refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("10.20.3.4"), allowed) is None
    assert refusal(ipaddress.ip_address("10.21.3.4"), allowed) == "private"
    assert refusal(ipaddress.ip_address("::1"), allowed) == "loopback"


def test_a_name_is_refused_when_any_of_its_addresses_is():
    resolve = resolver_of({"mixed.example": ["93.184.215.14", "10.0.0.5"]})
    with pytest.raises(UnsafeDestination) as refused:
        checked_addresses("mixed.example", 443, resolver=resolve)
    assert refused.value.reason == "private"


def test_a_public_name_gives_the_addresses_to_connect_to():
    resolve = resolver_of({"hooks.example": ["2606:4700:4700::1111", "93.184.215.14"]})
    assert checked_addresses("hooks.example", 443, resolver=resolve) == (
        "2606:4700:4700::1111",
        "93.184.215.14",
    )


def test_a_name_that_does_not_resolve_is_refused():
    with pytest.raises(UnsafeDestination) as refused:
        checked_addresses("nowhere.example", 443, resolver=resolver_of({}))
    assert refused.value.reason == "unresolvable"


def test_the_sender_resolves_once_and_connects_to_the_address_it_checked():
    """DNS rebinding: a name that answers a public address to the check and a private one
    to a second look-up never gets the private one, since there is no second look-up. Here
    the name resolves (once) to the loopback receiver, allowed; the request goes to that
    address with the name as its Host."""
    resolve = resolver_of({"hooks.example": ["127.0.0.1"]})
    with running() as receiver:
        sender = Sender(
            timeout=5, allowed=parse_networks(["127.0.0.0/8"]), https_only=False, resolver=resolve
        )
        with sender:
            outcome = sender.post(receiver.url_for("hooks.example"), b"{}", {})
    assert outcome.delivered
    assert resolve.calls == ["hooks.example"]
    assert receiver.received[0].headers["host"] == f"hooks.example:{receiver.port}"


def test_the_sender_refuses_a_name_resolving_to_loopback_without_the_setting():
    resolve = resolver_of({"rebind.example": ["127.0.0.1"]})
    with running() as receiver, Sender(timeout=5, https_only=False, resolver=resolve) as sender:
        outcome = sender.post(receiver.url_for("rebind.example"), b"{}", {})
    assert not outcome.delivered
    assert outcome.error.startswith("refused (loopback)")
    assert receiver.received == []


def test_the_sender_refuses_plain_http_when_https_is_required():
    with Sender(timeout=5, https_only=True, resolver=resolver_of({})) as sender:
        outcome = sender.post("http://hooks.example/", b"{}", {})
    assert outcome.error == "https_required"


def test_tls_is_verified_against_the_name_while_connecting_to_the_checked_addresses(monkeypatch):
    """The HTTPS connection opens a socket to the checked addresses in turn and asks TLS
    for the URL's host (SNI and certificate check), never resolving the name itself."""
    import socket
    import ssl

    from webhooks import transport

    opened: list[tuple[str, int]] = []
    wrapped: list[str] = []

    class FakeContext(ssl.SSLContext):
        def wrap_socket(self, sock, *args, server_hostname=None, **kwargs):
            wrapped.append(server_hostname)
            sock.close()
            raise OSError("stop here")

    def fake_connection(address, timeout=None, source_address=None):
        opened.append(address)
        if ":" in address[0]:
            raise OSError("Network is unreachable")  # no IPv6 route here: the next one
        return socket.socket()

    monkeypatch.setattr(transport.socket, "create_connection", fake_connection)
    sender = Sender(
        timeout=5,
        https_only=True,
        resolver=resolver_of({"hooks.example": ["2606:4700:4700::1111", "93.184.215.14"]}),
        ssl_context=FakeContext(ssl.PROTOCOL_TLS_CLIENT),
    )
    outcome = sender.post("https://hooks.example:8443/in", b"{}", {})
    assert opened == [("2606:4700:4700::1111", 8443), ("93.184.215.14", 8443)]
    assert wrapped == ["hooks.example"]
    assert outcome.error == "OSError: stop here"

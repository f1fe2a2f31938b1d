"""Where the app's server may connect: the guard against server-side request forgery.

Users type base URLs and upload URLs, and servers return media URLs that the app downloads;
without a guard, any of them makes this server send requests into its own network (the
cloud metadata address, the embedded sandbox's control API, an intranet service). The guard
runs at connect time, inside the transport: the host name is resolved once, every address it
resolves to is checked, and the socket connects to the checked address, so a DNS answer that
changes between check and connect (rebinding) cannot slip through. Redirects open new
connections, so every hop is checked the same way.
"""

from __future__ import annotations

import functools
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx

from lib.errors import RefusedAddressError

IPNetwork = IPv4Network | IPv6Network
SCHEMES = ("http", "https")
EVERY_NETWORK = (ip_network("0.0.0.0/0"), ip_network("::/0"))
LOOPBACK = (ip_network("127.0.0.0/8"), ip_network("::1/128"))


def networks(setting: bool | Iterable[str]) -> tuple[IPNetwork, ...]:
    """The `[security] allow_private_networks` setting as networks: true, false or CIDR strings."""
    if isinstance(setting, bool):
        return EVERY_NETWORK if setting else ()
    return tuple(ip_network(cidr, strict=False) for cidr in setting)


def origin(url: str) -> tuple[str, int]:
    """(host, port) of a URL, as the transport sees it when it connects."""
    parsed = httpx.URL(url)
    return parsed.host.lower(), parsed.port or (443 if parsed.scheme == "https" else 80)


def without_query(url: str) -> str:
    """The URL with any `?query` or `#fragment` dropped: paths are appended to a base URL, and
    a `?` at its end would turn them into a query, sending the request to the base's own path."""
    try:
        scheme, netloc, path, _, _ = urlsplit(url)
    except ValueError:  # `http://[::1`: left as typed, for check_url to refuse when it is used
        return url
    return urlunsplit((scheme, netloc, path, "", ""))


def check_scheme(scheme: str) -> None:
    """Only http(s): httpx would refuse others too, but as a bare connection error."""
    if scheme not in SCHEMES:
        raise RefusedAddressError("scheme", target=scheme)


def check_url(url: str) -> httpx.URL:
    """`url` as the transport will see it; an address no parser agrees on (`http://0177.0.0.1/`,
    octal to some, refused by others; `http://[::1`) is refused, not left to raise deep inside."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):  # the standard library's urlsplit raises ValueError
        raise RefusedAddressError("invalid", target=url[:200]) from None
    check_scheme(parsed.scheme)
    if not parsed.host:
        raise RefusedAddressError("invalid", target=url[:200])
    return parsed


NAT64 = (ip_network("64:ff9b::/96"), ip_network("64:ff9b:1::/48"))


def embedded_ipv4(ip: IPv4Address | IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one carries and is routed to: mapped (`::ffff:a.b.c.d`),
    compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`), 6to4 (`2002:AABB:CCDD::`) or Teredo
    (the client's, obfuscated in the last 32 bits)."""
    if ip.version == 4:
        return None
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if (int(ip) >> 32 == 0 and int(ip) > 1) or any(ip in network for network in NAT64):
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    """A global address, and so is any IPv4 address it embeds: `64:ff9b::10.0.0.1` or
    `2002:a00:1::` would reach the server's own network through a translator. The deprecated
    compatible form (`::a.b.c.d`) has no use left and is never public."""
    ip = ip_address(address)
    if ip.version == 4:
        return _is_global(ip)
    inner = embedded_ipv4(ip)
    if inner is not None and (not _is_global(inner) or int(ip) >> 32 == 0):
        return False
    return _is_global(ip.ipv4_mapped or ip)


def _is_global(ip: IPv4Address | IPv6Address) -> bool:
    # `is_global` counts multicast as global; no API lives on a multicast address.
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class NetPolicy:
    """Which destinations this server may connect to.

    `allowed_networks`: non-public networks that may be reached anyway (loopback for a local
    model server, `10.0.0.0/8` for an intranet API). `allowed_hosts`: host patterns such as
    `api.example.com` or `*.example.org`; empty means any host. `trusted_origins`: (host, port)
    pairs an admin configured (the sandbox, a preset), exempt from both rules.
    """

    allowed_networks: tuple[IPNetwork, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    trusted_origins: frozenset[tuple[str, int]] = frozenset()

    def trusting(self, *urls: str) -> NetPolicy:
        return replace(self, trusted_origins=self.trusted_origins | {origin(url) for url in urls if url})

    def is_trusted(self, host: str, port: int) -> bool:
        return (host.lower(), port) in self.trusted_origins

    def check_host(self, host: str) -> None:
        if self.allowed_hosts and not any(fnmatchcase(host.lower(), pattern.lower()) for pattern in self.allowed_hosts):
            raise RefusedAddressError("host", target=host)

    def check_address(self, host: str, address: str) -> None:
        ip = ip_address(address)
        if not is_public(address) and not any(ip in network for network in self.allowed_networks):
            raise RefusedAddressError("private", target=host)


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the policy allows."""

    def __init__(self, policy: NetPolicy):
        self.policy = policy

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options=None
    ) -> httpcore.NetworkStream:
        if self.policy.is_trusted(host, port):
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        self.policy.check_host(host)
        try:
            resolved = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in resolved))
        # Every address, not only the first: a host that also resolves to an internal address
        # is refused rather than trusted to be reached on its public one.
        for address in addresses:
            self.policy.check_address(host, address)
        for address in addresses[:-1]:
            try:
                return self._connect_ip(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue  # the host's next address may answer
        return self._connect_ip(addresses[-1], port, timeout, local_address, socket_options)

    def _connect_ip(self, address: str, *args) -> httpcore.NetworkStream:
        # An IP literal: no second lookup that could answer differently. TLS still verifies and
        # sends SNI for the host name, which httpcore hands to start_tls on its own.
        return super().connect_tcp(address, *args)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for the process: loading the CA bundle costs about 25 ms of CPU,
    which every new tab's client paid twice. A context is safe to share between connections."""
    return httpx.create_ssl_context()


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport whose connection pool connects through the policy's backend."""

    def __init__(self, policy: NetPolicy):
        context = shared_ssl_context()
        super().__init__(verify=context)
        limits = httpx.Limits()
        # HTTPTransport has no parameter for httpcore's network backend, so the pool it built
        # is replaced by the same pool with the guarded backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(policy),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        check_scheme(request.url.scheme)
        return super().handle_request(request)

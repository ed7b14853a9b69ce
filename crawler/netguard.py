"""Refuse connections to private, loopback, link-local and other non-public addresses.

A crawler that follows links and redirects from web pages must not be steered into the network it
runs in (SSRF: a page links to `http://10.0.0.5/admin` or a host name resolves to 127.0.0.1).
`AddressPolicy` says which resolved addresses are refused; hosts named in the
`GOVCORPUS_ALLOW_HOSTS` setting (`--allow-host`, exactly as written in URLs) are exempt, for
intranet mirrors and tests.

The policy is enforced in the Twisted resolver (`TWISTED_DNS_RESOLVER`), through which every
connection Scrapy's HTTP/1.1 handler opens is resolved, IP literals included; so a refused address
is never connected to, and a name cannot be rebound between a check and the connection.
`crawler.guard.SiteGuardMiddleware` asks the same resolver before a request is downloaded, so a
refusal is reported per request rather than as a DNS failure.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

ALLOW_HOSTS_SETTING = "GOVCORPUS_ALLOW_HOSTS"


class RefusedAddressError(DNSLookupError):
    """A host resolved to an address the crawl may not connect to.

    A DNSLookupError so that Twisted's endpoint reports "no address" quietly: nothing is connected.
    """

    def __init__(self, host: str, address: str, why: str) -> None:
        super().__init__(f"refused {host!r}: resolves to {why} address {address}")
        self.host = host
        self.address = address
        self.why = why


def address_refusal(address: str) -> str | None:
    """Why an IP address is not public (loopback, private, link-local, ...), or None if it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unparsable"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for why, flag in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return why
    return None if ip.is_global else "non-global"


@dataclass(frozen=True)
class AddressPolicy:
    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_hosts(cls, hosts: Iterable[str]) -> AddressPolicy:
        return cls(frozenset(h.strip().lower().rstrip(".") for h in hosts if h and h.strip()))

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.allowed_hosts

    def check(self, host: str, address: str) -> None:
        """Raise RefusedAddressError unless `host` is allowed or `address` is public."""
        if self.host_allowed(host):
            return
        why = address_refusal(address)
        if why is not None:
            raise RefusedAddressError(host, address, why)


def allow_hosts_from_settings(value: Any) -> Sequence[str]:
    if not value:
        return ()
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return [str(part) for part in value]


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-public addresses (cached answers are checked too)."""

    policy: AddressPolicy

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.policy = AddressPolicy.from_hosts(
            allow_hosts_from_settings(crawler.settings.get(ALLOW_HOSTS_SETTING))
        )
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        deferred = super().getHostByName(name, timeout)

        def check(address: str) -> str:
            self.policy.check(name, address)
            return address

        return deferred.addCallback(check)

"""Refusing private, loopback and link-local addresses (targets only ever inside 127.0.0.0/8)."""

from __future__ import annotations

import pytest
from scrapy.resolver import dnscache
from scrapy.utils.test import get_crawler

from crawler.netguard import (
    AddressPolicy,
    GuardedResolver,
    RefusedAddressError,
    address_refusal,
    allow_hosts_from_settings,
)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.2", "loopback"),
        ("10.20.30.40", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "non-global"),
        ("not an address", "unparsable"),
    ],
)
def test_non_public_addresses_are_refused(address: str, why: str) -> None:
    assert address_refusal(address) == why


def test_a_public_address_passes() -> None:
    # A pure check on a literal: nothing is connected to.
    assert address_refusal("202.108.22.5") is None


def test_allowed_hosts_are_matched_as_written() -> None:
    policy = AddressPolicy.from_hosts(["127.0.0.1", "Mirror.Intranet.Example."])
    policy.check("127.0.0.1", "127.0.0.1")
    policy.check("mirror.intranet.example", "10.1.2.3")
    with pytest.raises(RefusedAddressError) as caught:
        policy.check("localhost", "127.0.0.1")  # resolves to an allowed address, but is not itself allowed
    assert caught.value.why == "loopback" and caught.value.host == "localhost"


@pytest.mark.parametrize(
    ("value", "hosts"),
    [
        (None, []),
        ("", []),
        ("127.0.0.1, localhost", ["127.0.0.1", "localhost"]),
        (["a.example"], ["a.example"]),
    ],
)
def test_allow_hosts_setting_forms(value: object, hosts: list[str]) -> None:
    assert list(allow_hosts_from_settings(value)) == hosts


def _resolve(resolver: GuardedResolver, name: str) -> object:
    results: list[object] = []
    resolver.getHostByName(name).addBoth(results.append)
    assert results, "the cached answer resolves synchronously"
    return results[0]


@pytest.fixture
def stub_dns() -> object:
    """Host names mapped to loopback addresses in Scrapy's DNS cache (a resolver override, no DNS)."""
    names = {"intranet.example-gov.test": "127.0.0.2", "mirror.example-gov.test": "127.0.0.3"}
    for name, address in names.items():
        dnscache[name] = address
    yield names
    for name in names:
        dnscache.pop(name, None)


def test_guarded_resolver_refuses_a_name_mapped_to_loopback(stub_dns: object) -> None:
    from twisted.internet import reactor

    crawler = get_crawler(settings_dict={"GOVCORPUS_ALLOW_HOSTS": ["mirror.example-gov.test"]})
    resolver = GuardedResolver.from_crawler(crawler, reactor)
    refused = _resolve(resolver, "intranet.example-gov.test")
    assert isinstance(refused.value, RefusedAddressError)  # type: ignore[attr-defined]
    assert "127.0.0.2" in str(refused.value)  # type: ignore[attr-defined]
    assert _resolve(resolver, "mirror.example-gov.test") == "127.0.0.3"


def test_refusal_is_a_dns_failure_so_nothing_connects() -> None:
    # Twisted's endpoint treats a DNSLookupError as "no address": no connection attempt, no noisy log.
    from twisted.internet.error import DNSLookupError

    assert issubclass(RefusedAddressError, DNSLookupError)

"""Downloader middleware: every request, redirects and robots.txt included, stays on the site and public.

Runs first in the downloader chain (before robots.txt is fetched for a new host). A request is
refused with `RefusedRequest` (an `IgnoreRequest`, so the request's errback sees it) when

- its scheme is not http or https (`refused_scheme`);
- its host is outside the spider's `allowed_domains` (`refused_offsite`). Unlike Scrapy's own
  offsite filter this ignores `dont_filter` and `allow_offsite`: redirects and start requests
  are checked too;
- its host resolves to a non-public address and is not in `GOVCORPUS_ALLOW_HOSTS`
  (`refused_private`). Resolution goes through the reactor's resolver, i.e. the caching
  `crawler.netguard.GuardedResolver`, whose answer the download then reuses.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from crawler.netguard import (
    ALLOW_HOSTS_SETTING,
    AddressPolicy,
    RefusedAddressError,
    allow_hosts_from_settings,
)


class RefusedRequest(IgnoreRequest):
    """A request the guard will not let through; `code` is the outcome recorded for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class SiteGuardMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.policy = AddressPolicy.from_hosts(
            allow_hosts_from_settings(crawler.settings.get(ALLOW_HOSTS_SETTING))
        )

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteGuardMiddleware:
        return cls(crawler)

    def _refuse(self, code: str, message: str) -> RefusedRequest:
        self.stats.inc_value(f"govcorpus/guard/{code}")
        return RefusedRequest(code, message)

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise self._refuse("refused_scheme", f"not an http(s) URL: {request.url}")
        spider: Spider | None = self.crawler.spider
        allowed = [d.lower() for d in getattr(spider, "allowed_domains", None) or []]
        if not allowed or not any(host == d or host.endswith("." + d) for d in allowed):
            raise self._refuse(
                "refused_offsite", f"{host} is outside the site's allowed domains: {request.url}"
            )
        if self.policy.host_allowed(host):
            return
        await self._check_address(host, request)

    async def _check_address(self, host: str, request: Request) -> None:
        try:
            ipaddress.ip_address(host)
            literal = True
        except ValueError:
            literal = False
        if literal:
            try:
                self.policy.check(host, host)
            except RefusedAddressError as error:
                raise self._refuse("refused_private", f"{error.why} address: {request.url}") from None
            return
        from twisted.internet import reactor

        try:
            # The guarded resolver refuses by itself; checking again covers any other resolver.
            address = await maybe_deferred_to_future(reactor.resolve(host))
            self.policy.check(host, address)
        except RefusedAddressError as error:
            raise self._refuse(
                "refused_private", f"{host} resolves to {error.why} address {error.address}: {request.url}"
            ) from None
        except DNSLookupError:
            # Not ours to judge: the download reports it (and the retry middleware may retry it).
            return

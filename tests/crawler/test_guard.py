"""The downloader guard: off-site, non-http and private-address requests are refused with a reason."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from crawler.guard import RefusedRequest, SiteGuardMiddleware


class _Site(Spider):
    name = "guard_test"
    allowed_domains = ("www.example-tzb.gov.cn", "127.0.0.1", "127.0.0.2")


def _middleware(allow: list[str]) -> SiteGuardMiddleware:
    crawler = get_crawler(_Site, {"GOVCORPUS_ALLOW_HOSTS": allow})
    crawler.spider = _Site()
    return SiteGuardMiddleware.from_crawler(crawler)


def _check(middleware: SiteGuardMiddleware, url: str, **kwargs: object) -> str | None:
    try:
        asyncio.run(middleware.process_request(Request(url, **kwargs)))
    except RefusedRequest as refused:
        return refused.code
    return None


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.3:9/landing.html", "refused_offsite"),
        ("http://evil-www.example-tzb.gov.cn.example/", "refused_offsite"),
        ("ftp://127.0.0.1/file.txt", "refused_scheme"),
        ("http://127.0.0.2:9/probe.html", "refused_private"),
        ("http://127.0.0.1:9/page.html", None),  # allowed host
    ],
)
def test_guard_decisions(url: str, code: str | None) -> None:
    assert _check(_middleware(["127.0.0.1"]), url) == code


def test_dont_filter_does_not_bypass_the_guard() -> None:
    middleware = _middleware(["127.0.0.1"])
    assert (
        _check(middleware, "http://127.0.0.3:9/", dont_filter=True, meta={"allow_offsite": True})
        == "refused_offsite"
    )
    stats = middleware.stats.get_stats()
    assert stats["govcorpus/guard/refused_offsite"] == 1

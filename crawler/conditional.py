"""Downloader middleware: conditional requests for article pages the crawl state already holds.

An article fetched before is asked for with `If-None-Match` (its ETag) and `If-Modified-Since`
(its Last-Modified); an unchanged page then costs the server a 304 and is not stored again.
Listing pages, start pages and sitemaps are always fetched in full: they are how new articles
are found. The state is read-only here; pipelines/crawl_state.py writes it.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, signals

from crawler.runtime import state_dir
from crawler.state import CrawlState

CONDITIONAL_KINDS = frozenset({"article", "unknown"})


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.directory = state_dir(crawler.settings)
        self._state: CrawlState | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def spider_closed(self) -> None:
        if self._state is not None:
            self._state.close()

    @property
    def state(self) -> CrawlState:
        if self._state is None:
            self._state = CrawlState(self.directory)
        return self._state

    def process_request(self, request: Request) -> None:
        if request.meta.get("govcorpus_kind") not in CONDITIONAL_KINDS:
            return
        page = self.state.page(request.url)
        if page is None or page.kind != "article" or page.digest is None:
            return
        if page.etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = page.etag.encode("latin-1")
        if page.last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = page.last_modified.encode("latin-1")
        if page.etag or page.last_modified:
            self.crawler.stats.inc_value("govcorpus/conditional_requests")

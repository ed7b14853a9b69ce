"""The one spider: a site from crawler/sites.yaml is data, this class is the logic.

    scrapy crawl site -a site=gov_cn      # the base spider, told which site
    scrapy crawl gov_cn                   # the same, by the per-site name `scrapy list` shows

Per-site spider classes (name = site key) are generated from the sites file by
`crawler.spiderloader.SiteSpiderLoader`; they only set `site_key`.

What it does with a site:
- start with the sitemaps (entries whose `<lastmod>` is not newer than the last fetch of a page
  we already hold are skipped) and the start URLs (home and listing pages, fetched every run);
- follow links inside the allowed domains up to `max_depth` hops; tell articles from listings by
  URL (crawler/links.py) and, for URLs of no known shape, by page shape (crawler/pages.py);
- follow listing pagination without spending depth: plain links (`index_2.html`, `?page=2`,
  下一页) and TRS `createPageHTML(...)` script paging, at most `max_list_pages` pages;
- stop asking for pages after `max_pages` requests (or `--max-pages`) per run;
- yield one `PageCapture` per page asked for: fetched, not modified (304), blocked by a JavaScript
  challenge, refused (robots.txt, off-site, private address), too large or failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

from scrapy import Request, Spider
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawler import items
from crawler.guard import RefusedRequest
from crawler.items import PageCapture
from crawler.links import (
    canonical_link,
    classify_url,
    is_pagination_link,
    script_page_urls,
    within_page_limit,
)
from crawler.pages import CHALLENGE_STATUSES, is_js_challenge, looks_like_article
from crawler.runtime import CRAWL_ID, MAX_PAGES, new_crawl_id, sites_file, state_dir
from crawler.sites import Site, load_sites
from crawler.state import CrawlState
from pipelines.decode import DecodedHtml, decode_html

# Scheduler priorities: sitemaps and start pages first, then articles, then deeper listings.
PRIORITY_SITEMAP = 30
PRIORITY_START = 20
PRIORITY_ARTICLE = 10
PRIORITY_LISTING = 5

# Statuses the callbacks see instead of an HttpError: 304 for conditional requests, challenges.
HANDLED_STATUSES = sorted({304, *CHALLENGE_STATUSES})

# Without a zone, sitemap dates are taken as China time.
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


def parse_lastmod(value: str | None) -> dt.datetime | None:
    """A sitemap <lastmod> (W3C datetime: a date, or a date and time with or without zone)."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA_TZ)


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


class SiteSpider(Spider):
    name = "site"
    site_key: ClassVar[str | None] = None

    site: Site
    crawl_id: str

    def __init__(self, site: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._site_arg = site or self.site_key
        self._seen: set[str] = set()
        self._state: CrawlState | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        return spider

    def configure(self, settings: Any) -> None:
        if not self._site_arg:
            raise ValueError(
                "which site? use `scrapy crawl site -a site=KEY` or `scrapy crawl KEY` (see `scrapy list`)"
            )
        self.site = load_sites(sites_file(settings)).get(self._site_arg)
        self.allowed_domains = list(self.site.allowed_domains)
        self.crawl_id = settings.get(CRAWL_ID) or new_crawl_id()
        self.state_directory = state_dir(settings)
        limit = settings.getint(MAX_PAGES)
        self.page_budget = min(self.site.max_pages, limit) if limit > 0 else self.site.max_pages
        self.max_sitemap_bytes = settings.getint("DOWNLOAD_MAXSIZE")
        # Domains are checked with Site.allows_url (Scrapy's allow_domains compares host:port),
        # deny patterns in _request, for links, sitemap entries and script paging alike.
        self.link_extractor = LinkExtractor(unique=True)

    # ------------------------------------------------------------------ helpers
    @property
    def crawl_state(self) -> CrawlState:
        if self._state is None:
            self._state = CrawlState(self.state_directory)
        return self._state

    def closed(self, reason: str) -> None:
        if self._state is not None:
            self._state.close()

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"govcorpus/{key}", count)

    @property
    def _requested(self) -> int:
        # Kept in the spider state so that a resumed crawl (JOBDIR) keeps counting.
        return self.__dict__.setdefault("state", {}).get("govcorpus_requested", 0)

    def _request(
        self, url: str, kind: str, depth: int, priority: int, *, sitemap: bool = False
    ) -> Request | None:
        url = canonical_link(url)
        if url in self._seen or any(pattern.search(url) for pattern in self.site.deny_patterns):
            return None
        if self._requested >= self.page_budget:
            self._inc("skipped_budget")
            return None
        self._seen.add(url)
        self.__dict__.setdefault("state", {})["govcorpus_requested"] = self._requested + 1
        return Request(
            url,
            callback=self.parse_sitemap if sitemap else self.parse_page,
            errback=self.on_error,
            priority=priority,
            meta={
                "govcorpus_kind": kind,
                "govcorpus_depth": depth,
                "handle_httpstatus_list": HANDLED_STATUSES,
            },
        )

    def _capture(
        self,
        url: str,
        kind: str,
        outcome: str,
        *,
        response: Response | None = None,
        decoded: DecodedHtml | None = None,
        status: int | None = None,
        detail: str | None = None,
    ) -> PageCapture:
        capture = PageCapture(
            url=url,
            site=self.site.key,
            category=self.site.category,
            level=self.site.level,
            crawl_id=self.crawl_id,
            kind=kind,
            outcome=outcome,
            fetched_at=dt.datetime.now(dt.UTC),
            status=status,
            detail=detail,
        )
        if response is not None:
            capture.status = response.status
            capture.request_method = response.request.method if response.request else "GET"
            capture.request_headers = _header_pairs(response.request.headers) if response.request else []
            capture.response_headers = _header_pairs(response.headers)
            capture.protocol = response.protocol
            capture.ip_address = str(response.ip_address) if response.ip_address else None
            content_type = response.headers.get(b"Content-Type")
            capture.content_type = content_type.decode("latin-1") if content_type else None
            if outcome == items.FETCHED:
                capture.body = response.body
        if decoded is not None:
            capture.charset = decoded.encoding
            capture.declared_charset = decoded.declared
        return capture

    # ------------------------------------------------------------------ start
    async def start(self) -> AsyncIterator[Any]:
        for url in self.site.sitemaps:
            request = self._request(url, "sitemap", 0, PRIORITY_SITEMAP, sitemap=True)
            if request is not None:
                yield request
        for url in self.site.start_urls:
            kind = "article" if classify_url(url, self.site) == "article" else "listing"
            request = self._request(url, kind, 0, PRIORITY_START)
            if request is not None:
                yield request

    # ------------------------------------------------------------------ sitemaps
    def _sitemap_body(self, response: Response) -> bytes | None:
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.max_sitemap_bytes)
            except ValueError:
                return None
        return body if b"<urlset" in body[:4096] or b"<sitemapindex" in body[:4096] else None

    def _holds_fresh_copy(self, url: str, lastmod: dt.datetime) -> bool:
        page = self.crawl_state.page(url)
        return page is not None and page.digest is not None and page.last_fetch >= lastmod

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        body = self._sitemap_body(response) if response.status == 200 else None
        if body is None:
            yield self._capture(
                response.url, "sitemap", items.NOT_HTML, response=response, detail="not a sitemap"
            )
            return
        yield self._capture(response.url, "sitemap", items.FETCHED, response=response)
        sitemap = Sitemap(body)
        for entry in sitemap:
            url = canonical_link(entry.get("loc", ""))
            if not self.site.allows_url(url):
                continue
            if sitemap.type == "sitemapindex":
                request = self._request(url, "sitemap", 0, PRIORITY_SITEMAP, sitemap=True)
            else:
                lastmod = parse_lastmod(entry.get("lastmod"))
                if lastmod is not None and self._holds_fresh_copy(url, lastmod):
                    self._inc("outcome/skipped_lastmod")
                    continue
                kind = classify_url(url, self.site)
                kind = "article" if kind == "unknown" else kind
                # Sitemap entries are leaves: their links are not followed.
                request = self._request(url, kind, self.site.max_depth, PRIORITY_ARTICLE)
            if request is not None:
                yield request

    # ------------------------------------------------------------------ pages
    def parse_page(self, response: Response) -> Iterator[Any]:
        kind: str = response.meta.get("govcorpus_kind", "unknown")
        depth: int = response.meta.get("govcorpus_depth", 0)
        if response.status == 304:
            # Only articles are asked for conditionally (crawler/conditional.py).
            yield self._capture(response.url, "article", items.NOT_MODIFIED, response=response)
            return
        if is_js_challenge(response.status, response.body):
            yield self._capture(
                response.url, kind, items.BLOCKED, response=response, detail="JavaScript challenge"
            )
            return
        if response.status >= 300:
            yield self._capture(response.url, kind, items.status_outcome(response.status), response=response)
            return
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if not isinstance(response, TextResponse) or ("html" not in content_type.lower() and content_type):
            yield self._capture(
                response.url, kind, items.NOT_HTML, response=response, detail=content_type or None
            )
            return
        decoded = decode_html(response.body, content_type or None)
        if kind == "unknown":
            kind = "article" if looks_like_article(decoded.text, self.site.content_selectors) else "listing"
        yield self._capture(response.url, kind, items.FETCHED, response=response, decoded=decoded)
        yield from self._follow(response.replace(encoding=decoded.encoding), decoded.text, kind, depth)

    def _follow(self, response: TextResponse, text: str, kind: str, depth: int) -> Iterator[Request]:
        page_url = response.url
        limit = self.site.max_list_pages
        if kind == "listing":
            for url in script_page_urls(text, page_url, limit):
                request = self._request(url, "listing", depth, PRIORITY_LISTING - depth)
                if request is not None:
                    yield request
        for link in self.link_extractor.extract_links(response):
            url = canonical_link(link.url)
            if not self.site.allows_url(url):
                self._inc("links/offsite")
                continue
            if is_pagination_link(url, link.text, page_url):
                if kind == "listing" and within_page_limit(url, limit):
                    request = self._request(url, "listing", depth, PRIORITY_LISTING - depth)
                    if request is not None:
                        yield request
                continue
            if depth >= self.site.max_depth:
                continue
            link_kind = classify_url(url, self.site)
            priority = PRIORITY_ARTICLE if link_kind == "article" else PRIORITY_LISTING - depth - 1
            request = self._request(url, link_kind, depth + 1, priority)
            if request is not None:
                yield request

    # ------------------------------------------------------------------ failures
    def on_error(self, failure: Failure) -> Iterator[PageCapture]:
        request: Request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("govcorpus_kind", "unknown")
        error = failure.value
        status: int | None = None
        message = str(error)
        if isinstance(error, RefusedRequest):
            outcome = error.code
        elif isinstance(error, HttpError):
            status = error.response.status
            outcome = items.status_outcome(status)
        elif isinstance(error, IgnoreRequest) and "robots.txt" in message:
            outcome = items.ROBOTS
        elif isinstance(error, IgnoreRequest | DownloadCancelledError) and (
            "max size" in message or "DOWNLOAD_MAXSIZE" in message
        ):
            outcome = items.TOO_LARGE
        else:
            outcome = items.FAILED
        redirected_from = request.meta.get("redirect_urls")
        if redirected_from:
            message = f"{message} (redirected from {redirected_from[0]})"
        yield self._capture(
            request.url, kind, outcome, status=status, detail=f"{type(error).__name__}: {message}"
        )


def spider_class_for(site: Site) -> type[SiteSpider]:
    """A named subclass for one site, so `scrapy list` and `scrapy crawl KEY` know it."""
    class_name = "".join(part.capitalize() for part in site.key.split("_")) + "Spider"
    domains = ", ".join(site.allowed_domains)
    doc = f"{site.name} ({domains}), category {site.category}, level {site.level}."
    if site.notes:
        doc += f"\n\n{site.notes}"
    return type(class_name, (SiteSpider,), {"name": site.key, "site_key": site.key, "__doc__": doc})


def site_spider_classes(path: str | Path | None) -> list[type[SiteSpider]]:
    return [spider_class_for(site) for site in load_sites(path)]

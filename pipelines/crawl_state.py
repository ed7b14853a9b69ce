"""Item pipeline (first): decide which pages are stored, and record every page outcome in the crawl state.

Only new or changed article pages go on to the WARC writer and the capture index. Everything
else is dropped here with `CaptureSkipped` (a `DropItem` with a `code`), and every outcome, stored
or not, is written to the crawl state (crawler/state.py) and counted in the stats as
`govcorpus/outcome/<code>`:

    stored             new or changed article; written to WARC and the capture index
    not_modified       304 to a conditional request
    unchanged_digest   fetched in full with the same payload digest as the copy already held
    navigation         start page, listing page or sitemap: fetched every run for its links
    blocked_challenge  a JavaScript challenge page instead of content
    http_error         4xx (a broken link);  server_error  5xx after the retries
    not_html           a PDF, image, ... or a sitemap URL that is not a sitemap
    robots_disallowed, refused_offsite, refused_private, refused_scheme, too_large, failed
                       never fetched (or not completely)
    skipped_lastmod    (counted by the spider) sitemap <lastmod> not newer than the copy held

Unchanged pages are not written at all, not even as WARC `revisit` records: the clean job only
consumes new content, and the state's `pages` table (last fetch, validators, digest, the crawl that
stored the copy) and `fetches` log already say when each page was last seen unchanged.

State rows for stored pages are written when Scrapy signals the item passed every pipeline
(`item_scraped`), so a page whose WARC write failed is not recorded as held.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler import items
from crawler.items import PageCapture
from crawler.runtime import state_dir
from crawler.state import CrawlState
from pipelines.warc_writer import payload_digest

STORED = "stored"
UNCHANGED_DIGEST = "unchanged_digest"
NAVIGATION = "navigation"

# Outcomes that come with an answer from the server and so update the page's state.
ANSWERED = frozenset(
    {
        STORED,
        UNCHANGED_DIGEST,
        NAVIGATION,
        items.NOT_MODIFIED,
        items.BLOCKED,
        items.HTTP_ERROR,
        items.NOT_HTML,
    }
)
_QUIET = frozenset({NAVIGATION, UNCHANGED_DIGEST, items.NOT_MODIFIED})


class CaptureSkipped(DropItem):
    """A page that is not stored; `code` is its outcome."""

    def __init__(self, code: str, detail: str | None = None) -> None:
        super().__init__(
            f"{code}: {detail}" if detail else code, log_level="DEBUG" if code in _QUIET else "INFO"
        )
        self.code = code


class CrawlStatePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.directory = state_dir(crawler.settings)
        self.state: CrawlState | None = None
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlStatePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.state = CrawlState(self.directory)

    def close_spider(self) -> None:
        if self.state is not None:
            self.state.close()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageCapture):
            return item
        assert self.state is not None
        if item.outcome != items.FETCHED:
            raise CaptureSkipped(item.outcome, item.detail)
        if item.kind != "article":
            raise CaptureSkipped(NAVIGATION)
        item.digest = payload_digest(item.body)
        previous = self.state.page(item.url)
        if previous is not None and previous.digest == item.digest:
            raise CaptureSkipped(UNCHANGED_DIGEST)
        return item

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, PageCapture):
            self._record(item, STORED, None)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, PageCapture):
            self._record(item, getattr(exception, "code", "dropped"), str(exception))

    def _record(self, item: PageCapture, outcome: str, detail: str | None) -> None:
        assert self.state is not None
        self.stats.inc_value(f"govcorpus/outcome/{outcome}")
        self.state.log_fetch(
            crawl_id=item.crawl_id,
            site=item.site,
            url=item.url,
            kind=item.kind,
            outcome=outcome,
            status=item.status,
            at=item.fetched_at,
            detail=item.detail or (detail if outcome not in _QUIET else None),
        )
        if outcome not in ANSWERED:
            return
        keeps_copy = outcome in (STORED, UNCHANGED_DIGEST)
        self.state.record_page(
            url=item.url,
            site=item.site,
            kind=item.kind,
            fetched_at=item.fetched_at,
            status=item.status,
            outcome=outcome,
            etag=item.etag,
            last_modified=item.last_modified,
            digest=item.digest if keeps_copy else None,
            stored_crawl_id=item.crawl_id if outcome == STORED else None,
        )

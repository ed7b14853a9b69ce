"""The one item the spider yields: what happened to one page, with the capture when there is one.

Every page the spider asks for ends as exactly one `PageCapture`: fetched pages carry the response
(`outcome == "fetched"`), refused, blocked and failed ones carry the reason in `outcome`. The item
pipelines decide what is stored (new or changed articles) and record everything in the crawl
state; see pipelines/crawl_state.py for the outcome codes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Outcomes the spider sets. The state pipeline adds stored, unchanged_digest and navigation.
FETCHED = "fetched"
NOT_MODIFIED = "not_modified"
BLOCKED = "blocked_challenge"
HTTP_ERROR = "http_error"  # 4xx: a broken link, not the crawler's problem
SERVER_ERROR = "server_error"  # 5xx after the retries
NOT_HTML = "not_html"
ROBOTS = "robots_disallowed"
TOO_LARGE = "too_large"
FAILED = "failed"


def status_outcome(status: int) -> str:
    return SERVER_ERROR if status >= 500 else HTTP_ERROR


@dataclass(slots=True, repr=False)
class PageCapture:
    url: str
    site: str
    category: str
    level: str
    crawl_id: str
    kind: str  # article, listing, sitemap, home
    outcome: str
    fetched_at: dt.datetime
    status: int | None = None
    detail: str | None = None
    # The exchange, for WARC request and response records.
    request_method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    protocol: str | None = None
    ip_address: str | None = None
    body: bytes = b""
    content_type: str | None = None
    charset: str | None = None
    declared_charset: str | None = None
    # Filled by the pipelines.
    digest: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    warc_record_id: str | None = None

    def __repr__(self) -> str:
        # Scrapy logs dropped items: no body, no headers.
        return f"<PageCapture {self.outcome} {self.kind} {self.status or '-'} {self.url}>"

    @property
    def etag(self) -> str | None:
        return self.header("ETag")

    @property
    def last_modified(self) -> str | None:
        return self.header("Last-Modified")

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.response_headers if key.lower() == lowered), None)

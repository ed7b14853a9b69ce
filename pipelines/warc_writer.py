"""Item pipeline: raw captures as WARC files, `<raw dir>/<crawl_id>/<site>-<crawl_id>-<nnnnn>.warc.gz`
(`<site>-<crawl_id>-<worker>-<nnnnn>.warc.gz` for each worker of a distributed crawl).

Each stored page becomes a `response` record and a `request` record (linked by
WARC-Concurrent-To), each its own gzip member so a record can be read from its offset alone. A
file starts with a `warcinfo` record and is rotated once it reaches `GOVCORPUS_WARC_MAX_BYTES`.
warcio adds WARC-Date (the fetch time), WARC-Block-Digest and WARC-Payload-Digest (SHA-1).

Response records also carry `WARC-Govcorpus-Site`, `-Crawl-Id`, `-Category`, `-Site-Level` and
`-Page-Kind`, which the clean job's WARC reader maps to record fields.

The payload is the body as Scrapy hands it over: after transfer and content decoding (gzip,
br, ...). The stored HTTP headers say so: Content-Encoding and Transfer-Encoding are dropped and
Content-Length is the stored length.

A file being written is named `*.warc.gz.open` (readers skip it) and renamed when complete. A file
left `.open` by a killed crawl is repaired by `recover_open_warcs` (truncated after its last
complete record, then renamed); `govcorpus crawl` runs it before each crawl.
"""

from __future__ import annotations

import base64
import hashlib
import http
import logging
import re
import zlib
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawler.items import PageCapture
from crawler.runtime import WARC_MAX_BYTES, capture_prefix, raw_dir
from pipelines.readers import WARC_CATEGORY, WARC_CRAWL_ID, WARC_SITE, WARC_SITE_LEVEL

logger = logging.getLogger(__name__)

# Site, crawl id, category and level header names are the reader's (pipelines/readers.py).
WARC_PAGE_KIND = "WARC-Govcorpus-Page-Kind"

OPEN_SUFFIX = ".open"
_DROPPED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


def payload_digest(body: bytes) -> str:
    """SHA-1 of the payload in WARC's notation (`sha1:<base32>`), as in WARC-Payload-Digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _complete_members_end(path: Path, chunk_size: int = 1 << 16) -> int:
    """Byte offset just after the last complete gzip member of a file (read in chunks)."""
    good_end = consumed = 0
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = b""
    with path.open("rb") as handle:
        while True:
            chunk = pending or handle.read(chunk_size)
            pending = b""
            if not chunk:
                return good_end
            consumed += len(chunk)
            try:
                decompressor.decompress(chunk)
            except zlib.error:
                return good_end
            if decompressor.eof:
                pending = decompressor.unused_data
                consumed -= len(pending)
                good_end = consumed
                decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)


def recover_open_warcs(directory: Path) -> list[Path]:
    """Repair `*.warc.gz.open` files under `directory` left by a killed crawl; returns the new paths."""
    recovered = []
    for path in sorted(directory.rglob(f"*.warc.gz{OPEN_SUFFIX}")):
        end = _complete_members_end(path)
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        if end == 0:
            path.unlink()
            continue
        with path.open("r+b") as handle:
            handle.truncate(end)
        path.rename(final)
        logger.warning("recovered interrupted WARC file %s (%d bytes kept)", final, end)
        recovered.append(final)
    return recovered


class RotatingWarcWriter:
    """gzip-per-record WARC files `<prefix>-<nnnnn>.warc.gz` in one directory, rotated by size."""

    def __init__(self, directory: Path, prefix: str, max_bytes: int, info: dict[str, str]) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info
        self._handle: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None
        self.files: list[Path] = []

    def _next_serial(self) -> int:
        pattern = re.compile(rf"^{re.escape(self.prefix)}-(\d{{5}})\.warc\.gz(?:{re.escape(OPEN_SUFFIX)})?$")
        serials = [int(m.group(1)) for p in self.directory.glob("*") if (m := pattern.match(p.name))]
        return max(serials, default=-1) + 1

    def _open(self) -> WARCWriter:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{self.prefix}-{self._next_serial():05d}.warc.gz"
        self._path = self.directory / (name + OPEN_SUFFIX)
        self._handle = self._path.open("xb")
        self._writer = WARCWriter(self._handle, gzip=True)
        self._writer.write_record(self._writer.create_warcinfo_record(name, self.info))
        return self._writer

    def _finish(self) -> None:
        if self._handle is None or self._path is None:
            return
        self._handle.close()
        final = self._path.with_name(self._path.name.removesuffix(OPEN_SUFFIX))
        self._path.rename(final)
        self.files.append(final)
        self._handle = self._writer = self._path = None

    def close(self) -> None:
        self._finish()

    @property
    def current_name(self) -> str:
        assert self._path is not None
        return self._path.name.removesuffix(OPEN_SUFFIX)

    def write_exchange(
        self, capture: PageCapture, extra_headers: dict[str, str]
    ) -> tuple[str, int, int, str]:
        """Write the response and request records; returns (file name, offset, length, record id) of the response."""
        if self._handle is not None and self._handle.tell() >= self.max_bytes:
            self._finish()
        writer = self._writer if self._writer is not None else self._open()
        assert self._handle is not None
        warc_date = datetime_to_iso_date(capture.fetched_at.replace(tzinfo=None))
        common = {"WARC-Date": warc_date}
        response_headers = dict(common, **extra_headers)
        if capture.ip_address:
            response_headers["WARC-IP-Address"] = capture.ip_address
        response = writer.create_warc_record(
            capture.url,
            "response",
            payload=BytesIO(capture.body),
            http_headers=_response_http_headers(capture),
            warc_headers_dict=response_headers,
        )
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        offset = self._handle.tell()
        writer.write_record(response)
        length = self._handle.tell() - offset
        request = writer.create_warc_record(
            capture.url,
            "request",
            payload=BytesIO(b""),
            http_headers=_request_http_headers(capture),
            warc_headers_dict=dict(common, **{"WARC-Concurrent-To": record_id}),
        )
        writer.write_record(request)
        self._handle.flush()
        return self.current_name, offset, length, record_id


def _response_http_headers(capture: PageCapture) -> StatusAndHeaders:
    status = capture.status or 200
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    headers = [(k, v) for k, v in capture.response_headers if k.lower() not in _DROPPED_HEADERS]
    headers.append(("Content-Length", str(len(capture.body))))
    return StatusAndHeaders(f"{status} {phrase}", headers, protocol=capture.protocol or "HTTP/1.1")


def _request_http_headers(capture: PageCapture) -> StatusAndHeaders:
    parts = urlsplit(capture.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc)]
    headers += [(k, v) for k, v in capture.request_headers if k.lower() != "host"]
    return StatusAndHeaders(f"{capture.request_method} {target} HTTP/1.1", headers, is_http_request=True)


class WarcWriterPipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.root = raw_dir(crawler.settings)
        self.max_bytes = crawler.settings.getint(WARC_MAX_BYTES)
        self.user_agent = crawler.settings.get("USER_AGENT")
        self.writer: RotatingWarcWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcWriterPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        info = {
            "software": "govcorpus crawler (Scrapy, warcio)",
            "format": "WARC File Format 1.0",
            "http-header-user-agent": self.user_agent,
            "robots": "obey",
            "crawl-id": spider.crawl_id,
            "site": spider.site.key,
            "description": "payloads stored after transfer/content decoding; Content-Encoding removed",
        }
        self.writer = RotatingWarcWriter(
            self.root / spider.crawl_id,
            capture_prefix(self.crawler.settings, spider.site.key, spider.crawl_id),
            self.max_bytes,
            info,
        )

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageCapture):
            return item
        if not item.body:
            raise DropItem(f"empty body, nothing to store: {item.url}")
        assert self.writer is not None
        extra = {
            WARC_SITE: item.site,
            WARC_CRAWL_ID: item.crawl_id,
            WARC_CATEGORY: item.category,
            WARC_SITE_LEVEL: item.level,
            WARC_PAGE_KIND: item.kind,
        }
        item.warc_file, item.warc_offset, item.warc_length, item.warc_record_id = self.writer.write_exchange(
            item, extra
        )
        return item

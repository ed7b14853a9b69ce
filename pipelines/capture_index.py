"""Item pipeline (after the WARC writer): the capture index, one Parquet row per stored page.

Written to `<raw dir>/<crawl_id>/index/<site>-<crawl_id>-<nnnnn>.parquet`, a part file every
`GOVCORPUS_INDEX_FLUSH_ROWS` rows and at the end of the crawl (each written under a temporary name
and renamed). A row says where the response record is (`warc_file`, `offset`, `length`: the
gzip member to read) and what it holds. `read_capture_index` reads a crawl's parts as one table.

The WARC files are the source of truth: rows not yet flushed when a crawl is killed are missing
from the index, never the other way round.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from crawler.items import PageCapture
from crawler.runtime import INDEX_FLUSH_ROWS, capture_prefix, raw_dir

INDEX_DIRNAME = "index"

CAPTURE_INDEX_SCHEMA = pa.schema(
    [
        pa.field("url", pa.string()),
        pa.field("status", pa.int32()),
        pa.field("content_type", pa.string()),
        pa.field("charset", pa.string()),  # the encoding the page decodes best with (pipelines/decode.py)
        pa.field("declared_charset", pa.string()),  # what the HTTP header or <meta> claimed
        pa.field("digest", pa.string()),  # WARC-Payload-Digest, sha1:<base32>
        pa.field("warc_file", pa.string()),  # file name inside <raw dir>/<crawl_id>/
        pa.field("offset", pa.int64()),
        pa.field("length", pa.int64()),
        pa.field("record_id", pa.string()),
        pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
        pa.field("crawl_id", pa.string()),
        pa.field("site", pa.string()),
        pa.field("category", pa.string()),
        pa.field("page_kind", pa.string()),
        pa.field("etag", pa.string()),
        pa.field("last_modified", pa.string()),
    ]
)


def capture_row(item: PageCapture) -> dict[str, Any]:
    return {
        "url": item.url,
        "status": item.status,
        "content_type": item.content_type,
        "charset": item.charset,
        "declared_charset": item.declared_charset,
        "digest": item.digest,
        "warc_file": item.warc_file,
        "offset": item.warc_offset,
        "length": item.warc_length,
        "record_id": item.warc_record_id,
        "fetched_at": item.fetched_at.astimezone(dt.UTC),
        "crawl_id": item.crawl_id,
        "site": item.site,
        "category": item.category,
        "page_kind": item.kind,
        "etag": item.etag,
        "last_modified": item.last_modified,
    }


def write_index_part(directory: Path, prefix: str, rows: list[dict[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d{{5}})\.parquet$")
    serial = (
        max((int(m.group(1)) for p in directory.iterdir() if (m := pattern.match(p.name))), default=-1) + 1
    )
    path = directory / f"{prefix}-{serial:05d}.parquet"
    temporary = path.with_name(path.name + ".tmp")
    pq.write_table(pa.Table.from_pylist(rows, schema=CAPTURE_INDEX_SCHEMA), temporary)
    temporary.rename(path)
    return path


def read_capture_index(crawl_dir: str | Path) -> pa.Table:
    """All capture-index rows of one crawl directory (`<raw dir>/<crawl_id>`)."""
    parts = sorted((Path(crawl_dir) / INDEX_DIRNAME).glob("*.parquet"))
    if not parts:
        return CAPTURE_INDEX_SCHEMA.empty_table()
    return pa.concat_tables([pq.read_table(part, schema=CAPTURE_INDEX_SCHEMA) for part in parts])


class CaptureIndexPipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.root = raw_dir(crawler.settings)
        self.flush_rows = max(1, crawler.settings.getint(INDEX_FLUSH_ROWS))
        self.rows: list[dict[str, Any]] = []
        self.directory: Path | None = None
        self.prefix = ""

    @classmethod
    def from_crawler(cls, crawler: Any) -> CaptureIndexPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.directory = self.root / spider.crawl_id / INDEX_DIRNAME
        self.prefix = capture_prefix(self.crawler.settings, spider.site.key, spider.crawl_id)

    def _flush(self) -> None:
        if self.rows and self.directory is not None:
            write_index_part(self.directory, self.prefix, self.rows)
            self.rows = []

    def close_spider(self) -> None:
        self._flush()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageCapture) and item.warc_file is not None:
            self.rows.append(capture_row(item))
            if len(self.rows) >= self.flush_rows:
                self._flush()
        return item

"""The capture index: Parquet parts per crawl, read back as one table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.capture_index import CAPTURE_INDEX_SCHEMA, capture_row, read_capture_index, write_index_part
from tests.crawler.captures import make_capture


def _row(number: int) -> dict:
    capture = make_capture(
        number,
        category="united_front",
        level="provincial",
        fetched_at=dt.datetime(2024, 4, 24, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        response_headers=[("Last-Modified", "Wed, 24 Apr 2024 08:00:00 GMT")],
        content_type="text/html; charset=gb2312",
        charset="gb18030",
        declared_charset="gb2312",
        digest="sha1:AAAA",
        warc_file="example-20240424T083000Z-00000.warc.gz",
        warc_offset=100 * number,
        warc_length=90,
        warc_record_id=f"<urn:uuid:{number}>",
    )
    return capture_row(capture)


def test_parts_are_numbered_and_read_back_together(tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = write_index_part(index, "example-20240424T083000Z", [_row(1), _row(2)])
    second = write_index_part(index, "example-20240424T083000Z", [_row(3)])
    assert (first.name, second.name) == (
        "example-20240424T083000Z-00000.parquet",
        "example-20240424T083000Z-00001.parquet",
    )
    assert not list(index.glob("*.tmp"))
    table = read_capture_index(tmp_path)
    assert table.schema == CAPTURE_INDEX_SCHEMA
    rows = table.to_pylist()
    assert [row["offset"] for row in rows] == [100, 200, 300]
    assert rows[0]["fetched_at"] == dt.datetime(2024, 4, 24, 8, 30, tzinfo=dt.UTC)
    assert (rows[0]["charset"], rows[0]["declared_charset"], rows[0]["last_modified"]) == (
        "gb18030",
        "gb2312",
        "Wed, 24 Apr 2024 08:00:00 GMT",
    )
    assert rows[0]["etag"] is None


def test_a_crawl_without_captures_reads_as_an_empty_table(tmp_path: Path) -> None:
    table = read_capture_index(tmp_path)
    assert table.num_rows == 0 and table.schema == CAPTURE_INDEX_SCHEMA

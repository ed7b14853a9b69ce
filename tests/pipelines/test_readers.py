from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.readers import InputError, canonical_url, discover_inputs, document_id
from tests.conftest import ARTICLE_PARAGRAPHS, article_html


def write_warc(path: Path, pages: list[tuple[str, bytes, str]], *, gzip_records: bool = True) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip_records)
        for url, body, content_type in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Govcorpus-Site": "tzb", "WARC-Govcorpus-Crawl-Id": "c1"},
            )  # fmt: skip
            writer.write_record(record)
        http = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                "http://x.gov.cn/missing", "response", payload=io.BytesIO(b"nf"), http_headers=http
            )
        )


def pages_of(path: Path) -> list:
    return [page for unit in discover_inputs([path]) for page in unit.pages()]


def test_warc_reader_reads_responses_with_crawler_headers(tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc.gz"
    write_warc(
        warc,
        [
            (
                "http://www.a.gov.cn/1.html",
                article_html(charset="gbk").encode("gb18030"),
                "text/html; charset=gbk",
            )
        ],
    )
    pages = pages_of(warc)
    assert len(pages) == 1  # the 404 is not a document
    assert pages[0].url == "http://www.a.gov.cn/1.html"
    assert pages[0].site == "tzb" and pages[0].crawl_id == "c1"
    assert pages[0].content_type == "text/html; charset=gbk"
    assert pages[0].fetched_at is not None


def test_plain_warc(tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc"
    write_warc(
        warc, [("http://www.a.gov.cn/2.html", article_html().encode(), "text/html")], gzip_records=False
    )
    assert [p.url for p in pages_of(warc)] == ["http://www.a.gov.cn/2.html"]


def test_truncated_warc_gz_yields_what_it_can_then_raises(tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc.gz"
    pages = [
        (
            f"http://www.a.gov.cn/{i}.html",
            article_html(paragraphs=ARTICLE_PARAGRAPHS * 20).encode(),
            "text/html",
        )
        for i in range(3)
    ]
    write_warc(warc, pages)
    data = warc.read_bytes()
    warc.write_bytes(data[: int(len(data) * 0.6)])
    unit = discover_inputs([warc])[0]
    read = []
    with pytest.raises(InputError, match="truncated or corrupt"):
        for page in unit.pages():
            read.append(page)
    assert len(read) >= 1


def test_jsonl_with_html_text_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl.gz"
    lines = [
        json.dumps({"url": "http://a.gov.cn/1", "html": article_html()}),
        "{not json",
        json.dumps({"url": "http://a.gov.cn/2", "text": "\n".join(ARTICLE_PARAGRAPHS), "site": "a"}),
        json.dumps({"html": "<p>no url</p>"}),
        json.dumps(["a list"]),
    ]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    pages = pages_of(path)
    assert [p.problem for p in pages] == [
        None,
        "read_invalid_json",
        None,
        "read_missing_url",
        "read_not_an_object",
    ]
    assert pages[0].html and pages[2].text and pages[2].site == "a"


def test_parquet_input_with_text_column(tmp_path: Path) -> None:
    path = tmp_path / "pages.parquet"
    pq.write_table(
        pa.table({"url": ["http://a.gov.cn/1", "http://a.gov.cn/2"], "text": ARTICLE_PARAGRAPHS[:2]}), path
    )
    pages = pages_of(path)
    assert [p.text for p in pages] == ARTICLE_PARAGRAPHS[:2]


def test_parquet_without_needed_columns_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "pages.parquet"
    pq.write_table(pa.table({"link": ["x"]}), path)
    with pytest.raises(InputError, match="url"):
        pages_of(path)


def test_corrupt_parquet_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1" + b"\x00garbage" * 100)
    with pytest.raises(InputError, match="corrupt"):
        pages_of(path)


def test_directory_walk_html_and_txt(tmp_path: Path) -> None:
    (tmp_path / "site" / "sub").mkdir(parents=True)
    (tmp_path / "site" / "a.html").write_bytes(article_html(charset="gbk").encode("gb18030"))
    (tmp_path / "site" / "sub" / "b.txt").write_text("\n".join(ARTICLE_PARAGRAPHS), encoding="utf-8")
    (tmp_path / "site" / "sub" / "ignored.css").write_text("body{}")
    pages = pages_of(tmp_path / "site")
    assert len(pages) == 2
    html_page = next(p for p in pages if p.html)
    assert html_page.url.startswith("http://www.example-tzb.gov.cn/")  # from <link rel=canonical>
    text_page = next(p for p in pages if p.text)
    assert text_page.url == "file:///site/sub/b.txt"


def test_canonical_url_and_stable_id() -> None:
    assert canonical_url("HTTP://WWW.Gov.CN:80/a?b=1#frag") == "http://www.gov.cn/a?b=1"
    assert document_id("http://www.gov.cn/a") == document_id("HTTP://www.gov.cn:80/a#x")
    assert document_id("http://www.gov.cn/a") != document_id("http://www.gov.cn/b")


def test_missing_input_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        discover_inputs([tmp_path / "nope"])


def test_crawler_capture_index_is_not_an_input(tmp_path: Path) -> None:
    path = tmp_path / "index" / "captures-0001.parquet"
    path.parent.mkdir()
    pq.write_table(
        pa.table({"url": ["http://a.gov.cn/1"], "warc_file": ["a.warc.gz"], "offset": [0], "status": [200]}),
        path,
    )
    assert pages_of(tmp_path) == []

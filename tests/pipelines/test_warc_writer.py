"""WARC writing: request/response pairs, one gzip member per record, rotation, digests, repair of killed files."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.items import PageCapture
from pipelines.warc_writer import RotatingWarcWriter, payload_digest, recover_open_warcs
from tests.crawler.captures import make_capture

PAGE = "<html><head><meta charset='gbk'></head><body><p>全市优化营商环境推进会召开</p></body></html>".encode(
    "gbk"
)


def _capture(number: int, body: bytes = PAGE) -> PageCapture:
    return make_capture(
        number,
        request_headers=[("User-Agent", "govcorpus-bot/0.1"), ("Accept-Encoding", "gzip")],
        response_headers=[
            ("Content-Type", "text/html"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", "99"),
            ("ETag", '"e1"'),
        ],
        ip_address="127.0.0.1",
        body=body,
    )


def _writer(directory: Path, max_bytes: int = 1 << 20) -> RotatingWarcWriter:
    return RotatingWarcWriter(directory, "example-20240424T083000Z", max_bytes, {"software": "test"})


def test_payload_digest_is_warc_sha1_base32() -> None:
    assert payload_digest(b"") == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


def test_exchange_records_and_offsets(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    name, offset, length, record_id = writer.write_exchange(_capture(1), {"WARC-Govcorpus-Site": "example"})
    assert (tmp_path / (name + ".open")).exists() and not (tmp_path / name).exists()
    writer.close()
    data = (tmp_path / name).read_bytes()
    member = data[offset : offset + length]
    gzip.decompress(member)  # one complete gzip member
    response = next(iter(ArchiveIterator(io.BytesIO(member))))
    assert response.rec_type == "response"
    assert response.rec_headers.get_header("WARC-Record-ID") == record_id
    assert response.rec_headers.get_header("WARC-Date") == "2024-04-24T08:30:15Z"
    assert response.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response.rec_headers.get_header("WARC-Govcorpus-Site") == "example"
    assert response.rec_headers.get_header("WARC-Payload-Digest") == payload_digest(PAGE)
    assert response.rec_headers.get_header("WARC-Block-Digest")
    # The stored payload is decoded: no Content-Encoding, a true Content-Length.
    assert response.http_headers.get_header("Content-Encoding") is None
    assert response.http_headers.get_header("Content-Length") == str(len(PAGE))
    assert response.http_headers.get_header("ETag") == '"e1"'
    assert response.content_stream().read() == PAGE
    types = [
        (r.rec_type, r.rec_headers.get_header("WARC-Concurrent-To"))
        for r in ArchiveIterator(io.BytesIO(data))
    ]
    assert types == [("warcinfo", None), ("response", None), ("request", record_id)]
    request = list(ArchiveIterator(io.BytesIO(data)))[-1]
    assert request.http_headers.protocol == "GET" and request.http_headers.statusline.startswith("/xwdt/")
    assert request.http_headers.get_header("Host") == "www.example.gov.cn"


def test_rotation_at_the_size_limit(tmp_path: Path) -> None:
    writer = _writer(tmp_path, max_bytes=1500)
    names = [writer.write_exchange(_capture(n), {})[0] for n in range(6)]
    writer.close()
    assert len(set(names)) >= 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(names))
    assert names[0].endswith("-00000.warc.gz")
    total = 0
    for path in tmp_path.iterdir():
        records = list(ArchiveIterator(path.open("rb")))
        assert records[0].rec_type == "warcinfo"
        total += sum(1 for r in records if r.rec_type == "response")
    assert total == 6
    # A new writer for the same prefix continues the numbering (a resumed crawl).
    again = _writer(tmp_path)
    assert again.write_exchange(_capture(9), {})[0].endswith(f"-{len(set(names)):05d}.warc.gz")
    again.close()


def test_a_killed_crawls_open_file_is_repaired(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    name, *_ = writer.write_exchange(_capture(1), {})
    writer.write_exchange(_capture(2), {})
    assert writer._handle is not None
    writer._handle.close()  # killed: never renamed
    open_file = tmp_path / (name + ".open")
    size = open_file.stat().st_size
    with open_file.open("r+b") as handle:
        handle.truncate(size - 20)  # the last record is cut short
    repaired = recover_open_warcs(tmp_path)
    assert repaired == [tmp_path / name]
    records = list(ArchiveIterator((tmp_path / name).open("rb")))
    assert [r.rec_type for r in records] == ["warcinfo", "response", "request", "response"]
    empty = tmp_path / "other-00000.warc.gz.open"
    empty.write_bytes(b"\x1f\x8b\x08")
    assert recover_open_warcs(tmp_path) == [] and not empty.exists()

"""Input files to raw pages: WARC, JSONL(.gz), Parquet, and directories of .html/.htm/.txt files.

Each input file is one unit of work (the manifest records units as done). A file that cannot be
read at all raises `InputError` (reported with its path, the run goes on); a file that breaks
half-way (a truncated .warc.gz) yields what it could read and then raises. Problems with a single
document (a JSONL line that is not JSON, a row without a URL) become pages carrying a `problem`,
which the runner turns into rejected rows.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
TEXT_SUFFIXES = (".txt",)
WARC_SUFFIXES = (".warc", ".warc.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
PARQUET_SUFFIXES = (".parquet",)

# WARC headers the crawler adds to response records.
WARC_SITE = "WARC-Govcorpus-Site"
WARC_CRAWL_ID = "WARC-Govcorpus-Crawl-Id"
WARC_CATEGORY = "WARC-Govcorpus-Category"
WARC_SITE_LEVEL = "WARC-Govcorpus-Site-Level"
CAPTURE_INDEX_COLUMNS = frozenset({"warc_file", "offset", "url"})

_CANONICAL_RE = re.compile(
    rb"""<link[^>]+rel\s*=\s*["']?canonical["']?[^>]*href\s*=\s*["']([^"']+)["']"""
    rb"""|<link[^>]+href\s*=\s*["']([^"']+)["'][^>]*rel\s*=\s*["']?canonical""",
    re.IGNORECASE,
)
_OG_URL_RE = re.compile(
    rb"""<meta[^>]+property\s*=\s*["']og:url["'][^>]*content\s*=\s*["']([^"']+)["']""", re.IGNORECASE
)


class InputError(Exception):
    """An input file that could not be read (or not to the end)."""

    def __init__(self, path: Path | str, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path = str(path)
        self.why = why


@dataclass(slots=True)
class RawPage:
    url: str
    source_path: str
    html: bytes | str | None = None
    text: str | None = None
    content_type: str | None = None
    fetched_at: dt.datetime | None = None
    site: str | None = None
    crawl_id: str | None = None
    site_category: str | None = None
    site_level: str | None = None
    title: str | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class InputUnit:
    """One input file and the key the manifest knows it by (path, size, modification time)."""

    path: Path
    kind: str
    root: Path

    @property
    def key(self) -> str:
        stat = self.path.stat()
        return f"{self.path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"

    def pages(self) -> Iterator[RawPage]:
        return _READERS[self.kind](self)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment; path and query kept."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def document_id(url: str) -> str:
    return hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()[:16]


def url_domain(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (
        ("warc", WARC_SUFFIXES),
        ("jsonl", JSONL_SUFFIXES),
        ("parquet", PARQUET_SUFFIXES),
        ("html", HTML_SUFFIXES),
        ("txt", TEXT_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def discover_inputs(paths: Iterable[str | Path]) -> list[InputUnit]:
    """Input units for the given files and directories (walked recursively, sorted).

    A path that does not exist raises FileNotFoundError; files of unknown kinds inside
    directories are ignored, a named file of unknown kind raises InputError.
    """
    units: list[InputUnit] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"input path does not exist: {path}")
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for filename in sorted(filenames):
                    child = Path(dirpath) / filename
                    kind = _kind(child)
                    if kind is not None and not filename.startswith("."):
                        units.append(InputUnit(child, kind, path))
        else:
            kind = _kind(path)
            if kind is None:
                raise InputError(
                    path, "unknown input kind (expected .warc[.gz], .jsonl[.gz], .parquet, .html, .txt)"
                )
            units.append(InputUnit(path, kind, path.parent))
    return units


def _local_url(unit: InputUnit) -> str:
    relative = unit.path.resolve().relative_to(unit.root.resolve().parent).as_posix()
    return f"file:///{relative}"


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


def _embedded_url(head: bytes) -> str | None:
    match = _CANONICAL_RE.search(head) or _OG_URL_RE.search(head)
    if not match:
        return None
    url = next(g for g in match.groups() if g).decode("utf-8", errors="ignore").strip()
    return url if url.startswith(("http://", "https://")) else None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(path, f"cannot read: {error.strerror or error}") from None


def _read_html_file(unit: InputUnit) -> Iterator[RawPage]:
    body = _read_bytes(unit.path)
    url = _embedded_url(body[:65536]) or _local_url(unit)
    yield RawPage(url=url, source_path=str(unit.path), html=body, fetched_at=_mtime(unit.path))


def _read_text_file(unit: InputUnit) -> Iterator[RawPage]:
    body = _read_bytes(unit.path)
    page = RawPage(url=_local_url(unit), source_path=str(unit.path), fetched_at=_mtime(unit.path))
    if b"\x00" in body[:8192]:
        page.problem = "read_binary"
    else:
        page.text = body.decode("utf-8", errors="replace")
    yield page


def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def _page_from_record(record: dict[str, Any], source: str, where: str) -> RawPage:
    url = record.get("url")
    if not isinstance(url, str) or not url.strip():
        return RawPage(url=f"{source}#{where}", source_path=source, problem="read_missing_url")
    page = RawPage(
        url=url.strip(),
        source_path=source,
        fetched_at=_parse_time(record.get("fetched_at")),
        site=record.get("site") if isinstance(record.get("site"), str) else None,
        crawl_id=record.get("crawl_id") if isinstance(record.get("crawl_id"), str) else None,
        site_category=record.get("site_category") if isinstance(record.get("site_category"), str) else None,
        title=record.get("title") if isinstance(record.get("title"), str) else None,
        content_type=record.get("content_type") if isinstance(record.get("content_type"), str) else None,
    )
    html, text = record.get("html"), record.get("text")
    if isinstance(html, str | bytes) and html:
        page.html = html
    elif isinstance(text, str):
        page.text = text
    else:
        page.problem = "read_no_content"
    return page


def _read_jsonl(unit: InputUnit) -> Iterator[RawPage]:
    source = str(unit.path)
    opener = gzip.open if unit.path.name.lower().endswith(".gz") else open
    try:
        with opener(unit.path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    yield RawPage(
                        url=f"{source}#line{number}", source_path=source, problem="read_invalid_json"
                    )
                    continue
                if not isinstance(record, dict):
                    yield RawPage(
                        url=f"{source}#line{number}", source_path=source, problem="read_not_an_object"
                    )
                    continue
                yield _page_from_record(record, source, f"line{number}")
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(unit.path, f"cannot read (truncated or corrupt?): {error}") from None


def _read_parquet(unit: InputUnit) -> Iterator[RawPage]:
    source = str(unit.path)
    try:
        parquet = pq.ParquetFile(unit.path)
        names = set(parquet.schema_arrow.names)
        if names >= CAPTURE_INDEX_COLUMNS and not names & {"html", "text"}:
            return  # the crawler's capture index describes WARC files that are read themselves
        if "url" not in names or not names & {"html", "text"}:
            raise InputError(unit.path, "Parquet input needs a 'url' column and an 'html' or 'text' column")
        wanted = [
            n
            for n in ("url", "html", "text", "fetched_at", "site", "crawl_id", "site_category", "title")
            if n in names
        ]
        row_number = 0
        for batch in parquet.iter_batches(batch_size=1000, columns=wanted):
            for record in batch.to_pylist():
                row_number += 1
                yield _page_from_record(record, source, f"row{row_number}")
    except (pa.ArrowException, OSError) as error:
        raise InputError(unit.path, f"corrupt or unreadable Parquet: {error}") from None


def _read_warc(unit: InputUnit) -> Iterator[RawPage]:
    source = str(unit.path)
    try:
        with unit.path.open("rb") as handle:
            for record in ArchiveIterator(handle, arc2warc=True):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                status = record.http_headers.get_statuscode()
                content_type = record.http_headers.get_header("Content-Type")
                if status != "200" or (
                    content_type and "html" not in content_type.lower() and "text" not in content_type.lower()
                ):
                    continue
                headers = record.rec_headers
                body = record.content_stream().read()
                if getattr(record.raw_stream, "limit", 0) > 0:
                    # warcio stops quietly at the end of a cut-off gzip member: the record came short.
                    raise InputError(
                        unit.path,
                        f"WARC record for {headers.get_header('WARC-Target-URI')} is truncated or corrupt",
                    )
                yield RawPage(
                    url=headers.get_header("WARC-Target-URI")
                    or f"{source}#{headers.get_header('WARC-Record-ID')}",
                    source_path=source,
                    html=body,
                    content_type=content_type,
                    fetched_at=_parse_time(headers.get_header("WARC-Date")),
                    site=headers.get_header(WARC_SITE),
                    crawl_id=headers.get_header(WARC_CRAWL_ID),
                    site_category=headers.get_header(WARC_CATEGORY),
                    site_level=headers.get_header(WARC_SITE_LEVEL),
                )
    except (ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError) as error:
        raise InputError(
            unit.path, f"WARC unreadable from here on (truncated or corrupt?): {error}"
        ) from None


_READERS = {
    "html": _read_html_file,
    "txt": _read_text_file,
    "jsonl": _read_jsonl,
    "parquet": _read_parquet,
    "warc": _read_warc,
}


def read_inputs(paths: Iterable[str | Path]) -> Iterator[RawPage]:
    """Every page of every input, skipping unreadable files (for tools that need no accounting)."""
    for unit in discover_inputs(paths):
        try:
            yield from unit.pages()
        except InputError:
            continue

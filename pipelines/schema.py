"""The one Parquet schema of the corpus, used by the writer, the reader and the tests.

Kept documents go to `clean/` with `KEPT_SCHEMA`; rejected ones to `rejected/` with
`REJECTED_SCHEMA` (the same columns plus `drop_stage` and `drop_reason`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from filters.base import Document, RemovedSpan

REMOVED_TYPE = pa.struct(
    [
        pa.field("stage", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("n_chars", pa.int32()),
        pa.field("snippet", pa.string()),
    ]
)

TIMESTAMP = pa.timestamp("us", tz="UTC")


def _entries(value_type: pa.DataType) -> pa.DataType:
    """A map stored as a list of key/value structs: Parquet MAP columns are unreadable to HF datasets,
    this layout is read by every tool, and DuckDB's `map_from_entries(signals)` makes it a MAP."""
    return pa.list_(pa.struct([pa.field("key", pa.string()), pa.field("value", value_type)]))


# (name, type, meaning) - the README's schema table is generated from this list.
COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("id", pa.string(), "stable id: first 16 hex digits of SHA-1 of the canonical URL"),
    ("url", pa.string(), "URL the page was fetched from (or the input file path for local files)"),
    ("domain", pa.string(), "host name of the URL"),
    ("site", pa.string(), "configured site key (crawler/sites.yaml), or null"),
    ("site_category", pa.string(), "gov, party, cppcc, united_front or media (from the site list)"),
    ("crawl_id", pa.string(), "which scheduled crawl captured it, or null"),
    ("fetched_at", TIMESTAMP, "when it was fetched (UTC)"),
    ("title", pa.string(), "page title"),
    ("published_at", TIMESTAMP, "publication time found on the page (UTC; naive China times are +08:00)"),
    ("source_name", pa.string(), "来源: the publishing body named on the page"),
    ("author", pa.string(), "作者/编辑 named on the page"),
    ("text", pa.string(), "clean text, paragraphs separated by \\n"),
    ("text_hans", pa.string(), "text converted to simplified script (when enabled)"),
    ("lang", pa.string(), "language code of the text"),
    ("lang_score", pa.float32(), "confidence of the language decision, 0..1"),
    ("script", pa.string(), "Hans, Hant or mixed (null for non-Han text)"),
    ("n_chars", pa.int32(), "characters in text"),
    ("n_han", pa.int32(), "Han characters in text"),
    ("removed", pa.list_(REMOVED_TYPE), "every span a stage removed: stage, reason, n_chars, snippet"),
    ("signals", _entries(pa.float64()), "numeric quality signals: list of {key, value}"),
    (
        "tags",
        _entries(pa.string()),
        "categorical findings (detector, editor, keywords, ...): list of {key, value}",
    ),
    ("dup_cluster", pa.string(), "near-duplicate cluster id"),
    ("dup_urls", pa.list_(pa.string()), "URLs of the copies that were dropped in favour of this one"),
    ("content_hash", pa.string(), "exact-duplicate key: xxh3-128 of the normalised text"),
    ("pipeline_version", pa.string(), "version of the code that made the row"),
    ("run_id", pa.string(), "the clean run that wrote the row"),
    ("source_path", pa.string(), "input file the page was read from (WARC, JSONL, ...)"),
]

REJECTED_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("drop_stage", pa.string(), "stage that rejected the document (or reader/extract)"),
    ("drop_reason", pa.string(), "stage-prefixed reason"),
]

KEPT_SCHEMA = pa.schema([pa.field(name, dtype) for name, dtype, _ in COLUMNS])
REJECTED_SCHEMA = pa.schema([pa.field(name, dtype) for name, dtype, _ in COLUMNS + REJECTED_COLUMNS])


def _timestamp(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def document_to_row(doc: Document, *, run_id: str, pipeline_version: str, rejected: bool) -> dict[str, Any]:
    from filters.textstats import count_han

    row: dict[str, Any] = {
        "id": doc.id,
        "url": doc.url,
        "domain": doc.domain,
        "site": doc.site,
        "site_category": doc.site_category,
        "crawl_id": doc.crawl_id,
        "fetched_at": _timestamp(doc.fetched_at),
        "title": doc.title,
        "published_at": _timestamp(doc.published_at),
        "source_name": doc.source_name,
        "author": doc.author,
        "text": doc.text,
        "text_hans": doc.text_hans,
        "lang": doc.lang,
        "lang_score": doc.lang_score,
        "script": doc.script,
        "n_chars": len(doc.text),
        "n_han": count_han(doc.text),
        "removed": [
            {"stage": s.stage, "reason": s.reason, "n_chars": s.n_chars, "snippet": s.snippet}
            for s in doc.removed
        ],
        "signals": [{"key": key, "value": value} for key, value in sorted(doc.signals.items())],
        "tags": [{"key": key, "value": value} for key, value in sorted(doc.tags.items())],
        "dup_cluster": doc.dup_cluster,
        "dup_urls": list(doc.dup_urls),
        "content_hash": doc.content_hash,
        "pipeline_version": pipeline_version,
        "run_id": run_id,
        "source_path": doc.source_path,
    }
    if rejected:
        row["drop_stage"] = doc.drop_stage
        row["drop_reason"] = doc.drop_reason
    return row


def entries_to_dict(entries: Any) -> dict[str, Any]:
    """A `signals`/`tags` cell (list of {key, value}) as a dict."""
    return {entry["key"]: entry["value"] for entry in entries or []}


def row_to_document(row: dict[str, Any]) -> Document:
    """Rebuild a `Document` from a row read back from Parquet (any of the two schemas)."""
    return Document(
        id=row["id"],
        url=row["url"],
        text=row.get("text") or "",
        domain=row.get("domain"),
        site=row.get("site"),
        site_category=row.get("site_category"),
        source_path=row.get("source_path"),
        crawl_id=row.get("crawl_id"),
        fetched_at=row.get("fetched_at"),
        title=row.get("title"),
        published_at=row.get("published_at"),
        source_name=row.get("source_name"),
        author=row.get("author"),
        lang=row.get("lang"),
        lang_score=row.get("lang_score"),
        script=row.get("script"),
        text_hans=row.get("text_hans"),
        removed=[RemovedSpan(**span) for span in row.get("removed") or []],
        signals=entries_to_dict(row.get("signals")),
        tags=entries_to_dict(row.get("tags")),
        dup_cluster=row.get("dup_cluster"),
        dup_urls=list(row.get("dup_urls") or []),
        content_hash=row.get("content_hash"),
        drop_stage=row.get("drop_stage"),
        drop_reason=row.get("drop_reason"),
    )


def rows_to_table(rows: list[dict[str, Any]], *, rejected: bool) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=REJECTED_SCHEMA if rejected else KEPT_SCHEMA)

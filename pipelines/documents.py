"""A raw page to a `Document` ready for the text stages: decode, HTML stages, extract.

Problems with one page (binary bytes, an empty or oversized page, nothing extractable) make a
rejected document with a `read_*` or `extract_*` reason; they never raise.
"""

from __future__ import annotations

from collections.abc import Callable

from filters.base import Document
from pipelines.config import ExtractConfig
from pipelines.decode import decode_html
from pipelines.extract import extract, normalize_lines
from pipelines.readers import RawPage, document_id, url_domain

_BINARY_SNIFF = 8192
_SITE_READ = "read"
_SITE_EXTRACT = "extract"


def looks_binary(body: bytes) -> bool:
    """NUL bytes or mostly control bytes at the start: an image, PDF or archive named .html."""
    head = body[:_BINARY_SNIFF]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    control = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    return control / len(head) > 0.1


def new_document(page: RawPage) -> Document:
    return Document(
        id=document_id(page.url),
        url=page.url,
        text="",
        domain=url_domain(page.url),
        site=page.site,
        crawl_id=page.crawl_id,
        fetched_at=page.fetched_at,
        title=page.title,
        site_category=page.site_category,
        source_path=page.source_path,
    )


def reject(doc: Document, stage: str, reason: str) -> Document:
    doc.drop_stage = stage
    doc.drop_reason = reason
    doc.html = None
    return doc


def prepare_document(
    page: RawPage,
    config: ExtractConfig,
    run_html_stages: Callable[[Document], None],
) -> Document:
    """The page as a document with `text` set, or a rejected document saying why not."""
    doc = new_document(page)
    if page.site_level:
        doc.tags["site_level"] = page.site_level
    if page.problem:
        return reject(doc, _SITE_READ, page.problem)
    if page.html is None:
        doc.text = normalize_lines(page.text or "")
        if not doc.text:
            return reject(doc, _SITE_READ, "read_empty")
        return doc

    body = page.html.encode("utf-8") if isinstance(page.html, str) else page.html
    if not body.strip():
        return reject(doc, _SITE_EXTRACT, "extract_empty")
    if len(body) > config.max_page_bytes:
        doc.signals["page_bytes"] = float(len(body))
        return reject(doc, _SITE_EXTRACT, "extract_too_large")
    if looks_binary(body):
        return reject(doc, _SITE_EXTRACT, "extract_binary")

    decoded = decode_html(body, page.content_type)
    doc.tags["encoding"] = decoded.encoding
    if decoded.declared:
        doc.tags["declared_charset"] = decoded.declared
    doc.signals["decode_replaced_chars"] = float(decoded.replaced_chars)
    doc.html = decoded.text

    run_html_stages(doc)
    if doc.dropped:
        doc.html = None
        return doc

    extracted = extract(doc.html or "", page.url if page.url.startswith("http") else None, config)
    doc.html = None
    doc.text = extracted.text
    doc.title = doc.title or extracted.title
    doc.published_at = extracted.published_at
    doc.source_name = extracted.source_name
    doc.author = extracted.author
    doc.signals["extract_visible_chars"] = float(extracted.visible_chars)
    doc.signals["extract_fallback"] = float(extracted.used_fallback)
    if not doc.text:
        return reject(doc, _SITE_EXTRACT, "extract_no_text")
    return doc

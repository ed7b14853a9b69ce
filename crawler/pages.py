"""Page shape: JavaScript challenge pages, and article pages told from listings by their text.

Challenge pages. Anti-bot products common on Chinese government sites answer a first visit with a
script that computes a cookie and reloads: Ruishu (瑞数) with HTTP 412 or 202, Jiasule (加速乐)
and Aliyun WAF with 521 or 200. They carry almost no visible text and must not be stored as
content. They are recognised by the status code and by shape (a script, a cookie or location
write, next to no visible text), not by vendor strings alone, so new variants are caught too.

Article shape. A page whose URL matches no known pattern is an article when it has a block of
running text (Han characters in paragraphs, not in links) and the CMS article metadata many gov
templates emit (`<meta name="ArticleTitle">`, `PubDate`, `ContentSource`) or a low link share.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import html as lxml_html
from lxml.etree import ParserError

from filters.textstats import count_han

CHALLENGE_STATUSES = frozenset({202, 412, 521})

_SCRIPT_RE = re.compile(rb"<script\b", re.IGNORECASE)
_CHALLENGE_ACTION_RE = re.compile(
    rb"document\.cookie|location\.(?:href|replace|reload)|window\.location|\$_ts|__jsl_clearance|acw_sc__v2",
    re.IGNORECASE,
)
_TAG_RE = re.compile(rb"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_ARTICLE_META = ("articletitle", "pubdate", "contentsource", "article:published_time")

CHALLENGE_MAX_BYTES = 64 * 1024
CHALLENGE_MAX_VISIBLE = 40


def visible_byte_count(body: bytes) -> int:
    """Bytes of text outside tags, scripts and styles (whitespace ignored); cheap, no parsing."""
    return len(re.sub(rb"\s+|&nbsp;", b"", _TAG_RE.sub(b"", body)))


def is_js_challenge(status: int, body: bytes) -> bool:
    """A script-only page that sets a cookie or reloads itself, instead of the content asked for."""
    if len(body) > CHALLENGE_MAX_BYTES or not _SCRIPT_RE.search(body):
        return False
    if visible_byte_count(body) > CHALLENGE_MAX_VISIBLE * 3:  # ~40 Han characters in UTF-8
        return False
    return status in CHALLENGE_STATUSES or bool(_CHALLENGE_ACTION_RE.search(body))


def looks_like_article(
    text: str,
    content_selectors: Sequence[str] = (),
    *,
    min_han: int = 150,
    max_link_share: float = 0.5,
) -> bool:
    """Running text in paragraphs and little of it in links; metadata or a site selector lowers the bar."""
    try:
        tree = lxml_html.fromstring(text)
    except (ParserError, ValueError):
        return False
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for selector in content_selectors:
        blocks = tree.cssselect(selector)
        if blocks and sum(count_han(block.text_content()) for block in blocks) >= min_han // 2:
            return True
    meta_names = {
        (meta.get("name") or meta.get("property") or "").lower()
        for meta in tree.xpath("//meta[@name or @property]")
    }
    has_meta = any(name in meta_names for name in _ARTICLE_META)
    paragraph_han = sum(
        count_han("".join(p.xpath(".//text()[not(ancestor::a)]")))
        for p in tree.xpath("//p|//td[not(.//td) and not(.//p)]")
    )
    link_han = sum(count_han(a.text_content()) for a in tree.xpath("//a"))
    total_han = count_han(tree.text_content())
    if total_han == 0:
        return False
    link_share = link_han / total_han
    if has_meta and paragraph_han >= min_han // 2:
        return True
    return paragraph_han >= min_han and link_share <= max_link_share

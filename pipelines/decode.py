"""Bytes of a web page to text, choosing the encoding that decodes best.

Chinese government pages lie about their encoding: `<meta charset=gb2312>` on UTF-8 pages, GBK
characters outside GB2312, a few bad bytes in an otherwise good page, no declaration at all. So a
declaration is a candidate, not an order. Candidates are tried in order of evidence (BOM, HTTP
header, `<meta>`, UTF-8, GB18030, Big5-HKSCS, charset-normalizer's guess) and scored by undecodable
bytes and by how plausible the decoded Han characters are (share of common characters). Nothing is
ever rejected for failing strict decoding: undecodable bytes become U+FFFD and are counted.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

from filters.textstats import HAN_RE

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.IGNORECASE)
_XML_ENCODING_RE = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-]+)""", re.IGNORECASE)

# Legacy Chinese encodings are decoded with their supersets: every GB2312/GBK page is valid GB18030,
# and Big5-HKSCS reads the Big5 extensions Hong Kong and Taiwan sites use.
_SUPERSET = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}

_SNIFF_BYTES = 4096


def _common_han() -> frozenset[str]:
    """The most frequent Han characters: GB2312 level 1 (3,755 simplified) and Big5 level 1 (5,401)."""
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            chars.update(bytes((lead, trail)).decode("gb2312", errors="ignore"))
    for lead in range(0xA4, 0xC7):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            chars.update(bytes((lead, trail)).decode("big5", errors="ignore"))
    return frozenset(c for c in chars if HAN_RE.match(c))


COMMON_HAN = _common_han()


@dataclass(frozen=True, slots=True)
class DecodedHtml:
    text: str
    encoding: str
    declared: str | None
    replaced_chars: int


def normalize_encoding(name: str | None) -> str | None:
    """A Python codec name for a declared charset, widened to its superset; None if unknown."""
    if not name:
        return None
    lowered = name.strip().lower().replace("_", "-")
    lowered = _SUPERSET.get(lowered, lowered)
    try:
        canonical = codecs.lookup(lowered).name
    except LookupError:
        return None
    return _SUPERSET.get(canonical, canonical)


def declared_charset(body: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """(header charset, meta/xml charset) as declared, unnormalised."""
    header = None
    if content_type:
        match = _HEADER_CHARSET_RE.search(content_type)
        header = match.group(1) if match else None
    head = body[:_SNIFF_BYTES]
    match = _META_CHARSET_RE.search(head) or _XML_ENCODING_RE.search(head)
    meta = match.group(1).decode("ascii", errors="ignore") if match else None
    return header, meta


def _bom_encoding(body: bytes) -> str | None:
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return name
    return None


def _score(text: str) -> tuple[int, float]:
    """(replacement characters, share of Han characters that are uncommon); lower is better."""
    replaced = text.count("\ufffd")
    han = HAN_RE.findall(text)
    if not han:
        return replaced, 0.0
    uncommon = sum(1 for c in han if c not in COMMON_HAN)
    return replaced, uncommon / len(han)


def decode_html(body: bytes, content_type: str | None = None) -> DecodedHtml:
    """Decode page bytes; never raises for bad bytes."""
    header, meta = declared_charset(body, content_type)
    declared = header or meta
    bom = _bom_encoding(body)
    if bom:
        text = body.decode(bom, errors="replace")
        return DecodedHtml(text, bom, declared, text.count("\ufffd"))

    # Valid UTF-8 with non-ASCII bytes is almost never anything else, whatever the page declares.
    try:
        text = body.decode("utf-8")
        return DecodedHtml(text, "utf-8", declared, 0)
    except UnicodeDecodeError:
        pass

    candidates: list[str] = []
    for name in (header, meta):
        normalized = normalize_encoding(name)
        if normalized and normalized not in candidates:
            candidates.append(normalized)
    for fallback in ("utf-8", "gb18030", "big5hkscs"):
        if fallback not in candidates:
            candidates.append(fallback)
    guess = charset_normalizer.from_bytes(body[:65536]).best()
    guessed = normalize_encoding(guess.encoding) if guess else None
    if guessed and guessed not in candidates:
        candidates.append(guessed)

    best: tuple[tuple[float, float], int, str, str] | None = None
    for order, encoding in enumerate(candidates):
        text = body.decode(encoding, errors="replace")
        replaced, uncommon = _score(text)
        # A replacement char per ~1,000 bytes weighs as much as 10% uncommon Han: a page in its true
        # encoding has few of either, a wrong legacy encoding shows as a wall of rare characters.
        replaced_rate = replaced * 100 / max(len(body), 1)
        key = (replaced_rate + uncommon, float(order) * 1e-6)
        if best is None or key < best[0]:
            best = (key, replaced, encoding, text)
    assert best is not None
    _, replaced, encoding, text = best
    return DecodedHtml(text, encoding, declared, replaced)

"""HTML to main-content text and metadata (trafilatura, plus the Chinese metadata it misses).

trafilatura finds the article and drops most navigation; the page's own 来源/作者/编辑 lines and
Chinese dates (`2018年07月19日 11:22`) are then read from the page text where trafilatura found
nothing. When trafilatura returns (almost) nothing, all visible text of the page is used instead, so
that later stages, not the extractor, decide what is debris and say why.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import lxml.etree
import lxml.html
import trafilatura

from filters.textstats import WHITESPACE_RE, count_han
from pipelines.config import ExtractConfig

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[年\-/.]\s*(?P<m>\d{1,2})\s*[月\-/.]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?)?"
)
_SOURCE_RE = re.compile(r"(?:来源|來源|稿源|出处|出處)\s*[:：]\s*(?P<v>[^\s|丨｜/()（）]{2,30})")
_AUTHOR_RE = re.compile(r"(?:作者|撰稿|记者|記者)\s*[:：]\s*(?P<v>[^\s|丨｜/()（）]{2,20})")
_EDITOR_RE = re.compile(r"(?:责任编辑|責任編輯|编辑|編輯)\s*[:：]\s*(?P<v>[^\s|丨｜/()（）]{2,20})")
_DATE_LABEL_RE = re.compile(r"发布|發布|时间|時間|日期|来源|來源|作者|编辑|編輯|稿源|浏览|瀏覽")
_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
    "header", "footer", "ul", "ol", "dd", "dt", "blockquote", "pre", "td", "th", "title", "form", "nav",
}  # fmt: skip
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")


@dataclass(slots=True)
class Extracted:
    text: str
    title: str | None = None
    published_at: dt.datetime | None = None
    source_name: str | None = None
    author: str | None = None
    used_fallback: bool = False
    visible_chars: int = 0


def normalize_lines(text: str) -> str:
    """Paragraphs as single `\\n`-separated lines: each line stripped, empty lines dropped."""
    return "\n".join(
        line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()
    )


def parse_chinese_date(text: str) -> dt.datetime | None:
    """The first plausible `YYYY年MM月DD日 HH:MM` (or `-`, `/`, `.` separated) date, in China time."""
    for match in _DATE_RE.finditer(text):
        try:
            return dt.datetime(
                int(match["y"]),
                int(match["m"]),
                int(match["d"]),
                int(match["H"] or 0),
                int(match["M"] or 0),
                int(match["S"] or 0),
                tzinfo=CHINA_TZ,
            )
        except ValueError:
            continue
    return None


def _parse_iso_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return parse_chinese_date(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA_TZ)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match["v"] if match else None


def visible_text(html: str) -> str:
    """All text a reader would see, one line per block element; never raises."""
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    for element in root.iter(*_INVISIBLE_TAGS):
        element.drop_tree() if element.getparent() is not None else element.clear()
    pieces: list[str] = []
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                pieces.append("\n")
            if element.text and tag not in _INVISIBLE_TAGS:
                pieces.append(element.text)
        else:
            if tag in _BLOCK_TAGS:
                pieces.append("\n")
            if element.tail:
                pieces.append(element.tail)
    return normalize_lines("".join(pieces))


def metadata_from_text(text: str) -> tuple[dt.datetime | None, str | None, str | None]:
    """(published_at, source_name, author) read from the page's own header lines.

    The date is taken from a line that labels itself (发布时间, 来源, 日期 ...) or, failing that, from
    a short line holding little but a date; a date inside prose or a calendar widget is not one.
    """
    date = None
    for line in text[:6000].split("\n"):
        if _DATE_LABEL_RE.search(line) or count_han(_DATE_RE.sub("", line)) <= 6:
            date = parse_chinese_date(line)
            if date is not None:
                break
    return date, _first(_SOURCE_RE, text), _first(_AUTHOR_RE, text) or _first(_EDITOR_RE, text)


def _is_layout_table(table: lxml.html.HtmlElement) -> bool:
    """Tables used for page layout hold blocks or one long cell per row; data tables hold short cells."""
    if (
        table.find(".//p") is not None
        or table.find(".//div") is not None
        or table.find(".//table") is not None
    ):
        return True
    rows = table.findall(".//tr")
    if rows and all(len(row.findall("td")) + len(row.findall("th")) <= 1 for row in rows):
        return True
    # A menu laid out as a table: nearly all of its text is link text.
    text = _squash(table.text_content())
    links = sum(len(_squash(link.text_content())) for link in table.iter("a"))
    return bool(text) and links >= 0.8 * len(text)


def unwrap_layout_tables(root: lxml.html.HtmlElement) -> None:
    """Turn layout tables into plain blocks so the extractor sees paragraphs, not table rows."""
    for table in list(root.iter("table")):
        if _is_layout_table(table):
            for element in table.iter("table", "tbody", "thead", "tfoot", "tr", "td", "th"):
                element.tag = "div"


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_TEXT_BLOCKS = ("p", "li", "td", "th", "pre", "blockquote", "dd", *_HEADINGS)


def _squash(text: str) -> str:
    return WHITESPACE_RE.sub("", text)


@dataclass(frozen=True, slots=True)
class TextBlock:
    tag: str
    key: str  # the text without whitespace, to compare with extracted lines
    text: str


def text_blocks(root: lxml.html.HtmlElement) -> list[TextBlock]:
    """The page's text blocks (paragraphs, list items, cells, headings) in document order."""
    blocks = []
    for element in root.iter(*_TEXT_BLOCKS):
        text = " ".join(element.text_content().split())
        if text:
            blocks.append(TextBlock(element.tag, _squash(text), text))
    return blocks


def restore_headings(text: str, blocks: list[TextBlock]) -> str:
    """Put back section headings the extractor dropped from inside the article.

    trafilatura leaves out `<h3>`/`<h4>` section headings of some CMS templates. A heading whose
    nearest text blocks before and after it were both extracted sits inside the article, so it is
    put back as its own line before the block that follows it.
    """
    lines = text.split("\n")
    squashed = [_squash(line) for line in lines]
    extracted = set(squashed)
    for position, block in enumerate(blocks):
        if block.tag not in _HEADINGS or block.key in extracted:
            continue
        before = next((b.key for b in reversed(blocks[:position]) if b.tag not in _HEADINGS), None)
        after = next((b.key for b in blocks[position + 1 :] if b.tag not in _HEADINGS), None)
        if before in extracted and after in extracted:
            where = squashed.index(after)
            lines.insert(where, block.text)
            squashed.insert(where, block.key)
            extracted.add(block.key)
    return "\n".join(lines)


_MIN_TITLE_HAN = 6


def headline_before(text: str, blocks: list[TextBlock]) -> str | None:
    """The nearest heading above the article's first line: the headline, when `<title>` holds only
    a column or site name (`同心`, `市台办`)."""
    first = _squash(text.split("\n", 1)[0]) if text else ""
    position = next((i for i, b in enumerate(blocks) if b.key == first), None)
    if position is None:
        return None
    for block in reversed(blocks[:position]):
        if block.tag in ("h1", "h2", "h3") and count_han(block.text) >= _MIN_TITLE_HAN:
            return block.text
    return None


def _parse_tree(html: str) -> lxml.html.HtmlElement | None:
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    unwrap_layout_tables(root)
    return root


def extract(html: str, url: str | None, config: ExtractConfig) -> Extracted:
    """Main text and metadata of a page. Never raises for malformed HTML."""
    page_text = visible_text(html)
    tree = _parse_tree(html)
    blocks = text_blocks(tree) if tree is not None else []
    try:
        result = trafilatura.bare_extraction(
            tree if tree is not None else html,
            url=url,
            with_metadata=True,
            include_comments=config.include_comments,
            include_tables=config.include_tables,
            favor_precision=config.favor_precision,
            deduplicate=False,
        )
    except Exception:  # trafilatura raises assorted errors on hostile markup; fall back to visible text
        result = None
    text = normalize_lines(result.text or "") if result is not None else ""
    if text:
        text = restore_headings(text, blocks)
    extracted = Extracted(text=text, visible_chars=len(page_text))
    if result is not None:
        extracted.title = (result.title or "").strip() or None
        extracted.published_at = _parse_iso_date(result.date)
        extracted.author = (result.author or "").strip() or None
    if len(text) < config.min_extracted_chars and len(page_text) > len(text):
        extracted.text = page_text
        extracted.used_fallback = True

    date, source, author = metadata_from_text(page_text)
    if date is not None:
        # The page's own labelled date beats trafilatura's, which is often a guess without a time.
        extracted.published_at = date
    extracted.source_name = source
    extracted.author = extracted.author or author
    if extracted.title is None:
        extracted.title = _title_tag(html)
    if extracted.title is None or count_han(extracted.title) < _MIN_TITLE_HAN:
        extracted.title = headline_before(extracted.text, blocks) or extracted.title
    return extracted


def _title_tag(html: str) -> str | None:
    match = re.search(r"<title[^>]*>(.*?)</title>", html[:20000], re.IGNORECASE | re.DOTALL)
    return match.group(1).strip() or None if match else None

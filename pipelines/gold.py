"""The gold set's label format: reading `<page>.labels.tsv` files and checking them against their page.

A labels file lists, in reading order, every line of text a reader of the page sees (and, for hacked
pages, the hidden text a browser would not show), one `label<TAB>text` per line:

    keep            article text (body paragraphs, list items, table rows, signatures)
    keep:title      the headline; also counts as kept when it ends up in the record's `title`
    keep:heading    a section heading or subtitle: must stay a line of its own
    keep:join       article text that continues the previous `keep` line across a page break
    remove:<cat>    text that does not belong in a corpus, by category (nav, footer, spam, ...)
    any:<cat>       text either way is fine (date/source bylines): not scored

Inside a line, `⟦<cat>|text⟧` marks a span to remove with category `<cat>` (injected pinyin,
mojibake, a hidden link inside a paragraph); the reader text of the line is the line with the marks
unwrapped. Lines starting with `#` are `# key: value` headers (page, url, encoding, declared, kind,
note). tests/fixtures/gold/README.md documents the categories.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import lxml.etree
import lxml.html

ARTICLE = "article"
KINDS = ("keep", "remove", "any")
KEEP_ROLES = ("", "title", "heading", "join")
LABELS_SUFFIX = ".labels.tsv"

_MARK_RE = re.compile(r"⟦([a-z_]+)\|(.*?)⟧")
_CATEGORY_RE = re.compile(r"[a-z_]+")
_WHITESPACE_RE = re.compile(r"\s+")
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")


class GoldFormatError(ValueError):
    """A labels file that does not follow the format; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of a line's text; `category` is set for an inline span marked for removal."""

    text: str
    category: str | None = None


@dataclass(frozen=True, slots=True)
class GoldLine:
    kind: str  # keep | remove | any
    tag: str  # keep: a role in KEEP_ROLES; remove/any: the category
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        """What a reader of the page sees on this line."""
        return "".join(s.text for s in self.segments)

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.tag}" if self.tag else self.kind

    @property
    def category(self) -> str | None:
        """The scoring category of the line's unmarked text: `article`, a noise category, or None."""
        if self.kind == "keep":
            return ARTICLE
        return self.tag if self.kind == "remove" else None


@dataclass(frozen=True, slots=True)
class GoldPage:
    name: str
    input_path: Path
    labels_path: Path
    lines: tuple[GoldLine, ...]
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.meta.get("kind", "ordinary")

    @property
    def url(self) -> str | None:
        return self.meta.get("url")

    @property
    def has_article(self) -> bool:
        return any(line.kind == "keep" for line in self.lines)


def parse_label(label: str, where: str) -> tuple[str, str]:
    kind, _, tag = label.partition(":")
    if kind not in KINDS:
        raise GoldFormatError(f"{where}: unknown label {label!r} (keep[:role], remove:<cat>, any:<cat>)")
    if kind == "keep" and tag not in KEEP_ROLES:
        raise GoldFormatError(f"{where}: unknown keep role {tag!r} (one of title, heading, join)")
    if kind != "keep" and not _CATEGORY_RE.fullmatch(tag):
        raise GoldFormatError(f"{where}: {kind} needs a category of lower-case letters, got {tag!r}")
    return kind, tag


def parse_segments(text: str, where: str) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    cursor = 0
    for match in _MARK_RE.finditer(text):
        if match.start() > cursor:
            segments.append(Segment(text[cursor : match.start()]))
        segments.append(Segment(match.group(2), match.group(1)))
        cursor = match.end()
    if cursor < len(text):
        segments.append(Segment(text[cursor:]))
    if any("⟦" in s.text or "⟧" in s.text for s in segments):
        raise GoldFormatError(f"{where}: unbalanced or nested ⟦cat|…⟧ mark")
    return tuple(segments)


def parse_labels(content: str, source: str) -> tuple[dict[str, str], tuple[GoldLine, ...]]:
    meta: dict[str, str] = {}
    lines: list[GoldLine] = []
    for number, raw in enumerate(content.splitlines(), start=1):
        where = f"{source}:{number}"
        if not raw.strip():
            continue
        if raw.startswith("#"):
            key, sep, value = raw[1:].partition(":")
            if sep:
                meta[key.strip()] = value.strip()
            continue
        label, tab, text = raw.partition("\t")
        if not tab or not text.strip():
            raise GoldFormatError(f"{where}: expected 'label<TAB>text'")
        kind, tag = parse_label(label.strip(), where)
        lines.append(GoldLine(kind, tag, parse_segments(text.strip(), where)))
    return meta, tuple(lines)


def load_page(labels_path: Path) -> GoldPage:
    meta, lines = parse_labels(labels_path.read_text(encoding="utf-8"), str(labels_path))
    name = labels_path.name[: -len(LABELS_SUFFIX)]
    page_file = meta.get("page", "")
    input_path = labels_path.with_name(page_file) if page_file else labels_path.with_name(name + ".html")
    if not input_path.exists():
        raise GoldFormatError(f"{labels_path}: page file {input_path.name} not found")
    return GoldPage(name=name, input_path=input_path, labels_path=labels_path, lines=lines, meta=meta)


def load_gold(directory: Path) -> list[GoldPage]:
    return [load_page(path) for path in sorted(directory.glob("*" + LABELS_SUFFIX))]


def squeeze(text: str) -> str:
    """Text without any whitespace: the form in which labels and pages are compared."""
    return _WHITESPACE_RE.sub("", text)


def page_reader_text(page: GoldPage) -> str:
    """All text of the page file as labelled: every text node of an HTML body, every line of a .txt."""
    data = page.input_path.read_bytes()
    text = data.decode(page.meta.get("encoding", "utf-8"))
    if page.input_path.suffix == ".txt":
        return text
    root = lxml.html.fromstring(text)
    for element in list(root.iter(*_INVISIBLE_TAGS)):
        element.drop_tree()
    return "".join(_reading_order(root))


def _reading_order(root: lxml.html.HtmlElement) -> list[str]:
    """The text nodes under `root` in document order, as `itertext` yields them: an element's text,
    then each child's text nodes followed by that child's tail. Comments and processing instructions
    contribute their tails only. Iterative, so deeply nested tables cannot exhaust the stack."""
    pieces: list[str] = []
    # Each entry is an element still to enter, or a tail string to emit after a subtree is done.
    stack: list[lxml.html.HtmlElement | str] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            pieces.append(item)
            continue
        if isinstance(item.tag, str) and item.text:
            pieces.append(item.text)
        for child in reversed(item):
            if child.tail:
                stack.append(child.tail)
            stack.append(child)
    return pieces


def coverage_problem(page: GoldPage) -> str | None:
    """None when the labels cover exactly the page's text (in order), else where they part."""
    expected = squeeze(page_reader_text(page))
    labelled = squeeze("".join(line.text for line in page.lines))
    if expected == labelled:
        return None
    at = next((i for i, (a, b) in enumerate(zip(expected, labelled, strict=False)) if a != b), None)
    at = min(len(expected), len(labelled)) if at is None else at
    return f"{page.labels_path.name}: labels part from the page at char {at}: page {expected[at : at + 30]!r}, labels {labelled[at : at + 30]!r}"

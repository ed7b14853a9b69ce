"""Hidden HTML: remove the elements of a page that a reader never sees, before extraction.

Hacked government pages carry link farms and keyword lists (gambling, porn, fake invoices) inside
elements the browser never shows, so that search engines index them and visitors do not notice.
Text extractors read them as ordinary text. This stage finds such elements in the raw page source and
removes them from `doc.html`, recording for each the text it held (`visible_text`):

- CSS that hides: `display:none`, `visibility:hidden` (unless a descendant sets it back to
  visible), zero font size (same exception: `ul{font-size:0} li{font-size:14px}` is a layout trick),
  zero or 1px height/width with `overflow:hidden`, `opacity:0`, clip to nothing, large negative
  offsets (`position:absolute; left:-9999px`, negative margins) or text-indent, from inline `style`
  attributes and from the page's own `<style>` sheets (class, id, type and descendant selectors; see
  `filters.css_visibility` for what is understood and why conditional `@media` rules are ignored);
- the `hidden` attribute (`aria-hidden` alone is not enough: icon fonts use it on visible pages);
- scaffolding a browser does not render or that link farms favour: `<marquee>`, `<noscript>`,
  `<noframes>`, `<noembed>`, `<template>`, and `<div>`s opened hidden by `document.write` in a script;
- 1x1 images (tracking pixels): removed with no text, so recorded with zero characters.

Nested hidden elements are merged into their outermost hidden ancestor. Element ends follow the
browser's rules closely enough for broken HTML: unclosed `<p>`, `<li>`, `<td>`, `<option>` end where
the next sibling starts, unclosed elements end with their parent, the page may be truncated anywhere.
The scan is one pass over the source (plus one for `<style>` sheets), linear in the page size.

The article is never removed: pages that reveal their content with JavaScript after loading ship it
inside a `display:none` container. When hidden elements that read as prose (less than
`link_farm_share` of their text inside links) would take more than `max_share` of the page's text
(and at least `guard_min_chars` characters), the largest of them are kept and recorded in
`hidden_html_kept_chars` instead. Hidden prose of `guard_min_chars` or more under `visibility:hidden`
or `opacity:0` is always kept: that is how pages fade their content in (WeChat articles ship the
whole text in `#js_content` with `visibility: hidden`), not how link farms hide. Link farms are
removed whatever their size.

Signals: `hidden_html_chars` (visible characters removed), `hidden_html_elements` (elements
removed), `hidden_html_kept_chars` (hidden prose kept by the guard).
"""

from __future__ import annotations

import html as html_lib
import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass

from filters.base import KEEP, Document, Removal, Stage, Verdict, merge_removals
from filters.css_visibility import (
    Declarations,
    StyleSheet,
    cascade,
    font_size_zero,
    hard_hidden_reason,
    length_px,
    parse_declarations,
    parse_stylesheet,
    visibility_hidden,
)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


VOID = _names(
    "area base basefont bgsound br col embed frame hr img input keygen link meta param source track wbr"
)
RAW_TEXT = frozenset({"script", "style", "title", "textarea", "xmp", "plaintext"})
SCAFFOLDING = frozenset({"marquee", "noscript", "noframes", "noembed", "template"})
# Tags that do not break the line when the removed text is shown; `a` becomes a space.
INLINE = _names(
    "abbr b bdi bdo big cite code data del dfn em font i ins kbd label mark q s samp small span strike "
    "strong sub sup time tt u var"
)
_BLOCKS_CLOSING_P = _names(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section summary table ul li dd dt "
    "listing xmp plaintext"
)
_SCOPE = _names("html body table td th caption marquee object applet template button")
_TABLE_SECTIONS = frozenset({"tbody", "thead", "tfoot"})
# start tag -> (open elements it implicitly closes, elements that stop the search)
_IMPLIED_CLOSE: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), _SCOPE | {"ul", "ol", "menu"}),
    "dt": (frozenset({"dt", "dd"}), _SCOPE | {"dl"}),
    "dd": (frozenset({"dt", "dd"}), _SCOPE | {"dl"}),
    "option": (frozenset({"option"}), _SCOPE | {"select", "datalist", "optgroup"}),
    "optgroup": (frozenset({"option", "optgroup"}), _SCOPE | {"select"}),
    "tr": (frozenset({"tr", "td", "th"}), frozenset({"table", "html"}) | _TABLE_SECTIONS),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table", "html"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table", "html"})),
    "a": (frozenset({"a"}), _SCOPE),
}
for _section in _TABLE_SECTIONS:
    _IMPLIED_CLOSE[_section] = (frozenset({"tr", "td", "th"}) | _TABLE_SECTIONS, frozenset({"table", "html"}))
_P_CLOSE = (frozenset({"p"}), _SCOPE)
_IMPLIED_SEARCH_DEPTH = 32

_MAX_QUOTED = 65536  # longest attribute value accepted; bounds the cost of an unclosed quote
# One search finds the next token. Possessive quantifiers: a tag that never closes fails in one pass.
_TOKEN_RE = re.compile(
    r"<(?:(!--)|([!?])|/([a-zA-Z][^\s/>]*+)[^>]*+>"
    rf"|([a-zA-Z][^\s/>]*+)((?:[^>\"']++|\"[^\"]{{0,{_MAX_QUOTED}}}+\"|'[^']{{0,{_MAX_QUOTED}}}+')*+)>)"
)
_ATTR_RE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_STYLE_ELEMENT_RE = re.compile(r"<style\b[^>]{0,2000}>", re.I)
_WS_RE = re.compile(r"\s+")
_JS_OPEN_HIDDEN_RE = re.compile(
    r"""document\.write(?:ln)?\s*\(\s*['"]\s*<(?:div|span|p|ul|section)\b[^>]*?"""
    r"""(?:display\s*:\s*none|visibility\s*:\s*hidden|(?:top|left)\s*:\s*-\s*\d{3,})""",
    re.I,
)
_JS_CLOSE_RE = re.compile(r"""document\.write(?:ln)?\s*\(\s*['"]\s*</(?:div|span|p|ul|section)\s*>""", re.I)
_SCRIPT_WRITE = "#script-write"

_SEP_NONE, _SEP_SPACE, _SEP_LINE = 0, 1, 2
# How pages hide content that a script reveals after loading (WeChat's `#js_content`, fade-ins).
_REVEAL_REASONS = frozenset({"visibility_hidden", "transparent"})
_NO_CLASSES: frozenset[str] = frozenset()
_NO_ATTRIBUTES: dict[str, str] = {}


class _Frame:
    """What the scanner remembers about an open element beyond its name."""

    __slots__ = ("hard", "overridden", "soft", "start", "tokens")

    def __init__(self, start: int, tokens: list[str], hard: str | None, soft: str | None) -> None:
        self.start = start
        self.tokens = tokens
        self.hard = hard
        self.soft = soft
        self.overridden = False


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    reason: str


def _closing_tag_re(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(name)}[\s/>]", re.I)


_RAW_CLOSE_RE = {name: _closing_tag_re(name) for name in RAW_TEXT}


def _parse_attributes(text: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for match in _ATTR_RE.finditer(text):
        name = match.group(1).lower()
        if name not in attributes:
            value = match.group(2) if match.group(2) is not None else match.group(3)
            if value is None:
                value = match.group(4) or ""
            attributes[name] = value
    return attributes


def _visible_chars(raw: str) -> int:
    if "&" in raw:
        raw = html_lib.unescape(raw)
    return len("".join(raw.split()))


class _Scanner:
    """One pass over a page: hidden-element candidates and the positions of its text runs.

    The stack holds open element names; elements that matter (hidden, or carrying classes and ids
    that descendant selectors need) also get a `_Frame`, keyed by their depth.
    """

    def __init__(self, source: str, sheet: StyleSheet, offscreen_px: float) -> None:
        self.html = source
        self.sheet = sheet
        self.offscreen_px = offscreen_px
        self.names: list[str] = []
        self.frames: dict[int, _Frame] = {}
        self.open_tokens: dict[str, int] = {}
        self.soft_open: dict[str, list[_Frame]] = {"visibility_hidden": [], "zero_font": []}
        self.candidates: list[_Candidate] = []
        self.pending_sep = _SEP_NONE
        self.seg_start = array("q")
        self.seg_end = array("q")
        self.seg_sep = array("b")
        self.cum_chars = array("q", [0])
        self.cum_link = array("q", [0])

    # -- text runs ---------------------------------------------------------------------------

    def text(self, start: int, end: int) -> None:
        chars = _visible_chars(self.html[start:end])
        if chars == 0:
            if self.pending_sep == _SEP_NONE:
                self.pending_sep = _SEP_SPACE
            return
        self.seg_start.append(start)
        self.seg_end.append(end)
        self.seg_sep.append(self.pending_sep)
        self.pending_sep = _SEP_NONE
        self.cum_chars.append(self.cum_chars[-1] + chars)
        self.cum_link.append(self.cum_link[-1] + (chars if self.open_tokens.get("a") else 0))

    # -- the stack ---------------------------------------------------------------------------

    def push(self, name: str, frame: _Frame | None) -> None:
        tokens = self.open_tokens
        tokens[name] = tokens.get(name, 0) + 1
        if frame is not None:
            self.frames[len(self.names)] = frame
            for token in frame.tokens:
                tokens[token] = tokens.get(token, 0) + 1
            if frame.soft is not None:
                self.soft_open[frame.soft].append(frame)
        self.names.append(name)

    def pop(self, end: int) -> None:
        name = self.names.pop()
        self.open_tokens[name] -= 1
        frame = self.frames.pop(len(self.names), None)
        if frame is None:
            return
        for token in frame.tokens:
            self.open_tokens[token] -= 1
        if frame.soft is not None:
            self.soft_open[frame.soft].pop()
        if frame.hard is not None:
            self.candidates.append(_Candidate(frame.start, end, frame.hard))
        elif frame.soft is not None and not frame.overridden:
            self.candidates.append(_Candidate(frame.start, end, frame.soft))

    def pop_to(self, index: int, inner_end: int, end: int) -> None:
        """Close the elements above `index` at `inner_end` and the one at `index` at `end`."""
        while len(self.names) > index + 1:
            self.pop(inner_end)
        self.pop(end)

    def close_implied(self, targets: frozenset[str], stops: frozenset[str], pos: int) -> None:
        if not any(self.open_tokens.get(name) for name in targets):
            return
        names = self.names
        found = -1
        lowest = max(-1, len(names) - 1 - _IMPLIED_SEARCH_DEPTH)
        for index in range(len(names) - 1, lowest, -1):
            if names[index] in targets:
                found = index
            elif names[index] in stops:
                break
        if found >= 0:
            self.pop_to(found, pos, pos)

    def override_soft(self, kind: str) -> None:
        for frame in reversed(self.soft_open[kind]):
            if frame.overridden:
                break
            frame.overridden = True

    # -- tags --------------------------------------------------------------------------------

    def start_tag(self, name: str, attr_text: str, start: int, end: int) -> int:
        """Handle a start tag ending at `end`; return where scanning continues."""
        if name in _BLOCKS_CLOSING_P and self.open_tokens.get("p"):
            self.close_implied(*_P_CLOSE, start)
        if name in _IMPLIED_CLOSE:
            self.close_implied(*_IMPLIED_CLOSE[name], start)
        if name not in INLINE:
            self.pending_sep = _SEP_SPACE if name == "a" and self.pending_sep != _SEP_LINE else _SEP_LINE
        attributes = _parse_attributes(attr_text) if attr_text else _NO_ATTRIBUTES
        classes = frozenset(attributes["class"].split()) if "class" in attributes else _NO_CLASSES
        element_id = attributes.get("id") or None
        inline: Declarations = parse_declarations(attributes["style"]) if "style" in attributes else {}
        if self.sheet:
            rules = self.sheet.matching(name, element_id, classes, self.open_tokens)
            props = cascade(rules, inline) if rules or inline else {}
        else:
            props = {prop: value for prop, (value, _) in inline.items()}

        hard = hard_hidden_reason(props, self.offscreen_px) if props else None
        if hard is None and "hidden" in attributes and attributes["hidden"].lower() != "until-found":
            hard = "hidden_attr"
        if hard is None and name in SCAFFOLDING:
            hard = name
        soft: str | None = None
        if props:
            visibility = visibility_hidden(props)
            zero_font = font_size_zero(props)
            if visibility is False:
                self.override_soft("visibility_hidden")
            if zero_font is False:
                self.override_soft("zero_font")
            soft = "visibility_hidden" if visibility else "zero_font" if zero_font else None

        foreign = self.open_tokens.get("svg") or self.open_tokens.get("math")
        if name in VOID or (foreign and attr_text.rstrip().endswith("/")):
            if hard is None and name == "img" and self._tiny(attributes, props):
                hard = "tiny_image"
            if hard is not None:
                self.candidates.append(_Candidate(start, end, hard))
            return end
        if name in RAW_TEXT:
            return self.raw_text(name, start, end, hard)

        tokens: list[str] = []
        if self.sheet.has_ancestor_rules:
            tokens.extend(f".{cls}" for cls in classes)
            if element_id is not None:
                tokens.append(f"#{element_id}")
        needs_frame = tokens or hard is not None or soft is not None
        self.push(name, _Frame(start, tokens, hard, soft) if needs_frame else None)
        return end

    @staticmethod
    def _tiny(attributes: dict[str, str], props: dict[str, str]) -> bool:
        sizes = []
        for key in ("width", "height"):
            size = length_px(props.get(key)) if key in props else length_px(attributes.get(key))
            sizes.append(size is not None and size <= 1.0)
        return all(sizes)

    def raw_text(self, name: str, start: int, content_start: int, hard: str | None) -> int:
        if name == "plaintext":
            close_start = close_end = len(self.html)
        else:
            match = _RAW_CLOSE_RE[name].search(self.html, content_start)
            if match is None:
                close_start = close_end = len(self.html)
            else:
                close_start = match.start()
                gt = self.html.find(">", match.end() - 1)
                close_end = len(self.html) if gt == -1 else gt + 1
        if name in ("textarea", "xmp", "plaintext") and content_start < close_start:
            self.text(content_start, close_start)
        elif name == "script":
            self.script(self.html[content_start:close_start], start, close_end)
        if hard is not None:
            self.candidates.append(_Candidate(start, close_end, hard))
        self.pending_sep = _SEP_LINE
        return close_end

    def script(self, code: str, start: int, end: int) -> None:
        """`document.write('<div style="display:none">')` ... `document.write('</div>')`."""
        if "document.write" not in code:
            return
        opens = _JS_OPEN_HIDDEN_RE.search(code) is not None
        closes = _JS_CLOSE_RE.search(code) is not None
        if opens and not closes:
            self.push(_SCRIPT_WRITE, _Frame(start, [], "script_write", None))
        elif closes and not opens and self.open_tokens.get(_SCRIPT_WRITE):
            self.end_tag(_SCRIPT_WRITE, start, end)

    def end_tag(self, name: str, start: int, end: int) -> None:
        if name not in INLINE:
            self.pending_sep = _SEP_SPACE if name == "a" and self.pending_sep != _SEP_LINE else _SEP_LINE
        if not self.open_tokens.get(name):
            return
        names = self.names
        for index in range(len(names) - 1, -1, -1):
            if names[index] == name:
                self.pop_to(index, start, end)
                return

    # -- the scan ----------------------------------------------------------------------------

    def run(self) -> None:
        source = self.html
        length = len(source)
        # No tag can end after the last ">": searching stops there, so that a truncated page
        # full of "<" costs one pass, not one pass per "<".
        limit = source.rfind(">") + 1
        search = _TOKEN_RE.search
        pos = 0
        while True:
            match = search(source, pos, limit)
            if match is None:
                break
            lt = match.start()
            if pos < lt:
                self.text(pos, lt)
            kind = match.lastindex
            if kind == 5:
                pos = self.start_tag(match.group(4).lower(), match.group(5), lt, match.end())
            elif kind == 3:
                self.end_tag(match.group(3).lower(), lt, match.end())
                pos = match.end()
            else:
                close = source.find("-->" if kind == 1 else ">", match.end())
                pos = length if close == -1 else close + (3 if kind == 1 else 1)
        if pos < length:
            self.text(pos, length)
        while self.names:
            self.pop(length)

    # -- measuring spans ---------------------------------------------------------------------

    def segment_range(self, start: int, end: int) -> tuple[int, int]:
        return bisect_left(self.seg_start, start), bisect_left(self.seg_start, end)

    def chars(self, start: int, end: int) -> tuple[int, int]:
        """(visible characters, characters inside links) of the text runs in `[start, end)`."""
        first, last = self.segment_range(start, end)
        return self.cum_chars[last] - self.cum_chars[first], self.cum_link[last] - self.cum_link[first]

    def visible_text(self, start: int, end: int) -> str:
        first, last = self.segment_range(start, end)
        pieces: list[str] = []
        for index in range(first, last):
            if pieces and self.seg_sep[index] != _SEP_NONE:
                pieces.append("\n" if self.seg_sep[index] == _SEP_LINE else " ")
            raw = self.html[self.seg_start[index] : min(self.seg_end[index], end)]
            pieces.append(_WS_RE.sub(" ", html_lib.unescape(raw) if "&" in raw else raw))
        lines = (line.strip() for line in "".join(pieces).split("\n"))
        return "\n".join(line for line in lines if line)


def page_stylesheet(source: str) -> StyleSheet:
    """The rules of every `<style>` element of the page, in document order."""
    rules = []
    pos = 0
    while (match := _STYLE_ELEMENT_RE.search(source, pos)) is not None:
        close = _RAW_CLOSE_RE["style"].search(source, match.end())
        end = close.start() if close else len(source)
        css = source[match.end() : end]
        if "{" in css:
            rules.extend(parse_stylesheet(css, first_order=len(rules)))
        pos = end  # an unclosed sheet runs to the end of the page, as in a browser
        if close is None:
            break
    return StyleSheet(rules)


class HiddenHtml(Stage):
    name = "hidden_html"
    field = "html"

    def __init__(
        self,
        offscreen_px: float = 500.0,
        max_share: float | None = 0.5,
        guard_min_chars: int = 200,
        link_farm_share: float = 0.5,
    ) -> None:
        self.offscreen_px = offscreen_px
        self.max_share = max_share
        self.guard_min_chars = guard_min_chars
        self.link_farm_share = link_farm_share

    def judge(self, doc: Document) -> Verdict:
        source = doc.html
        if not source or "<" not in source:
            return KEEP
        scanner = _Scanner(source, page_stylesheet(source), self.offscreen_px)
        scanner.run()
        outermost = self._outermost(scanner.candidates)
        page_chars = scanner.cum_chars[-1]
        kept = self._guarded(scanner, outermost, page_chars)
        removable = self._outermost([c for c in scanner.candidates if (c.start, c.end) not in kept])

        removals: list[Removal] = []
        removed_chars = 0
        for candidate in removable:
            text = scanner.visible_text(candidate.start, candidate.end)
            removed_chars += len(text)
            removals.append(
                Removal(candidate.start, candidate.end, self.reason(candidate.reason), visible_text=text)
            )
        signals: dict[str, float | int] = {
            "hidden_html_chars": removed_chars,
            "hidden_html_elements": len(removals),
        }
        verdict = Verdict(removals=merge_removals(removals), signals=signals)
        if kept:
            signals["hidden_html_kept_chars"] = sum(chars for chars, _ in kept.values())
            verdict.tags["hidden_html_kept"] = self.reason(max(kept.values())[1])
        return verdict

    @staticmethod
    def _outermost(candidates: list[_Candidate]) -> list[_Candidate]:
        result: list[_Candidate] = []
        for candidate in sorted(candidates, key=lambda c: (c.start, -c.end)):
            if result and candidate.start < result[-1].end:
                continue
            result.append(candidate)
        return result

    def _guarded(
        self, scanner: _Scanner, outermost: list[_Candidate], page_chars: int
    ) -> dict[tuple[int, int], tuple[int, str]]:
        """Hidden prose kept because removing it would take most of the page: span -> (chars, reason)."""
        if self.max_share is None:
            return {}
        prose: list[tuple[int, _Candidate]] = []
        kept: dict[tuple[int, int], tuple[int, str]] = {}
        link_farm_chars = 0
        for candidate in outermost:
            chars, link_chars = scanner.chars(candidate.start, candidate.end)
            if chars and link_chars >= self.link_farm_share * chars:
                link_farm_chars += chars
            elif chars >= self.guard_min_chars and candidate.reason in _REVEAL_REASONS:
                kept[(candidate.start, candidate.end)] = (chars, candidate.reason)
            elif chars:
                prose.append((chars, candidate))
        budget = self.max_share * max(page_chars - link_farm_chars, 0)
        hidden_prose = sum(chars for chars, _ in prose)
        for chars, candidate in sorted(prose, key=lambda item: -item[0]):
            if hidden_prose <= budget or hidden_prose < self.guard_min_chars:
                break
            kept[(candidate.start, candidate.end)] = (chars, candidate.reason)
            hidden_prose -= chars
        return kept

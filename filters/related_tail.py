"""Related-link tails: end markers and the lists of other articles a page appends after the article.

News and party pages close the article with an end marker (`THE END`, `—END—`, Xinhua's `（完）`)
and follow it with headings such as 相关阅读, 相关链接, 延伸阅读, 推荐阅读, 相关新闻, 往期回顾 (相關閱讀
on traditional pages) over lists of titles, often numbered and with URLs (`1.标题…https://…`).
Those titles belong to other articles; in a corpus they are duplicated teasers. Reasons:

- `related_tail_end_marker`: the end-marker line, or the marker closing the last line
  (`……取得新成效。（完）` keeps the sentence). It is always removed: it is page furniture. What
  follows it goes only if it is list-shaped (below); a page that goes on in prose after an end
  marker (several articles on one page) keeps that prose.
- `related_tail_related_list`: a related-articles heading (alone or with the first title after a
  colon) and everything after it, or the list after an end marker, when that tail is list-shaped.
  A 延伸阅读 heading over background paragraphs in prose is part of the article and stays.
- `related_tail_link_list`: without any marker, the run of numbered or bulleted lines with URLs at
  the very end of the text, when there are at least `min_link_lines` of them. A URL inside an
  article paragraph, or one 详情请访问 line, is not a list.
- `related_tail_title_list`: without any marker or URL, a run of at least `min_title_lines`
  numbered titles (`1. …`, `（2）…`, `③…`: up to `max_title_chars` characters, at least four Han
  characters, no sentence end) that ends the text right after a paragraph of prose: a related box
  whose heading the extractor lost. An article's own numbered list is introduced by its last line
  (`报送材料如下：`, `以下单位…。`, `现将…名单予以公布。`, `附件：`, a section heading) or is written
  as sentences (items ending with `；` or `。`), so a run after such a line, or one whose items end
  a sentence, is kept.

List-shaped: at most `max_prose_share` of the tail's characters are in prose lines; the other lines
are titles (up to `max_title_chars` characters without a sentence end), lines with URLs, snippets
cut with `…`, or title lines ending with a date. Markers count only after `min_han_before` Han
characters of article, so a 推荐阅读 box above the article does not cut the article away.

Signals: `related_tail_chars` (characters removed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from filters.base import Document, Removal, Stage, Verdict, merge_removals
from filters.patterns import DATE_RE, alternation, load_yaml, simplified_table
from filters.textstats import (
    URL_RE,
    Line,
    count_han,
    ends_sentence,
    is_list_item,
    is_prose_sentence,
    iter_lines,
    lines_span,
)

MARKER_FILE = "related_tail.yaml"
_SNIPPET_END_RE = re.compile(r"(?:\.\.\.|…|>>|》》|»)\s*$")
_DATE_END_RE = re.compile(rf"(?:{DATE_RE.pattern}|\d{{1,2}}[-/.月]\d{{1,2}}日?)\s*[)）\]】]?\s*$")
# Numbered (not bulleted, not 一、 section) items: 1. 1、 (1) （1） ① ⑴ ⒈
_NUMBERED_RE = re.compile(r"\s*(?:\d{1,3}\s*[、．.)）](?!\d)|[（(]\s*\d{1,3}\s*[)）]|[①-⑳⑴-⒇⒈-⒛])")
# A line that introduces the list under it, which then belongs to the article.
_INTRODUCES_RE = re.compile(r"[：:]\s*$|如下|以下|下列|名单|公示|^\s*附\s*件")
_MIN_TITLE_HAN = 4


class RelatedTail(Stage):
    name = "related_tail"

    def __init__(
        self,
        min_han_before: int = 50,
        max_prose_share: float = 0.3,
        max_title_chars: int = 60,
        min_link_lines: int | None = 2,
        min_title_lines: int | None = 3,
    ) -> None:
        self.min_han_before = min_han_before
        self.max_prose_share = max_prose_share
        self.max_title_chars = max_title_chars
        self.min_link_lines = min_link_lines
        self.min_title_lines = min_title_lines
        config: dict[str, Any] = load_yaml(MARKER_FILE)
        flags = re.IGNORECASE
        self._to_simplified = simplified_table()
        self._end_line_re = re.compile("|".join(f"(?:{p})" for p in config["end_marker_lines"]), flags)
        self._end_inline_re = re.compile("|".join(f"(?:{p})" for p in config["end_marker_inline"]), flags)
        headings = alternation(config["related_headings"])
        self._heading_re = re.compile(
            rf"[\s【\[〔(（<《■●▌|｜]*{headings}[\s】\]〕)）>》]*(?P<rest>[：:>»]+.*)?", flags
        )

    def judge(self, doc: Document) -> Verdict:
        lines = iter_lines(doc.text)
        removals: list[Removal] = []
        shape = _TailShape(lines, self._listish)
        han_before = 0
        for index, line in enumerate(lines):
            if han_before >= self.min_han_before:
                cut = self._at_marker(lines, index, removals, shape)
                if cut:
                    break
            han_before += count_han(line.text)
        else:
            removals.extend(self._link_list(lines) or self._title_list(lines))
        removals = merge_removals(removals)
        return Verdict(
            removals=removals, signals={"related_tail_chars": sum(r.end - r.start for r in removals)}
        )

    def _at_marker(self, lines: list[Line], index: int, removals: list[Removal], shape: _TailShape) -> bool:
        """Handle a marker on line `index`; True when the rest of the text was removed."""
        line = lines[index]
        simple = line.text.strip().translate(self._to_simplified)
        if not simple:
            return False
        tail = index < len(lines) - 1
        list_shaped = shape.prose_share(index + 1) <= self.max_prose_share
        end_line = self._end_line_re.fullmatch(simple) is not None
        heading = self._heading(simple)
        if end_line or heading:
            if list_shaped:
                cut = lines[index - 1].end if index else line.start
                if end_line and tail:
                    removals.append(Removal(cut, line.end, self.reason("end_marker")))
                    removals.append(Removal(line.end, lines[-1].end_nl, self.reason("related_list")))
                else:
                    reason = self.reason("end_marker" if end_line else "related_list")
                    removals.append(Removal(cut, lines[-1].end_nl, reason))
                return True
            if end_line:
                removals.append(Removal(*lines_span(lines, index, index), self.reason("end_marker")))
            return False
        inline = self._end_inline_re.search(line.text.translate(self._to_simplified))
        if inline and count_han(line.text[: inline.start()]) > 0:
            removals.append(
                Removal(line.start + inline.start(), line.start + inline.end(), self.reason("end_marker"))
            )
            if tail and list_shaped:
                removals.append(Removal(line.end, lines[-1].end_nl, self.reason("related_list")))
                return True
        return False

    def _heading(self, simple: str) -> bool:
        match = self._heading_re.fullmatch(simple)
        if not match:
            return False
        rest = (match.group("rest") or "").lstrip("：:>» ")
        return not rest or self._listish(rest)

    def _listish(self, text: str) -> bool:
        """A title, a link, a snippet or a dated title: a line of a list of other articles."""
        if URL_RE.search(text) or _SNIPPET_END_RE.search(text) or _DATE_END_RE.search(text):
            return True
        return len(text) <= self.max_title_chars and not ends_sentence(text)

    def _link_list(self, lines: list[Line]) -> list[Removal]:
        if self.min_link_lines is None:
            return []
        first = len(lines)
        while first > 0:
            text = lines[first - 1].text.strip()
            if not text and first < len(lines):
                first -= 1
                continue
            if not (is_list_item(text) and URL_RE.search(text)):
                break
            first -= 1
        n_items = sum(1 for line in lines[first:] if line.text.strip())
        if n_items < self.min_link_lines or first == 0:
            return []
        return [Removal(*lines_span(lines, first, len(lines) - 1), self.reason("link_list"))]

    def _title_list(self, lines: list[Line]) -> list[Removal]:
        """A trailing run of numbered titles right after a prose paragraph (see the module docstring)."""
        if self.min_title_lines is None:
            return []
        first = len(lines)
        while first > 0 and (not (text := lines[first - 1].text.strip()) or self._numbered_title(text)):
            first -= 1
        while first < len(lines) and not lines[first].text.strip():
            first += 1
        n_items = sum(1 for line in lines[first:] if line.text.strip())
        if n_items < self.min_title_lines or first == 0:
            return []
        before = lines[first - 1].text.strip()
        if not is_prose_sentence(before) or _INTRODUCES_RE.search(before):
            return []
        if sum(count_han(line.text) for line in lines[:first]) < self.min_han_before:
            return []
        return [Removal(*lines_span(lines, first, len(lines) - 1), self.reason("title_list"))]

    def _numbered_title(self, text: str) -> bool:
        stripped = text.strip()
        return (
            _NUMBERED_RE.match(stripped) is not None
            and len(stripped) <= self.max_title_chars
            and count_han(stripped) >= _MIN_TITLE_HAN
            and not ends_sentence(stripped)
            and stripped[-1] not in "，,、：:"
        )


class _TailShape:
    """How much of the text after each line is prose, by characters, computed once when first asked."""

    def __init__(self, lines: list[Line], listish: Callable[[str], bool]) -> None:
        self._lines = lines
        self._listish = listish
        self._prose: list[int] = []
        self._total: list[int] = []

    def prose_share(self, first: int) -> float:
        """Share of the characters of lines `first`.. in prose lines (0.0 for no text)."""
        if not self._total:
            self._prose = [0] * (len(self._lines) + 1)
            self._total = [0] * (len(self._lines) + 1)
            for index in range(len(self._lines) - 1, -1, -1):
                text = self._lines[index].text
                stripped = text.strip()
                prose = len(text) if stripped and not self._listish(stripped) else 0
                self._prose[index] = self._prose[index + 1] + prose
                self._total[index] = self._total[index + 1] + len(text)
        total = self._total[first]
        return self._prose[first] / total if total else 0.0

"""Page-break rejoin: sentences that a page break of the source document split over two lines.

Text from document-sharing sites and converted PDFs/Word files keeps the page breaks of the
original: a paragraph stops mid-word at the bottom of a page and goes on as a new line
(`…在政治理论学习、主题实践活动、政治宣` / `传引导这三方面下苦功…`), sometimes with the page's running
header or page number between the halves (`守正出新 久久为功`, `- 3 -`). A corpus wants the sentence
whole. Reasons:

- `page_break_rejoin_joined`: the line break between the two halves is removed (replaced by a
  space when both sides are Latin letters or digits).
- `page_break_rejoin_running_header`: a line between the halves that is a running header, i.e. the
  document's title, a short line that occurs more than once in the text, or a page number
  (`- 3 -`, `第3页`, `3/12`), is removed with the join.

A break is joined only when the line before it is open and the line after it continues it:
- Open: the line does not end with sentence-final punctuation (。！？；… or a colon) or with a
  closing bracket group (`……（李卫东 摄）`, `……（完）`: a credit or a marker closes what it follows),
  and it is not a heading: either it ends with a comma or 、 (a clause that goes on; at least
  `min_comma_open_chars` characters), or it ends with a character inside a sentence and is prose-long
  (at least `min_open_chars` characters, holding a clause mark or twice that long). Short lines
  without clause marks are headings (`加强组织引导`, `促进思想政治建设“三化”`), and numbered
  headings (`一、以坚持多党合作为根本,支持党派组织建设`) are list items, unless the item before,
  numbered the same way, is a sentence (a list of sentences: `4．推荐优秀党外人士参加各类` is cut
  short, not a heading), and a line opening with a
  dash is a subtitle (`——聚焦参政议政能力建设 培育“懂政策、会调研、善建言”的骨干队伍`; marks
  inside quotes and 《》 do not count as clause marks); none is ever joined to what follows. Table rows (tabs, `|`, runs of spaces) are not prose.
- Continues: the next line starts with a Han character, a letter or digit, or punctuation that
  cannot open a paragraph (`，`, `）`, `”`), is not a list item (`一是…`, `1.`, `（一）`, `■`) and,
  unless the open line ended with a comma, is not itself a short heading-shaped line.

Only pages with evidence of page breaks are rejoined; a web page whose extractor split one
paragraph at a `<br>` is left alone (a missed join costs a line break, a false one fuses a caption
or a heading into a paragraph). Evidence is any of:
- the document-site shape: one of `evidence_signals` (default `docsite_boilerplate_lines`, the
  document-site boilerplate the stage before found) is above zero;
- a page number or running header between the halves of a break (that join, by itself, is
  evidence);
- at least `min_evidence_breaks` open lines that end mid-clause (on a Han character, letter or
  digit, not a comma): one such line is a slip of a web editor, several are a paginated source.

Signals: `page_break_rejoin_joins`.
"""

from __future__ import annotations

import re
from collections import Counter

from filters.base import Document, Removal, Stage, Verdict
from filters.textstats import (
    LIST_ITEM_RE,
    Line,
    ends_sentence,
    has_clause_marks,
    is_han,
    is_list_item,
    is_title_like,
    iter_lines,
)

_PAGE_NUMBER_RE = re.compile(
    r"[-—－–\s]*\d{1,4}[-—－–\s]*|第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}",
    re.IGNORECASE,
)
_TABLE_ROW_RE = re.compile(r"\t|\||｜|\s{2,}|\u3000{2,}")
_OPEN_COMMAS = "，,、"
_COLONS = "：:"
# Punctuation that cannot start a paragraph: a line starting with one continues the line before.
_CONTINUING_PUNCT = "，,、。；;：:！？!?）)】》」』”’…"
_OPENING_PUNCT = "“‘《（(「『\"'"
_MAX_HEADER_LINES = 3
_LIST_LOOKBACK = 4
# A subtitle opens with a dash: ——聚焦参政议政能力建设
_SUBTITLE_DASHES = ("—", "－", "--")
_CLOSING_BRACKETS = {"）": "（", ")": "(", "】": "【", "]": "["}
_QUOTED_RE = re.compile(r"“[^”]*”|‘[^’]*’|《[^》]*》|「[^」]*」|『[^』]*』|\"[^\"]*\"")


class PageBreakRejoin(Stage):
    name = "page_break_rejoin"

    def __init__(
        self,
        min_open_chars: int = 30,
        min_comma_open_chars: int = 6,
        max_heading_chars: int = 30,
        max_header_chars: int = 40,
        evidence_signals: tuple[str, ...] = ("docsite_boilerplate_lines",),
        min_evidence_breaks: int | None = 2,
    ) -> None:
        self.min_open_chars = min_open_chars
        self.min_comma_open_chars = min_comma_open_chars
        self.max_heading_chars = max_heading_chars
        self.max_header_chars = max_header_chars
        self.evidence_signals = tuple(evidence_signals)
        self.min_evidence_breaks = min_evidence_breaks

    def judge(self, doc: Document) -> Verdict:
        lines = iter_lines(doc.text)
        if len(lines) < 2:
            return Verdict(signals={"page_break_rejoin_joins": 0})
        breaks = self._breaks(doc, lines)
        if not self._paginated(doc, lines, breaks):
            breaks = [(index, following) for index, following in breaks if following > index + 1]
        removals: list[Removal] = []
        for index, following in breaks:
            line = lines[index]
            replacement = " " if _needs_space(line.text, lines[following].text) else ""
            removals.append(Removal(line.end, line.end_nl, self.reason("joined"), replacement=replacement))
            if following > index + 1:
                removals.append(
                    Removal(
                        lines[index + 1].start, lines[following - 1].end_nl, self.reason("running_header")
                    )
                )
        return Verdict(removals=removals, signals={"page_break_rejoin_joins": len(breaks)})

    def _breaks(self, doc: Document, lines: list[Line]) -> list[tuple[int, int]]:
        """(open line, line continuing it) of each break to join; running headers lie between."""
        headers = self._running_headers(doc, lines)
        breaks: list[tuple[int, int]] = []
        index = 0
        while index < len(lines) - 1:
            following = index + 1
            while (
                following < len(lines) - 1 and following in headers and following - index <= _MAX_HEADER_LINES
            ):
                following += 1
            if self._open(lines, index) and self._continues(lines[index].text, lines, following):
                breaks.append((index, following))
                index = following
                continue
            index += 1
        return breaks

    def _paginated(self, doc: Document, lines: list[Line], breaks: list[tuple[int, int]]) -> bool:
        """Whether the page shows that its source had page breaks (see the module docstring)."""
        if any(doc.signals.get(name, 0) > 0 for name in self.evidence_signals):
            return True
        if self.min_evidence_breaks is None:
            return True
        mid_clause = sum(1 for index, _ in breaks if lines[index].text.rstrip()[-1] not in _OPEN_COMMAS)
        return mid_clause >= self.min_evidence_breaks

    def _running_headers(self, doc: Document, lines: list[Line]) -> set[int]:
        """Indexes of lines that may be a running header: the title, a repeated short line, a page number."""
        stripped = [line.text.strip() for line in lines]
        counts = Counter(text for text in stripped if text and len(text) <= self.max_header_chars)
        title = (doc.title or "").strip()
        return {
            index
            for index, text in enumerate(stripped)
            if text
            and len(text) <= self.max_header_chars
            and (counts[text] > 1 or text == title or _PAGE_NUMBER_RE.fullmatch(text) is not None)
        }

    def _open(self, lines: list[Line], index: int) -> bool:
        """Whether a line stops inside a sentence (see the module docstring)."""
        text = lines[index].text.strip()
        if not text or ends_sentence(text) or text[-1] in _COLONS or _TABLE_ROW_RE.search(text):
            return False
        if _ends_with_bracket_group(text):
            return False
        if is_list_item(text) and self._in_prose_list(lines, index):
            return len(text) >= self.min_comma_open_chars
        if is_title_like(text, self.max_heading_chars) or text.startswith(_SUBTITLE_DASHES):
            return False
        if is_list_item(text) and len(text) < self.min_open_chars:
            return False
        if text[-1] in _OPEN_COMMAS:
            return len(text) >= self.min_comma_open_chars
        if len(text) < self.min_open_chars:
            return False
        # Marks inside quotes and titles (培育“懂政策、会调研、善建言”的骨干队伍) do not make a headline prose.
        return has_clause_marks(_QUOTED_RE.sub("", text)) or len(text) >= 2 * self.min_open_chars

    def _in_prose_list(self, lines: list[Line], index: int) -> bool:
        """Whether the item before this one, numbered the same way, is a sentence: then this item
        (`4．推荐优秀党外人士参加各类`) is a sentence cut short too, not a heading."""
        family = _marker_family(lines[index].text)
        for line in reversed(lines[max(0, index - _LIST_LOOKBACK) : index]):
            text = line.text.strip()
            if is_list_item(text) and _marker_family(text) == family:
                return ends_sentence(text) or (len(text) >= self.min_open_chars and has_clause_marks(text))
        return False

    def _continues(self, previous: str, lines: list[Line], index: int) -> bool:
        text = lines[index].text.strip()
        if not text or is_list_item(text) or _TABLE_ROW_RE.search(text):
            return False
        first = text[0]
        if not (is_han(first) or first.isalnum() or first in _CONTINUING_PUNCT or first in _OPENING_PUNCT):
            return False
        if previous.strip()[-1] in _OPEN_COMMAS:
            return True
        # A short line without clause marks followed by more text is a heading, not the rest of a sentence.
        return not (is_title_like(text, self.max_heading_chars) and index < len(lines) - 1)


def _ends_with_bracket_group(text: str) -> bool:
    """`……巡查（李卫东 摄）`, `……（完）`: the line closes a bracket it opened."""
    opening = _CLOSING_BRACKETS.get(text[-1])
    return opening is not None and opening in text


def _marker_family(line: str) -> str:
    """A list marker with its number blanked: `3．` and `4．` are one family, `（三）` another."""
    match = LIST_ITEM_RE.match(line)
    marker = match.group().strip() if match else ""
    return re.sub("[一二三四五六七八九十百千]+", "一", re.sub(r"\d+", "0", marker))


def _needs_space(left: str, right: str) -> bool:
    left, right = left.rstrip(), right.lstrip()
    return (
        bool(left and right)
        and left[-1].isascii()
        and left[-1].isalnum()
        and right[0].isascii()
        and right[0].isalnum()
    )

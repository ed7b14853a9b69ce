"""Document-site and paywall boilerplate: the notices that document-sharing sites wrap around a text.

Government reports, speeches and work summaries are widely re-published on document-sharing and
paywalled sites (文库 sites), which add their own furniture to the extracted text: numbered download
disclaimers (下载文档前请自行甄别…, 如文档侵犯您的权益…), partial-preview notices (仅部分预览, 还剩5页
未读), read-on and download buttons (继续阅读, 立即下载), VIP and pay prompts (开通VIP, 3下载券),
customer-service and complaint lines (联系客服, 侵权投诉), document facts (文档格式：, 上传者：),
"download the whole set" links (合集下载), and the lists they append after the text (相关文档, 最新文档,
猜你喜欢, 热门文档, 相关搜索).

Phrases are data (`filters/data/docsite_boilerplate.yaml`): families of regexes with alternatives,
matched on a simplified copy of each line, so traditional pages match too. A family removes a whole
line when the line is no longer than the family's `max_chars` (a long article sentence that happens
to say 下载 or 客服 is kept), for buttons and counters only when the line is not a sentence, and
never when `max_lead_han` Han characters of article text come before the notice.
Reasons: `docsite_boilerplate_<family>` (disclaimer, preview, button, pay, service, collection,
doc_info, nav: the site's menu bar, page_number: 第 2 页 / 共 6 页 and — 3 — between preview pages); `docsite_boilerplate_preview` also for a counter glued to the end of an article line
(`……还剩8页未读，继续阅读`), which is cut off the line; `docsite_boilerplate_tail` for a list heading
after at least `min_han_before_tail` Han characters and everything after it, when what follows is
list-shaped (at most `max_tail_prose_share` of its characters in prose lines; the rest titles, file
names with page counts, snippets cut with …, links, or notices). A numbered
line next to a disclaimer that speaks of documents, downloads or the site joins the disclaimer, and a
heading such as 温馨提示： joins the notices right under it. On a page that shows any of these
notices, lines repeating the document's first line that is not a notice (at most
`max_header_chars` characters) are the running headers of its preview pages: `docsite_boilerplate_running_header`.

Signal `truncated` = 1.0 when the page says the text is only a preview (the `preview` family), or
when a list tail follows an article line cut mid-sentence (at least `min_cut_chars` characters and no
sentence end): the corpus then holds an incomplete document, which a user may want to drop.
Signals `docsite_boilerplate_lines` and `docsite_boilerplate_chars` are always recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from filters.base import Document, Removal, Stage, Verdict, merge_removals
from filters.patterns import alternation, load_yaml, simplified_table
from filters.textstats import (
    URL_RE,
    Line,
    count_han,
    ends_sentence,
    is_list_item,
    iter_lines,
    labelled_line_spans,
)

PATTERN_FILE = "docsite_boilerplate.yaml"
_SNIPPET_END_RE = re.compile(r"(?:\.\.\.|…|>>|》》|»)\s*$")
_DOC_NAME_RE = re.compile(r"\.(?:docx?|pdf|pptx?|xlsx?|txt|wps)\b|\d+\s*页", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Family:
    reason: str
    max_chars: int | None
    truncated: bool
    sentences: bool
    regex: re.Pattern[str]


class DocsiteBoilerplate(Stage):
    name = "docsite_boilerplate"

    def __init__(
        self,
        min_han_before_tail: int = 30,
        max_title_chars: int = 80,
        max_tail_prose_share: float = 0.3,
        min_cut_chars: int = 20,
        max_lead_han: int = 15,
        max_header_chars: int = 40,
    ) -> None:
        self.min_han_before_tail = min_han_before_tail
        self.max_title_chars = max_title_chars
        self.max_tail_prose_share = max_tail_prose_share
        self.min_cut_chars = min_cut_chars
        self.max_lead_han = max_lead_han
        self.max_header_chars = max_header_chars
        config: dict[str, Any] = load_yaml(PATTERN_FILE)
        self._to_simplified = simplified_table()
        self._families = [
            _Family(
                reason=spec["reason"],
                max_chars=spec.get("max_chars"),
                truncated=bool(spec.get("truncated", False)),
                sentences=bool(spec.get("sentences", True)),
                regex=re.compile("|".join(f"(?:{p})" for p in spec["patterns"]), re.IGNORECASE),
            )
            for spec in config["families"]
        ]
        self._inline_tail_re = re.compile("|".join(f"(?:{p})" for p in config["inline_tails"]), re.IGNORECASE)
        headings = "(?:" + "|".join(f"(?:{p})" for p in config["tail_headings"]) + ")"
        self._heading_re = re.compile(
            rf"[\s【\[〔(（<《■●▌|｜#>]*{headings}[\s】\]〕)）>》]*(?:[：:>»]+\s*(?P<rest>.*))?",
            re.IGNORECASE,
        )
        self._notice_word_re = re.compile(alternation(config["notice_words"]))
        notice_headings = alternation(config["notice_headings"])
        self._notice_heading_re = re.compile(rf"[\s【\[(（■●]*{notice_headings}[\s】\])）]*[：:]?\s*")

    def judge(self, doc: Document) -> Verdict:
        lines = iter_lines(doc.text)
        simple = doc.text.translate(self._to_simplified)
        labels: list[str | None] = [None] * len(lines)
        removals: list[Removal] = []
        truncated = False
        for index, line in enumerate(lines):
            stripped = line.text.strip()
            if not stripped:
                continue
            family = self._family(stripped, simple[line.start : line.end].strip())
            if family is not None:
                labels[index] = family.reason
                truncated |= family.truncated
                continue
            tail = self._inline_tail_re.search(simple, line.start, line.end)
            if tail and count_han(line.text[: tail.start() - line.start]) > 0:
                removals.append(Removal(tail.start(), line.end, self.reason("preview")))
                truncated = True
        self._join_numbered_notices(lines, simple, labels)
        self._join_notice_headings(lines, simple, labels)
        cut = self._tail(lines, simple, labels)
        if any(labels) or removals:
            self._running_headers(lines, labels)
        if cut:
            truncated = True

        for start, end, label in labelled_line_spans(lines, labels):
            removals.append(Removal(start, end, self.reason(label)))
        removals = merge_removals(removals)
        signals: dict[str, float | int] = {
            "docsite_boilerplate_lines": sum(label is not None for label in labels),
            "docsite_boilerplate_chars": sum(removal.end - removal.start for removal in removals),
        }
        if truncated:
            signals["truncated"] = 1.0
        return Verdict(removals=removals, signals=signals)

    def _family(self, stripped: str, simple: str) -> _Family | None:
        """The first family that claims the whole line, or None.

        A notice glued after article text (`……圆满完成。还剩5页未读`) does not claim the line: the
        line keeps its text and only an inline tail is cut.
        """
        found: _Family | None = None
        earliest = len(simple)
        for family in self._families:
            if family.max_chars is not None and len(stripped) > family.max_chars:
                continue
            if not family.sentences and ends_sentence(stripped):
                continue
            match = family.regex.search(simple)
            if match is not None:
                found = found or family
                earliest = min(earliest, match.start())
        if found is not None and count_han(stripped[:earliest]) >= self.max_lead_han:
            return None
        return found

    def _join_numbered_notices(self, lines: list[Line], simple: str, labels: list[str | None]) -> None:
        """Numbered lines of a disclaimer list that no pattern caught (`4、本站不保证…`)."""

        def joins(index: int) -> bool:
            line = lines[index]
            return (
                labels[index] is None
                and is_list_item(line.text)
                and self._notice_word_re.search(simple, line.start, line.end) is not None
            )

        for index in range(1, len(lines)):
            if labels[index - 1] == "disclaimer" and joins(index):
                labels[index] = "disclaimer"
        for index in range(len(lines) - 2, -1, -1):
            if labels[index + 1] == "disclaimer" and joins(index):
                labels[index] = "disclaimer"

    def _join_notice_headings(self, lines: list[Line], simple: str, labels: list[str | None]) -> None:
        """`温馨提示：` alone on a line, right above the notices it introduces."""
        following: str | None = None
        for index in range(len(lines) - 1, -1, -1):
            line = lines[index]
            if not line.text.strip():
                continue
            if (
                labels[index] is None
                and following is not None
                and self._notice_heading_re.fullmatch(simple, line.start, line.end)
            ):
                labels[index] = following
            following = labels[index]

    def _running_headers(self, lines: list[Line], labels: list[str | None]) -> None:
        """On a document-site page, the title repeated further down is a page's running header."""
        texts = [(index, "".join(line.text.split())) for index, line in enumerate(lines)]
        texts = [(index, text) for index, text in texts if text and labels[index] is None]
        if not texts or len(texts[0][1]) > self.max_header_chars:
            return
        title = texts[0][1]
        for index, text in texts[1:]:
            if text == title:
                labels[index] = "running_header"

    def _tail(self, lines: list[Line], simple: str, labels: list[str | None]) -> bool:
        """Label a list tail; True when the article line before it was cut mid-sentence."""
        han_before = 0
        for index, line in enumerate(lines):
            heading = self._heading_re.fullmatch(simple[line.start : line.end].strip())
            if heading is not None and han_before >= self.min_han_before_tail:
                rest = (heading.group("rest") or "").strip()
                if (not rest or self._title_like(rest)) and self._list_shaped(lines, index + 1, labels):
                    return self._label_tail(lines, index, labels)
            if labels[index] is None:
                han_before += count_han(line.text)
        return False

    def _list_shaped(self, lines: list[Line], first: int, labels: list[str | None]) -> bool:
        """Whether lines `first`.. are titles and notices, with at most `max_tail_prose_share` prose."""
        prose = total = 0
        for index in range(first, len(lines)):
            text = lines[index].text.strip()
            total += len(text)
            if text and labels[index] is None and not self._title_like(text):
                prose += len(text)
        return prose <= self.max_tail_prose_share * total

    def _label_tail(self, lines: list[Line], heading: int, labels: list[str | None]) -> bool:
        for index in range(heading, len(lines)):
            if lines[index].text.strip():
                labels[index] = labels[index] or "tail"
        previous = heading - 1
        while previous >= 0 and (not lines[previous].text.strip() or labels[previous] is not None):
            previous -= 1
        if previous < 0:
            return False
        last_article = lines[previous].text.strip()
        return len(last_article) >= self.min_cut_chars and not ends_sentence(last_article)

    def _title_like(self, text: str) -> bool:
        """A line of a document list: a title, a file name with its page count, a cut snippet, a link."""
        if _DOC_NAME_RE.search(text) or _SNIPPET_END_RE.search(text) or URL_RE.search(text):
            return True
        return len(text) <= self.max_title_chars and not ends_sentence(text)

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
doc_info, nav: the site's menu bar or banner, page_number: 第 2 页 / 共 6 页 and — 3 — between preview
pages); `docsite_boilerplate_preview` also for a counter glued to the end of an article line
(`……还剩8页未读，继续阅读`), which is cut off the line. A numbered line next to a disclaimer that
speaks of documents, downloads or the site joins the disclaimer, and a heading such as 温馨提示：
joins the notices right under it.

Tails (`docsite_boilerplate_tail`): a list heading (相关文档, 猜你喜欢) after at least
`min_han_before_tail` Han characters and everything after it, when what follows is list-shaped (at
most `max_tail_prose_share` of its characters in prose lines; the rest titles, entries with a file
type, page count or counters, snippets cut with …, links, or notices). On a document-site page a
list is also known by its items, whatever its heading says: `min_tail_items` entries in a row, with
the short line right above them that names a list (`max_list_heading_chars`, a word such as 推荐 or
喜欢), are a tail with what follows when that is list-shaped, else removed alone.

A page is a document-site page once any of the above is found. There, mechanisms that would be too
bold on an ordinary page also apply. Notice lists without an anchor line: a run of lines at the top
or bottom of the text (no article prose between it and the edge) holding at least two notice words
(本站, 文档, 下载, 上传, 版权, 付费…) per line and `min_notice_density` per Han character is
`docsite_boilerplate_disclaimer`. A short line (at most `max_file_name_chars`) ending in a document
file type (某某报告.docx), not numbered and not an 附件 line, is the file name shown above the
preview: `docsite_boilerplate_file_name`. Lines repeating the document's first line that is not a
notice (at most `max_header_chars` characters) are the running headers of its preview pages:
`docsite_boilerplate_running_header`.

Signal `truncated` = 1.0 when the page says the text is only a preview (the `preview` family; not
`已浏览全部 5 页`, which says the whole was shown), or when a document-site text ends mid-clause:
its last line with clause marks ends with ，、； or is at least `min_cut_chars` long and stops on a
Han character (signatures, dates and footers after it do not count). The corpus then holds an
incomplete document, which a user may want to drop. Signals `docsite_boilerplate_lines` and
`docsite_boilerplate_chars` are always recorded.
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
    has_clause_marks,
    is_han,
    is_list_item,
    iter_lines,
    labelled_line_spans,
)

PATTERN_FILE = "docsite_boilerplate.yaml"
_SNIPPET_END_RE = re.compile(r"(?:\.\.\.|…|>>|》》|»)\s*$")
# Facts a document list gives per item: its page count (8页, (12页)), its reads and downloads.
_ITEM_FACT_RE = re.compile(
    r"(?<![第共\d])\d+\s*页\s*(?:$|[|｜/·•,，\s)）\]】])|[(（]\s*\d+\s*页\s*[)）]"
    r"|\d+(?:\.\d+)?\s*[万千kKwW]?\s*(?:次|人)?(?:下载|浏览|阅读)"
    r"|(?:下载|浏览|阅读)(?:量|次数|数)\s*[：:]?\s*\d"
)
_FILE_SIZE = r"(?:\s*[(（\[]?\s*\d+(?:\.\d+)?\s*[kmg]?b\s*[)）\]]?)?"
# Marks after which a line cannot be the end of a text: the next clause was cut off.
_OPEN_CLAUSE_MARKS = "，,、；;：:"


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
        min_notice_density: float = 0.08,
        min_tail_items: int = 2,
        max_list_heading_chars: int = 16,
        max_file_name_chars: int = 60,
    ) -> None:
        self.min_han_before_tail = min_han_before_tail
        self.max_title_chars = max_title_chars
        self.max_tail_prose_share = max_tail_prose_share
        self.min_cut_chars = min_cut_chars
        self.max_lead_han = max_lead_han
        self.max_header_chars = max_header_chars
        self.min_notice_density = min_notice_density
        self.min_tail_items = min_tail_items
        self.max_list_heading_chars = max_list_heading_chars
        self.max_file_name_chars = max_file_name_chars
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
        extensions = alternation(config["doc_extensions"])
        self._extension_re = re.compile(rf"\.{extensions}(?![a-z])", re.IGNORECASE)
        self._file_name_re = re.compile(rf"[^\s，。；：:,;].*\.{extensions}{_FILE_SIZE}", re.IGNORECASE)
        self._list_heading_re = re.compile(alternation(config["list_heading_words"]))

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
        docsite = any(labels) or bool(removals) or self._has_tail_heading(lines, simple)
        if docsite:
            self._notice_runs(lines, simple, labels)
        if not self._tail(lines, simple, labels) and docsite:
            self._item_tail(lines, labels)
        if docsite:
            self._file_names(lines, labels)
            self._running_headers(lines, labels)
            truncated |= self._ends_cut(lines, labels)

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

    def _has_tail_heading(self, lines: list[Line], simple: str) -> bool:
        return any(self._heading_re.fullmatch(simple[line.start : line.end].strip()) for line in lines)

    def _tail(self, lines: list[Line], simple: str, labels: list[str | None]) -> bool:
        """Label a list tail under a heading (相关文档); True when one was found."""
        han_before = 0
        for index, line in enumerate(lines):
            heading = self._heading_re.fullmatch(simple[line.start : line.end].strip())
            if heading is not None and han_before >= self.min_han_before_tail:
                rest = (heading.group("rest") or "").strip()
                if (not rest or self._title_like(rest)) and self._list_shaped(lines, index + 1, labels):
                    self._label_run(lines, labels, index, len(lines))
                    return True
            if labels[index] is None:
                han_before += count_han(line.text)
        return False

    def _item_tail(self, lines: list[Line], labels: list[str | None]) -> None:
        """A document list known by its items, whatever its heading says (or without one).

        At least `min_tail_items` lines in a row shaped like a site's document entries (a title with
        its page count, a file name, read/download counters) after the article: with the short
        heading right above them that names a list (你可能还喜欢), they and everything after are a
        tail when what follows is list-shaped; otherwise the run and its heading alone are removed.
        """
        han_before = 0
        index = 0
        while index < len(lines):
            end = index
            while end < len(lines) and labels[end] is None and self._item_shaped(lines[end].text.strip()):
                end += 1
            if end - index >= self.min_tail_items and han_before >= self.min_han_before_tail:
                headed = index > 0 and self._list_heading(lines[index - 1].text, labels[index - 1])
                start = index - 1 if headed else index
                if self._list_shaped(lines, end, labels):
                    self._label_run(lines, labels, start, len(lines))
                    return
                # Inside the text only under a heading: the document's own attachment list has none.
                if headed:
                    self._label_run(lines, labels, start, end)
            if end > index:
                index = end
                continue
            if labels[index] is None:
                han_before += count_han(lines[index].text)
            index += 1

    def _item_shaped(self, text: str) -> bool:
        """An entry of a site's document list: a short line with a file type, a page count or counters."""
        return 0 < len(text) <= self.max_title_chars and not ends_sentence(text) and self._item_facts(text)

    def _item_facts(self, text: str) -> bool:
        simple = text.translate(self._to_simplified)
        return self._extension_re.search(simple) is not None or _ITEM_FACT_RE.search(simple) is not None

    def _list_heading(self, text: str, label: str | None) -> bool:
        """A short line naming the list below it: 你可能还喜欢, 精选推荐, 大家都在下载."""
        text = text.strip()
        return (
            label is None
            and 0 < len(text) <= self.max_list_heading_chars
            and not has_clause_marks(text)
            and self._list_heading_re.search(text.translate(self._to_simplified)) is not None
        )

    def _label_run(self, lines: list[Line], labels: list[str | None], first: int, end: int) -> None:
        for index in range(first, end):
            if lines[index].text.strip():
                labels[index] = labels[index] or "tail"

    def _notice_runs(self, lines: list[Line], simple: str, labels: list[str | None]) -> None:
        """Notice lists no pattern anchors, known by the density of notice words at an edge of the text.

        A run of consecutive lines (numbered or not; a title-shaped line only when numbered), each
        with a notice word, is a notice when it holds at least two per line and
        `min_notice_density` per Han character, and no article prose lies between it and the start
        or the end of the text (titles and list entries do not count as prose).
        """
        prose = [
            labels[i] is None and not self._title_like(line.text.strip()) for i, line in enumerate(lines)
        ]
        prose_before = [0] * (len(lines) + 1)
        for index, is_prose in enumerate(prose):
            prose_before[index + 1] = prose_before[index] + is_prose

        def words(index: int) -> int:
            line = lines[index]
            text = line.text.strip()
            if labels[index] is not None or not text or (self._title_like(text) and not is_list_item(text)):
                return 0
            return len(self._notice_word_re.findall(simple, line.start, line.end))

        index = 0
        while index < len(lines):
            end, hits, han = index, 0, 0
            while end < len(lines) and (found := words(end)):
                hits += found
                han += count_han(lines[end].text)
                end += 1
            if end == index:
                index += 1
                continue
            at_edge = prose_before[index] == 0 or prose_before[len(lines)] == prose_before[end]
            if at_edge and hits >= 2 * (end - index) and hits >= self.min_notice_density * han:
                for run_index in range(index, end):
                    labels[run_index] = "disclaimer"
            index = end

    def _file_names(self, lines: list[Line], labels: list[str | None]) -> None:
        """The file name a site shows above its preview (某某报告.docx): a short line ending in a file type.

        An attachment list of the document itself (附件：1. 某某表.xlsx) is numbered or says 附件.
        """
        for index, line in enumerate(lines):
            text = line.text.strip()
            if (
                labels[index] is None
                and len(text) <= self.max_file_name_chars
                and not is_list_item(text)
                and not text.startswith(("附件", "附表"))
                and self._file_name_re.fullmatch(text)
            ):
                labels[index] = "file_name"

    def _ends_cut(self, lines: list[Line], labels: list[str | None]) -> bool:
        """Whether the text ends mid-clause: the site cut the document off where its preview ends.

        The last line with clause marks (signatures, dates and the site's footer after it have none)
        ends with a clause mark (，、；), or is at least `min_cut_chars` long and stops on a Han
        character with no sentence end.
        """
        for index in range(len(lines) - 1, -1, -1):
            text = lines[index].text.strip()
            if labels[index] is not None or not has_clause_marks(text):
                continue
            if text[-1] in _OPEN_CLAUSE_MARKS:
                return True
            return len(text) >= self.min_cut_chars and is_han(text[-1])
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

    def _title_like(self, text: str) -> bool:
        """A line of a document list: a title, a file name with its page count, a cut snippet, a link."""
        if self._item_facts(text) or _SNIPPET_END_RE.search(text) or URL_RE.search(text):
            return True
        return len(text) <= self.max_title_chars and not ends_sentence(text)

"""Page debris: the lines of a page's frame that extraction leaves around and inside the article.

Government and party pages wrap the article in breadcrumbs (`首页>…`, `当前位置：…`), date and
source headers (`2018年07月19日 11:22 | 来源：中央统战部网站`), share bars (`分享到：微信 微博 QQ空间`),
print/close/font-size widgets (`【打印】【关闭窗口】`, `字号：大 中 小`), QR prompts (`扫一扫在手机打开
当前页`), image placeholders (`圖片.png`, `[图片]`), photo captions (`▲…`, `图为…`, `记者 张三 摄`),
editor and keyword lines (`编辑：李晨阳`, `关键词：…`), `更多>>`, previous/next links, footers (ICP备,
公网安备, 版权所有, 主办/承办单位, 网站标识码, 网站地图) and report widgets (违法和不良信息举报). Each
is removed as a whole line with reason `page_debris_<category>` (categories below and in the rule
file). Traditional pages are matched by the same rules: lines are compared in a character-by-
character simplified copy.

Two kinds of evidence, both data in `data/page_debris.yaml`:
- Label lines: a line made only of `label：value` fields (来源, 作者, 编辑, 责任编辑, 审核, 校对, 摄影,
  关键词, 发布时间, 浏览次数, 字号…), dates, times and widget/share words, between bars, brackets
  and spaces. Nothing else may be left over, each value is short and holds no sentence mark, so
  `作者：本文系…的讲话。` or a sentence that mentions 编辑 is never one. Reasons: `dateline` (holds a
  date), `source`, `byline` (author, editor, reviewer, proofreader, photographer), `keywords`,
  `share`, `widget`. A line that is only a date is how a notice is signed, so it counts only
  before the article starts; a line of only `时间：`/`日期：` fields is how a meeting notice states
  when it meets (`时间：2024年3月15日 9:00`, even above the notice's first sentence), so it is never
  removed for that alone. Values of person labels must look like names (`记者：请问今年有哪些新
  举措` is an interview question, not a byline).
  The values are not lost: `source_name`, `author` and `published_at` (China time, +08:00) are set
  through `Verdict.updates` when the record has none; `author` is the 作者/记者 named, else the
  editor. Tags: `editor`, `reviewer`, `proofreader`, `photographer`, `keywords`.
  A bracketed date alone under a title or speaker line (`（2023年11月6日）` under `市长 某某某`)
  is how a speech, a report or a regulation states when it was given or adopted: it is part of the
  document's heading and is kept. A judgement call: only a date written out (年月日) in brackets
  counts, so a news site that brackets a written-out dateline under its headline keeps that date
  in the text, while `（2023-11-06）` or an unbracketed date there is still a dateline.
  The attribution line that ends many articles, `（来源：酒泉市委统战部）`, is such a label line: it
  names the publishing body, which is metadata, not article text, so it moves to `source_name`
  and the line goes.
- Line rules (`breadcrumb`, `qr`, `image`, `caption`, `more`, `nav`, `footer`, `report`): regexes
  that match the whole line or occur in it, each with a longest line length it judges (a long prose
  sentence that mentions 首页 or 版权所有 is kept) and a position: `any` for shapes that never occur
  in prose, `edge` for words that may (联系我们, 版权所有, 举报电话), which count only before the first
  or after the last prose line (15+ Han characters ending with a sentence mark). `weak` rules
  (an address or a phone number) count only next to another removed footer line in that zone.
  Words an article uses too (意见建议, 联系我们, 主办) are rules with `prose: false`: they never fire
  on a prose-shaped line (15+ Han characters with an inner sentence mark, two commas, a sentence
  end or a final colon), so a first or last paragraph that mentions them is article and is itself
  the edge of the prose, not a footer line before it. Copyright and reprint notices fire on
  prose-shaped lines only as short statements in which the site speaks of itself
  (`prose_max_chars`, `prose_when`): `本网稿件版权所有，未经授权不得转载。` is a footer, a paragraph
  reporting that others reprint without permission is not. Shapes several rules share (the
  breadcrumb separators, a photographer's credit) are written once as `fragments` in the rule file.

Signals: `page_debris_lines` (lines removed).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from filters.base import Document, Removal, Stage, Verdict
from filters.patterns import DATE_RE, alternation, load_yaml, parse_china_datetime, simplified_table
from filters.textstats import (
    MIN_PROSE_HAN,
    Line,
    count_han,
    ends_sentence,
    is_prose_sentence,
    is_title_like,
    iter_lines,
)

RULE_FILE = "page_debris.yaml"
_MAX_LABEL_LINE_CHARS = 160
_MAX_VALUE_CHARS = 60
# Kinds of label-line fields that make a line debris wherever it is.
_PERSON_KINDS = frozenset({"author", "editor", "reviewer", "proofreader", "photographer"})
_STRONG_KINDS = _PERSON_KINDS | {"source", "keywords", "date", "counter", "widget_label", "widget", "share"}
_DATE_ONLY_KINDS = frozenset({"bare_date", "time"})
_PERSON_SPLIT_RE = re.compile(r"[\s、，,/／;；]+")
_REPORTER_LABELS = frozenset({"记者", "通讯员"})
_REPORTER_NAME_CHARS = 4
_MAX_PERSON_TOKEN_CHARS = 12
_TAG_KINDS = ("editor", "reviewer", "proofreader", "photographer", "keywords")
# Labels that may be followed by a name without a colon: `记者 张三`, `编辑 李四`.
_NAME_LABELS = (
    "作者",
    "记者",
    "本报记者",
    "通讯员",
    "编辑",
    "责任编辑",
    "责编",
    "摄影",
    "校对",
    "审核",
    "撰稿",
)
_SLASH_LABELS = {
    "文": "author",
    "撰文": "author",
    "文图": "author",
    "图文": "author",
    "图": "photographer",
    "摄影": "photographer",
}
_SEPARATORS_RE = re.compile(r"[\s|｜丨│¦【】\[\]〔〕「」<>＜＞：:，,;；]+")
_HARD_STOP = r"[|｜丨│¦【】\[\]〔〕]"
_TIME_RE = re.compile(r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?")
_SENTENCE_MARK_RE = re.compile(r"[。！？!?]")
_NAMES_RE = re.compile(r"[\u4e00-\u9fff·]{2,6}(?:[\s、，,]+[\u4e00-\u9fff·]{2,6})*")
_KEYWORD_SPLIT_RE = re.compile(r"[\s,，、;；|｜]+")
_WRAPPERS = {"(": ")", "（": "）", "【": "】", "[": "]", "〔": "〕"}
_INNER_SENTENCE_MARK_RE = re.compile(r"[。！？；!?;]")
_FIELD_LABEL_RE = re.compile(r"[\u4e00-\u9fff]{2,6}\s*[：:]")
_MIN_PROSE_COMMAS = 2
_MAX_HEADING_CHARS = 40
# How a speech or a report writes its date (2023年11月6日); a site's dateline is often 2023-11-06.
_WRITTEN_DATE_RE = re.compile(r"年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_FRAGMENT_RE = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True, slots=True)
class _Rule:
    category: str
    pattern: re.Pattern[str]
    full: bool
    edge_only: bool
    max_chars: int
    weak: bool
    sentences: bool
    prose: bool
    prose_max_chars: int | None
    prose_when: re.Pattern[str] | None

    def fires_on_prose(self, simple: str) -> bool:
        """Whether the rule may judge this prose-shaped line (see `prose` in the rule file)."""
        if not self.prose or len(simple) > (self.prose_max_chars or self.max_chars):
            return False
        if self.prose_when is None:
            return True
        first_sentence = _INNER_SENTENCE_MARK_RE.split(simple, maxsplit=1)[0]
        return self.prose_when.search(first_sentence) is not None


@dataclass(slots=True)
class _LabelLine:
    """The fields of a label line: (kind, value) pairs and the dates found."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    dates: list[dt.datetime] = field(default_factory=list)

    @property
    def kinds(self) -> set[str]:
        return {kind for kind, _ in self.fields}

    def category(self) -> str:
        kinds = self.kinds
        if kinds & {"date", "bare_date", "weak_date", "time"}:
            return "dateline"
        if "source" in kinds:
            return "source"
        if kinds & _PERSON_KINDS:
            return "byline"
        if "keywords" in kinds:
            return "keywords"
        if "share" in kinds:
            return "share"
        return "widget"


@dataclass(slots=True)
class _LineVerdict:
    category: str
    label: _LabelLine | None = None
    edge_only: bool = False
    weak: bool = False


class PageDebris(Stage):
    name = "page_debris"

    def __init__(self, set_metadata: bool = True, max_label_line_chars: int = _MAX_LABEL_LINE_CHARS) -> None:
        self.set_metadata = set_metadata
        self.max_label_line_chars = max_label_line_chars
        config: dict[str, Any] = load_yaml(RULE_FILE)
        self._to_simplified = simplified_table()
        fragments = _expand_fragments(config.get("fragments") or {})
        self._rules = [self._compile_rule(spec, fragments) for spec in config["rules"]]
        self._label_kind: dict[str, str] = {}
        for kind, words in config["labels"].items():
            for word in words:
                self._label_kind.setdefault(str(word).lower(), "widget_label" if kind == "widget" else kind)
        labels = alternation(self._label_kind)
        flags = re.IGNORECASE
        self._label_re = re.compile(rf"(?P<label>{labels})\s*[：:]\s*", flags)
        self._name_label_re = re.compile(rf"(?P<label>{alternation(_NAME_LABELS)})\s+(?=[\u4e00-\u9fff])")
        self._slash_label_re = re.compile(rf"(?P<label>{alternation(_SLASH_LABELS)})\s*[/／]\s*")
        self._value_end_re = re.compile(
            rf"{_HARD_STOP}|\s*{labels}\s*[：:]|\s+{alternation(_NAME_LABELS)}\s|{DATE_RE.pattern}", flags
        )
        self._share_words = frozenset(str(word).lower() for word in config["share_words"])
        self._widget_words = frozenset(str(word).lower() for word in config["widget_words"])
        self._word_re = re.compile(alternation(self._share_words | self._widget_words), flags)

    @staticmethod
    def _compile_rule(spec: dict[str, Any], fragments: dict[str, str]) -> _Rule:
        joined = "|".join(f"(?:{_fill(pattern, fragments)})" for pattern in spec["patterns"])
        prose_max = spec.get("prose_max_chars")
        prose_when = spec.get("prose_when")
        return _Rule(
            category=spec["category"],
            pattern=re.compile(joined, re.IGNORECASE),
            full=spec["match"] == "full",
            edge_only=spec["where"] == "edge",
            max_chars=int(spec["max_chars"]),
            weak=bool(spec.get("weak", False)),
            sentences=bool(spec.get("sentences", True)),
            prose=bool(spec.get("prose", True)),
            prose_max_chars=None if prose_max is None else int(prose_max),
            prose_when=None if prose_when is None else re.compile(prose_when, re.IGNORECASE),
        )

    def judge(self, doc: Document) -> Verdict:
        lines = iter_lines(doc.text)
        simplified = [line.text.strip().translate(self._to_simplified) for line in lines]
        candidates = [self._candidate(line, simple) for line, simple in zip(lines, simplified, strict=True)]
        for index in range(1, len(candidates)):
            if self._heading_date(simplified, candidates, index):
                candidates[index] = None
        prose = [
            index
            for index, (line, found) in enumerate(zip(lines, candidates, strict=True))
            if found is None and is_prose_sentence(line.text)
        ]
        first_prose, last_prose = (prose[0], prose[-1]) if prose else (len(lines), -1)
        decided: dict[int, _LineVerdict] = {}
        for index, found in enumerate(candidates):
            if found is None:
                continue
            in_head = index < first_prose
            in_edge = in_head or index > last_prose
            if found.label is not None:
                kinds = found.label.kinds
                if kinds & _STRONG_KINDS or (in_head and kinds <= _DATE_ONLY_KINDS):
                    decided[index] = found
            elif not found.weak and (in_edge or not found.edge_only):
                if (
                    found.edge_only
                    and in_head
                    and index <= last_prose
                    and is_prose_sentence(lines[index].text)
                ):
                    continue  # the article's own first sentences may mention 主办 or 意见建议
                decided[index] = found
        self._add_weak_neighbours(candidates, decided, first_prose, last_prose)

        verdict = Verdict(signals={"page_debris_lines": len(decided)})
        verdict.removals = self._line_removals(lines, decided)
        if self.set_metadata:
            self._collect_metadata(
                doc, [found.label for _, found in sorted(decided.items()) if found.label], verdict
            )
        return verdict

    @staticmethod
    def _heading_date(simplified: list[str], candidates: list[_LineVerdict | None], index: int) -> bool:
        """A bracketed date alone, right under a title or speaker line: the date of a speech or a
        report (`（2023年11月6日）`), part of the document's heading rather than the page's dateline."""
        found = candidates[index]
        if found is None or found.label is None or found.label.kinds != {"bare_date"}:
            return False
        if _unwrap(simplified[index]) == (0, len(simplified[index])) or candidates[index - 1] is not None:
            return False
        above = simplified[index - 1]
        written_out = _WRITTEN_DATE_RE.search(simplified[index]) is not None
        return written_out and is_title_like(above, _MAX_HEADING_CHARS) and count_han(above) >= 2

    # --- judging one line ---------------------------------------------------------------------

    def _candidate(self, line: Line, simple: str) -> _LineVerdict | None:
        """What a line would be if it were in the right place; None for an ordinary line."""
        if not simple:
            return None
        if len(simple) <= self.max_label_line_chars:
            label = self._parse_label_line(simple, line.text.strip())
            if label is not None:
                return _LineVerdict(label.category(), label=label)
        sentence = ends_sentence(simple)
        prose = _prose_shaped(simple)
        for rule in self._rules:
            if len(simple) > rule.max_chars or (sentence and not rule.sentences):
                continue
            if prose and not rule.fires_on_prose(simple):
                continue
            matched = rule.pattern.fullmatch(simple) if rule.full else rule.pattern.search(simple)
            if matched:
                return _LineVerdict(rule.category, edge_only=rule.edge_only, weak=rule.weak)
        return None

    def _parse_label_line(self, simple: str, original: str) -> _LabelLine | None:
        """The fields of a line made only of labels, dates and widget words; None for any other line."""
        pos, end = _unwrap(simple)
        label_line = _LabelLine()
        while True:
            separators = _SEPARATORS_RE.match(simple, pos, end)
            if separators:
                pos = separators.end()
            if pos >= end:
                break
            next_pos = self._field(simple, original, pos, end, label_line)
            if next_pos is None:
                return None
            pos = next_pos
        return label_line if label_line.fields else None

    def _field(self, simple: str, original: str, pos: int, end: int, out: _LabelLine) -> int | None:
        """Read one field at `pos` into `out`; the position after it, or None if none fits."""
        match = self._label_re.match(simple, pos, end)
        if match:
            kind = self._label_kind[match.group("label").lower()]
            value_end = self._value_end(simple, match.end(), end)
            value = original[match.end() : value_end].strip()
            if len(value) > _MAX_VALUE_CHARS or _SENTENCE_MARK_RE.search(value):
                return None
            value, _ = self._split_trailing_widgets(value)
            if kind in _PERSON_KINDS and not _person_value(match.group("label"), value):
                return None
            out.fields.append((kind, value))
            if kind in {"date", "weak_date"} and (date := DATE_RE.search(simple, match.end(), value_end)):
                self._add_date(out, date)
            return value_end
        match = self._name_label_re.match(simple, pos, end) or self._slash_label_re.match(simple, pos, end)
        if match:
            value_end = self._value_end(simple, match.end(), end)
            value = original[match.end() : value_end].strip()
            if not _NAMES_RE.fullmatch(value):
                return None
            label = match.group("label")
            kind = _SLASH_LABELS[label] if match.re is self._slash_label_re else self._label_kind[label]
            out.fields.append((kind, value))
            return value_end
        match = DATE_RE.match(simple, pos, end)
        if match:
            out.fields.append(("bare_date", match.group()))
            self._add_date(out, match)
            return match.end()
        match = _TIME_RE.match(simple, pos, end)
        if match:
            out.fields.append(("time", match.group()))
            return match.end()
        match = self._word_re.match(simple, pos, end)
        if match:
            word = match.group().lower()
            out.fields.append(("share" if word in self._share_words else "widget", word))
            return match.end()
        return None

    def _value_end(self, simple: str, start: int, end: int) -> int:
        stop = self._value_end_re.search(simple, start, end)
        return stop.start() if stop else end

    def _split_trailing_widgets(self, value: str) -> tuple[str, list[str]]:
        """`新华网 打印 关闭` -> (`新华网`, [`打印`, `关闭`])."""
        words = value.split()
        trailing: list[str] = []
        while (
            len(words) > 1
            and words[-1].translate(self._to_simplified).lower() in self._widget_words | self._share_words
        ):
            trailing.insert(0, words.pop())
        return " ".join(words) if trailing else value, trailing

    @staticmethod
    def _add_date(out: _LabelLine, match: re.Match[str]) -> None:
        parsed = parse_china_datetime(match)
        if parsed is not None:
            out.dates.append(parsed)

    # --- zones, neighbours and removals -------------------------------------------------------

    @staticmethod
    def _add_weak_neighbours(
        candidates: list[_LineVerdict | None],
        decided: dict[int, _LineVerdict],
        first_prose: int,
        last_prose: int,
    ) -> None:
        """Weak footer lines in the edge zone join a neighbouring removed footer or report line."""
        changed = True
        while changed:
            changed = False
            for index, found in enumerate(candidates):
                if found is None or not found.weak or index in decided:
                    continue
                if first_prose <= index <= last_prose:
                    continue
                neighbours = (decided.get(index - 1), decided.get(index + 1))
                if any(n is not None and n.category in {"footer", "report"} for n in neighbours):
                    decided[index] = found
                    changed = True

    @staticmethod
    def _line_removals(lines: list[Line], decided: dict[int, _LineVerdict]) -> list[Removal]:
        """Each removed line with its newline; a block that ends the text takes the newline before it."""
        tail_start = len(lines)
        while tail_start - 1 in decided:
            tail_start -= 1
        removals = []
        for index in sorted(decided):
            line = lines[index]
            start = line.start - 1 if index == tail_start and index > 0 else line.start
            removals.append(Removal(start, line.end_nl, f"page_debris_{decided[index].category}"))
        return removals

    def _collect_metadata(self, doc: Document, labels: list[_LabelLine], verdict: Verdict) -> None:
        values: dict[str, str] = {}
        dates: list[dt.datetime] = []
        for label in labels:
            for kind, value in label.fields:
                if value and kind not in values:
                    values[kind] = value
            dates.extend(label.dates)
        author = values.get("author") or values.get("editor")
        found = {
            "source_name": values.get("source"),
            "author": author,
            "published_at": dates[0] if dates else None,
        }
        for key, value in found.items():
            if value and getattr(doc, key) in (None, ""):
                verdict.updates[key] = value
        for kind in _TAG_KINDS:
            if kind in values:
                verdict.tags[kind] = (
                    " ".join(_KEYWORD_SPLIT_RE.split(values[kind])) if kind == "keywords" else values[kind]
                )


def _person_value(label: str, value: str) -> bool:
    """Whether a person label's value is a list of names (or units), not a sentence.

    `记者`/`通讯员` also open the questions of an interview (`记者：请问今年有哪些新举措`), so their
    values must be personal names: two to four Han characters, or a name with a middle dot.
    """
    tokens = [token for token in _PERSON_SPLIT_RE.split(value) if token]
    limit = _REPORTER_NAME_CHARS if label in _REPORTER_LABELS else _MAX_PERSON_TOKEN_CHARS
    return all(
        len(token) <= limit or ("·" in token and len(token) <= _MAX_PERSON_TOKEN_CHARS) for token in tokens
    )


def _prose_shaped(text: str) -> bool:
    """A line an article writes: 15+ Han characters and an inner sentence mark, two commas, a
    sentence end or a final colon, and not a row of `label：value` fields (主办：…，承办：…)."""
    if count_han(text) < MIN_PROSE_HAN or len(_FIELD_LABEL_RE.findall(text.rstrip("：: "))) >= 2:
        return False
    stripped = text.rstrip()
    return (
        ends_sentence(stripped)
        or stripped.endswith(("：", ":"))
        or _INNER_SENTENCE_MARK_RE.search(stripped[:-1]) is not None
        or stripped.count("，") >= _MIN_PROSE_COMMAS
    )


def _expand_fragments(fragments: dict[str, Any]) -> dict[str, str]:
    """Fragments with the fragments they name filled in (`sep` uses `sep_chars`)."""
    expanded: dict[str, str] = {}
    for name, value in fragments.items():
        expanded[str(name)] = _fill(str(value), expanded)
    return expanded


def _fill(pattern: str, fragments: dict[str, str]) -> str:
    """`pattern` with each `{{name}}` replaced by its fragment; an unknown name is a rule-file error."""

    def fragment(match: re.Match[str]) -> str:
        if match.group(1) not in fragments:
            raise ValueError(f"{RULE_FILE}: unknown fragment {match.group()} in {pattern!r}")
        return fragments[match.group(1)]

    return _FRAGMENT_RE.sub(fragment, pattern)


def _unwrap(text: str) -> tuple[int, int]:
    """Bounds of `text` without one pair of brackets around all of it: `（来源：…）`."""
    if len(text) >= 2 and _WRAPPERS.get(text[0]) == text[-1]:
        return 1, len(text) - 1
    return 0, len(text)

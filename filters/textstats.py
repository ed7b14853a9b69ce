"""Character-level measures of Chinese text shared by several stages."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import xxhash

# CJK Unified Ideographs, Extension A, Compatibility Ideographs, Extensions B-F (astral).
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f"
HAN_RE = re.compile(f"[{HAN_CLASS}]")
WHITESPACE_RE = re.compile(r"\s+")


def count_han(text: str) -> int:
    return len(HAN_RE.findall(text))


def is_han(char: str) -> bool:
    return HAN_RE.match(char) is not None


SURROGATE_RE = re.compile("[\ud800-\udfff]")


def utf8_safe(text: str) -> str:
    """`text` with lone surrogates (which UTF-8 cannot encode) replaced by "?", one for one.

    For handing text to C/C++ libraries (fastText, OpenCC) that take UTF-8; offsets are kept.
    """
    try:
        text.encode("utf-8")  # several times faster than searching for surrogates
    except UnicodeEncodeError:
        return SURROGATE_RE.sub("?", text)
    return text


def normalize_for_hash(text: str) -> str:
    """NFKC, lower case, no whitespace: two texts differing only in layout hash the same."""
    return WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", text)).lower()


def content_hash(text: str) -> str:
    """The exact-duplicate key: 128-bit xxh3 of the layout-normalised text, as hex."""
    return xxhash.xxh3_128_hexdigest(normalize_for_hash(text).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a text with its offsets: `text[start:end] == line`, `end_nl` includes the newline."""

    index: int
    start: int
    end: int
    end_nl: int
    text: str


def iter_lines(text: str) -> list[Line]:
    """The lines of `text` with their character offsets (for stages that remove whole lines)."""
    lines: list[Line] = []
    start = 0
    for index, chunk in enumerate(text.split("\n")):
        end = start + len(chunk)
        end_nl = min(end + 1, len(text))
        lines.append(Line(index, start, end, end_nl, chunk))
        start = end + 1
    return lines


def lines_span(lines: list[Line], first: int, last: int) -> tuple[int, int]:
    """Offsets covering lines `first`..`last` with their line breaks.

    A run that ends the text takes the break before it instead, so no dangling newline is left.
    """
    if last < len(lines) - 1 or first == 0 or lines[last].end_nl != lines[last].end:
        return lines[first].start, lines[last].end_nl
    return lines[first].start - 1, lines[last].end


def labelled_line_spans(lines: list[Line], labels: list[str | None]) -> list[tuple[int, int, str]]:
    """(start, end, label) for each run of consecutive lines with the same label (None: unlabelled).

    Spans take the lines' breaks; a block of labelled lines that ends the text takes the break
    before it instead (as `lines_span` does), so no dangling newline is left. Spans never overlap.
    """
    spans: list[tuple[int, int, str]] = []
    index = 0
    while index < len(labels):
        if labels[index] is None:
            index += 1
            continue
        block_first, block_spans = index, len(spans)
        while index < len(labels) and (label := labels[index]) is not None:
            first = index
            while index + 1 < len(labels) and labels[index + 1] == label:
                index += 1
            spans.append((lines[first].start, lines[index].end_nl, label))
            index += 1
        start, end = lines_span(lines, block_first, index - 1)
        spans[block_spans] = (start, *spans[block_spans][1:])
        spans[-1] = (*spans[-1][:1], end, spans[-1][2])
    return spans


# Line shapes shared by the stages that judge whole lines (page debris, related tails, page breaks).
SENTENCE_END = "。！？!?…；;"
# Closing quotes and brackets that may follow the sentence-final mark: `……。”`
CLOSING_MARKS = "”’」』）)】》〉\"'"
# Marks that cut a sentence into clauses: a line holding one is prose-shaped, not a title.
CLAUSE_MARKS = "，,、；;。！？!?"
URL_RE = re.compile(r"(?:https?://|www\.)[^\s，。；！？“”《》（）<>\u3000]+", re.IGNORECASE)
# Item markers of Chinese lists and numbered sections: 一、 一是 （一） (1) 1. 1、 ① 第一条 ■ ●
LIST_ITEM_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+\s*[、是．.]|[（(]\s*[一二三四五六七八九十百\d]+\s*[)）]"
    r"|\d{1,3}\s*[、．.)）](?!\d)|第[一二三四五六七八九十百千\d]+[条章节部分款项篇]|[①-⑳⑴-⒇⒈-⒛]"
    r"|[■□●○◆◇▪▫•·►▶★☆※√-]\s*)"
)


def ends_sentence(line: str) -> bool:
    """Whether `line` ends with sentence-final punctuation (closing quotes/brackets aside)."""
    stripped = line.rstrip().rstrip(CLOSING_MARKS)
    if not stripped:
        return False
    last = stripped[-1]
    if last in SENTENCE_END:
        return True
    # An ASCII full stop ends a sentence after Han text, not after a digit or in a URL.
    return last == "." and len(stripped) > 1 and is_han(stripped[-2])


# Han characters that make a line ending with a sentence mark a line of prose, not a label or a title.
MIN_PROSE_HAN = 15


def is_prose_sentence(line: str, min_han: int = MIN_PROSE_HAN) -> bool:
    """A line of an article's prose: it ends a sentence and holds at least `min_han` Han characters."""
    return ends_sentence(line) and count_han(line) >= min_han


def has_clause_marks(text: str) -> bool:
    return any(mark in text for mark in CLAUSE_MARKS)


def is_list_item(line: str) -> bool:
    return LIST_ITEM_RE.match(line) is not None


def is_title_like(line: str, max_chars: int = 30) -> bool:
    """A short line with no clause marks and no sentence end: a heading, a title, a caption."""
    stripped = line.strip()
    return 0 < len(stripped) <= max_chars and not has_clause_marks(stripped)

"""Chinese quality signals, measured on characters, and drops for text that is clearly not prose.

Every document gets the same `quality_*` signals, kept or not, so that a corpus builder can re-tune
from the Parquet (label-only mode records the would-be drop as a tag). Everything is counted on
characters: Chinese has no spaces between words, so whitespace tokens (Gopher's word counts, mean
word length, C4's "at least 5 words per line") measure nothing here.

Signals: `quality_n_han`; `quality_han_ratio`, `quality_digit_ratio`, `quality_latin_ratio`,
`quality_symbol_ratio` (shares of the non-space characters); `quality_sentence_punct_per_han`
(。！？；… per Han character; ordinary prose has one per 20 to 70), `quality_sentence_line_frac`
(lines holding such a mark), `quality_terminal_punct_line_frac` (lines ending with one, or with
a colon), `quality_mean_line_chars`; `quality_dup_line_frac` and `quality_dup_line_char_frac`
(repeated lines beyond their first copy, by lines and by characters); `quality_top_{2,3,4}gram_frac`
(share of characters covered by the most frequent character n-gram, Gopher's top-n-gram idea) and
`quality_dup_{5..10}gram_frac` (share of characters inside an n-gram that occurs more than once);
`quality_keyword_stuffing` (share of characters in lines of ten or more short fragments cut by
`,，、|/_` or spaces with no sentence mark, e.g. `澳门赌场,真人百家乐,时时彩,...`);
`quality_list_han` (Han characters in table rows and name/enumeration lists); `quality_n_lines`,
`quality_n_chars_nonspace`.

Why the published Western thresholds are not used (run as published they drop a quarter to a third
of ordinary Chinese news and government pages): whitespace "words" in Chinese are whole clauses, so
word counts, mean word length and symbol-per-word ratios misfire; a statistics bulletin is a fifth
digits plus `%` and table rules; headings, table rows, 一是/二是 lists, 任免 lines and signature
lines do not end with punctuation (C4's line rule would cut them); official style repeats long
fixed phrases (习近平新时代中国特色社会主义思想, 为某某县人民政府副县长 in every line of an
appointment list), so character n-grams recur far more than English word n-grams do. The defaults
below drop only what is clearly not prose, one reason per check, checked in this order:

- `quality_symbols`: over 30% of the non-space characters are symbols (`max_symbol_ratio`; Unicode
  S* categories except `|`, which the extractor writes as the table grid). Prose, even with
  ▲/★ bullets and ℃/＋ units, stays under 5%; 30% is emoji walls, box drawing, ASCII art.
- `quality_low_han_ratio`: under 10% of the non-space characters are Han (`min_han_ratio`). A
  table-heavy statistics bulletin stays near 50%, a bilingual page above 15%; below 10% is a number
  dump, script code, a URL list or a foreign-language page with a Chinese menu.
- `quality_repetitive`: repeated lines (of 5 or more characters: shorter ones are table cells and
  labels such as 亿元/男/附件) hold over half the characters (`max_dup_line_char_frac`, 0.5: the same
  advert pasted down the page; a page whose article was extracted twice sits at 0.5 and is kept), or
  one character 2-gram covers over 40% of the text (`max_top_2gram_frac`: `久久久久`, one keyword
  hammered). Ordinary pages stay under 10%; a list of 王军为副主任科员； lines reaches 30% on
  3- and 4-grams, which is why only the 2-gram is checked. The repeated 10-gram share is recorded
  but not checked by default (`max_dup_10gram_frac`): an appointment list that repeats one position
  title between the names reaches 0.9, as high as text pasted twice.
- `quality_keyword_stuffing`: over half the characters are in keyword-stuffed lines
  (`max_keyword_stuffing`; a line of `stuffing_min_fragments` or more Han fragments averaging at
  most `stuffing_max_fragment_chars` characters, without a sentence mark). Lists that look alike
  are not stuffing: names (fragments of one to three Han characters; a 2-character name padded
  with a space splits in two), enumerations of Han items separated only by `、`, and table rows
  (`| a | b |`). One 关键词/tag line inside an article is a small share.
- `quality_no_sentences`: 200 or more Han characters (`min_han_no_sentences`) outside table rows
  and name/enumeration lists, and not a single 。！？；… mark: navigation dumps, title lists, tag
  clouds. A point-form meeting notice (时间/地点/参会人员) is shorter; a 委员名单 is names; bulletins,
  reports and 任免 notices have sentences.

Text longer than `max_ngram_chars` non-space characters has its n-gram signals measured on that
prefix (bounded time on huge pages); all other signals use the whole text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from enum import Enum

import numpy as np

from filters.base import Document, Stage, Verdict
from filters.textstats import CLOSING_MARKS, HAN_CLASS, HAN_RE, SENTENCE_END, count_han

# Character classes of the lookup table.
_OTHER, _HAN, _DIGIT, _LATIN, _PUNCT, _SYMBOL = range(6)
_TERMINAL = SENTENCE_END + "：:"
_SEPARATORS_RE = re.compile(r"[,，、|｜/_\s]+")
_SENTENCE_MARK_RE = re.compile(f"[{re.escape(SENTENCE_END)}]")
_NAME_LIKE_RE = re.compile(f"[{HAN_CLASS}]{{1,3}}")
_HAN_ONLY_RE = re.compile(f"[{HAN_CLASS}]+")
# A line of at least this many separated Han fragments may be a list of names or an enumeration.
_MIN_LIST_FRAGMENTS = 4
# Shorter repeated lines are table cells and labels (亿元, 男, 附件), not repetition.
_MIN_DUPLICATE_LINE_CHARS = 5
_TOP_NS = (2, 3, 4)
_DUP_NS = (5, 6, 7, 8, 9, 10)
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


class _LineKind(Enum):
    SENTENCE = "sentence"  # holds a sentence mark
    TABLE_ROW = "table_row"  # `| a | b |`, as the extractor writes tables
    NAMES = "names"  # mostly fragments of one to three Han characters
    ENUMERATION = "enumeration"  # Han items separated by 、 only
    STUFFED = "stuffed"
    PLAIN = "plain"


class Quality(Stage):
    name = "quality"

    def __init__(
        self,
        min_han_ratio: float | None = 0.1,
        max_symbol_ratio: float | None = 0.3,
        max_dup_line_char_frac: float | None = 0.5,
        max_top_2gram_frac: float | None = 0.4,
        max_dup_10gram_frac: float | None = None,
        max_keyword_stuffing: float | None = 0.5,
        min_han_no_sentences: int | None = 200,
        stuffing_min_fragments: int = 10,
        stuffing_max_fragment_chars: float = 8.0,
        max_ngram_chars: int = 200_000,
    ) -> None:
        self.min_han_ratio = min_han_ratio
        self.max_symbol_ratio = max_symbol_ratio
        self.max_dup_line_char_frac = max_dup_line_char_frac
        self.max_top_2gram_frac = max_top_2gram_frac
        self.max_dup_10gram_frac = max_dup_10gram_frac
        self.max_keyword_stuffing = max_keyword_stuffing
        self.min_han_no_sentences = min_han_no_sentences
        self.stuffing_min_fragments = stuffing_min_fragments
        self.stuffing_max_fragment_chars = stuffing_max_fragment_chars
        self.max_ngram_chars = max_ngram_chars
        self._classes = _char_class_table()

    def judge(self, doc: Document) -> Verdict:
        signals = self.signals(doc.text or "")
        return Verdict(signals=signals, drop=self._drop_reason(signals))

    def signals(self, text: str) -> dict[str, float]:
        """All `quality_*` signals of `text`."""
        compact = "".join(text.split())
        codes = np.frombuffer(compact.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        counts = np.bincount(self._classify(codes), minlength=6)
        n_chars = max(len(compact), 1)
        n_han = int(counts[_HAN])
        n_marks = sum(compact.count(mark) for mark in SENTENCE_END)
        signals: dict[str, float] = {
            "quality_n_han": n_han,
            "quality_han_ratio": n_han / n_chars,
            "quality_digit_ratio": int(counts[_DIGIT]) / n_chars,
            "quality_latin_ratio": int(counts[_LATIN]) / n_chars,
            "quality_symbol_ratio": int(counts[_SYMBOL]) / n_chars,
            "quality_sentence_punct_per_han": n_marks / max(n_han, 1),
            "quality_n_chars_nonspace": len(compact),
        }
        signals.update(self._line_signals(text))
        # `|` is the extractor's table grid, not text: `5.6%|` in every cell is no repetition.
        signals.update(_ngram_signals(codes[codes != ord("|")][: self.max_ngram_chars]))
        return signals

    def _drop_reason(self, s: dict[str, float]) -> str | None:
        if s["quality_n_chars_nonspace"] == 0:
            return None  # empty text is min_content's business
        if self.max_symbol_ratio is not None and s["quality_symbol_ratio"] > self.max_symbol_ratio:
            return self.reason("symbols")
        if self.min_han_ratio is not None and s["quality_han_ratio"] < self.min_han_ratio:
            return self.reason("low_han_ratio")
        if self._repetitive(s):
            return self.reason("repetitive")
        if (
            self.max_keyword_stuffing is not None
            and s["quality_keyword_stuffing"] > self.max_keyword_stuffing
        ):
            return self.reason("keyword_stuffing")
        if (
            self.min_han_no_sentences is not None
            and s["quality_n_han"] - s["quality_list_han"] >= self.min_han_no_sentences
            and s["quality_sentence_punct_per_han"] == 0
        ):
            return self.reason("no_sentences")
        return None

    def _repetitive(self, s: dict[str, float]) -> bool:
        if (
            self.max_dup_line_char_frac is not None
            and s["quality_dup_line_char_frac"] > self.max_dup_line_char_frac
        ):
            return True
        if self.max_top_2gram_frac is not None and s["quality_top_2gram_frac"] > self.max_top_2gram_frac:
            return True
        return (
            self.max_dup_10gram_frac is not None and s["quality_dup_10gram_frac"] > self.max_dup_10gram_frac
        )

    def _classify(self, codes: np.ndarray) -> np.ndarray:
        classes = self._classes[np.minimum(codes, 0xFFFF)]
        astral = codes > 0xFFFF
        if astral.any():  # rare: Han extensions B-F, emoji
            classes[astral] = [_astral_class(code) for code in codes[astral].tolist()]
        return classes

    def _line_signals(self, text: str) -> dict[str, float]:
        lines = [line for line in (raw.strip() for raw in text.split("\n")) if line]
        n_lines = len(lines)
        line_chars = sum(map(len, lines))
        duplicates = [
            (line, count - 1)
            for line, count in Counter(lines).items()
            if count > 1 and len(line) >= _MIN_DUPLICATE_LINE_CHARS
        ]
        stuffed_chars = list_han = sentence_lines = 0
        for line in lines:
            kind = self._line_kind(line)
            if kind is _LineKind.SENTENCE:
                sentence_lines += 1
            elif kind is _LineKind.STUFFED:
                stuffed_chars += len(line)
            elif kind is not _LineKind.PLAIN:
                list_han += count_han(line)
        per_line = max(n_lines, 1)
        per_char = max(line_chars, 1)
        return {
            "quality_n_lines": n_lines,
            "quality_mean_line_chars": line_chars / per_line,
            "quality_sentence_line_frac": sentence_lines / per_line,
            "quality_terminal_punct_line_frac": sum(
                1 for line in lines if line.rstrip(CLOSING_MARKS)[-1:] in _TERMINAL
            )
            / per_line,
            "quality_dup_line_frac": sum(extra for _, extra in duplicates) / per_line,
            "quality_dup_line_char_frac": sum(len(line) * extra for line, extra in duplicates) / per_char,
            "quality_keyword_stuffing": stuffed_chars / per_char,
            "quality_list_han": list_han,
        }

    def _line_kind(self, line: str) -> _LineKind:
        """What a line is, for stuffing and for the lists that `no_sentences` does not count."""
        if _SENTENCE_MARK_RE.search(line):
            return _LineKind.SENTENCE
        if line[0] in "|｜" and line[-1] in "|｜":
            return _LineKind.TABLE_ROW
        fragments = [f for f in _SEPARATORS_RE.split(line) if HAN_RE.search(f)]
        if len(fragments) < _MIN_LIST_FRAGMENTS:
            return _LineKind.PLAIN
        if sum(1 for f in fragments if _NAME_LIKE_RE.fullmatch(f)) >= 0.7 * len(fragments):
            return _LineKind.NAMES
        separators = _SEPARATORS_RE.findall(line)
        if sum(1 for sep in separators if sep.strip() == "、") >= 0.8 * len(separators) and all(
            _HAN_ONLY_RE.fullmatch(f) for f in fragments
        ):
            return _LineKind.ENUMERATION
        if (
            len(fragments) >= self.stuffing_min_fragments
            and sum(map(len, fragments)) / len(fragments) <= self.stuffing_max_fragment_chars
        ):
            return _LineKind.STUFFED
        return _LineKind.PLAIN


def _ngram_signals(codes: np.ndarray) -> dict[str, float]:
    """Top and duplicated character n-gram fractions, by rolling 64-bit hashes.

    An n-gram occurring twice means its (n-1)-gram prefix occurs twice too, so each longer n only
    sorts the positions whose shorter gram was already duplicated.
    """
    signals = {f"quality_top_{n}gram_frac": 0.0 for n in _TOP_NS}
    signals.update({f"quality_dup_{n}gram_frac": 0.0 for n in _DUP_NS})
    length = len(codes)
    values = codes.astype(np.uint64)
    hashes = values
    candidates = np.arange(length)  # sorted start positions still in play
    for n in range(2, _DUP_NS[-1] + 1):
        candidates = candidates[: np.searchsorted(candidates, length - n, side="right")]
        if len(candidates) < 2:
            break
        hashes = hashes[:-1] * _HASH_MULTIPLIER + values[n - 1 :]
        grams = hashes[candidates]
        order = np.argsort(grams)
        ordered = grams[order]
        same = ordered[1:] == ordered[:-1]
        if n in _TOP_NS:
            top = int(np.diff(np.flatnonzero(np.concatenate(([True], ~same, [True])))).max())
            signals[f"quality_top_{n}gram_frac"] = min(1.0, top * n / length) if top > 1 else 0.0
        repeated = np.zeros(len(ordered), dtype=bool)
        repeated[1:] = same
        repeated[:-1] |= same
        candidates = np.sort(candidates[order[repeated]])
        if n in _DUP_NS and len(candidates):
            # Characters covered by the n-grams starting at `candidates`: each start covers up to the next.
            covered = int(np.minimum(np.diff(candidates), n).sum()) + n
            signals[f"quality_dup_{n}gram_frac"] = covered / length
    return signals


def _astral_class(code: int) -> int:
    if HAN_RE.match(chr(code)):
        return _HAN
    return _SYMBOL if unicodedata.category(chr(code))[0] == "S" else _OTHER


def _char_class_table() -> np.ndarray:
    """Class of every BMP code point: Han (as `HAN_RE`), digit, Latin letter, punctuation, symbol."""
    table = np.full(0x10000, _OTHER, dtype=np.uint8)
    for code in range(0x10000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Nd":
            table[code] = _DIGIT
        elif category[0] == "L" and (code < 0x250 or 0xFF21 <= code <= 0xFF5A):
            table[code] = _LATIN
        elif category[0] == "P" or char in "|｜":
            table[code] = _PUNCT
        elif category[0] == "S":
            table[code] = _SYMBOL
    bmp = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))
    for match in HAN_RE.finditer(bmp):
        table[ord(match.group())] = _HAN
    return table

"""Mojibake: text garbled by a wrong character decoding, repaired where possible, else removed.

Pages of Chinese sites come in GBK, Big5 and UTF-8, often with a wrong or missing charset
declaration, and a mis-decoded stretch is noise a language model learns from. Kinds found, and what
happens to each (reasons are `mojibake_<what>`):

- `repaired`: a stretch that decodes cleanly once re-read with the right codec is replaced by the
  decoded text. Runs of Latin-1/cp1252 letters such as `æ–‡åŒ–` or `Ã©` (UTF-8 read as Latin-1)
  go through ftfy (`fix_encoding` only: ftfy's other fixes would change full-width forms and curly
  quotes that Chinese text uses on purpose); `ÖÐ¹ú` (GBK read as Latin-1) and runs of rare Han
  characters such as `鍙戝竷`/`浜烘皯` (UTF-8 read as GBK) or GBK/Big5 confusions are re-encoded with
  the codec that produced them and decoded with the right one. A repair is accepted only if the
  result is ordinary Chinese (its Han characters nearly all among the common ones).
- `garbled`: stretches that cannot be repaired are removed. A run of UTF-8-read-as-cp1252 letters
  (`Ã`, `â€`, `å`, `è`, `ä`, `ï¼`…) that ftfy could not repair (a byte cp1252 cannot show, or a
  no-break space of the mangled text collapsed to a space, breaks the UTF-8 sequences) is garbled
  when it sits next to a run that was repaired on the same line, with only a few spaces between:
  the repair proves what the neighbour is. On its own such a run is left alone. A stretch is a run of suspicious
  characters, each at most `max_gap` ordinary characters from the next, not crossing whitespace or
  punctuation. Suspicious: Han characters outside the `common_rank` most frequent ones, letters of
  Latin-1/Greek/Cyrillic/kana and other scripts, private-use and C1 control characters, and `?`
  wedged between characters. A run is garbled when it holds a rare Han character or a wedged `?`,
  at least `min_run_suspicious` suspicious characters, and suspicious characters make up at least
  `min_run_density` of it. Han characters ranked up to twice `common_rank` weigh half: real words
  use them (魑魅魍魉, 耄耋), so four of them in a row are not garbage. Ordinary text has rare
  characters one at a time (a name: 温旭茹, a place: 嘉峪关); a mis-decoded stretch has about half of
  its Han characters rare, back to back. Mis-decoding also yields common characters, which split
  one stretch into pieces: pieces within twice `max_gap` of a garbled run, with no space or
  punctuation between, are part of it. Private-use characters (icon fonts, GBK user-defined area),
  C1 controls and `锟斤拷`/`烫烫烫` are always removed. A removal that empties a line takes the line
  break with it.
- `replacement_char`: runs of U+FFFD, where a decoder gave up, are removed.
- `lost_char`: a `?` between two Han characters in a sentence that asks nothing (no 吗/呢/什么/如何/
  谁/哪/几/是否... before it) is a character the page's encoding could not hold, replaced by `?`
  when the page was saved. In this domain that is mostly a middle dot (・ U+30FB, • and ‧ are not in
  GB2312/Big5): `慈善會?同心大愛基金`, `和?信`, foreign names. It is replaced with
  `lost_char_replacement` (default `·`): the dot keeps the word boundary a reader sees; deleting it
  would glue two names, and when the lost character was a rare Han one (`王?华`) neither choice
  restores it. Half-width question marks in sites that use half-width punctuation (`工作有什么样的
  创新之举?嘉兴...`) follow a question word and are kept, as is `吗?` at the end of a sentence.

Cantonese: Hong Kong and Macao pages quote people in written Cantonese (佢哋, 咗, 嘅, 冇, 啲), whose
characters are outside the common set and often exist only in HKSCS, so a Cantonese sentence looks
like a run of rare characters. When the text holds at least `min_cantonese_words` distinct Cantonese
words (`data/cantonese.yaml`: 我哋, 唔係, 呢度, 點解…), the characters of written Cantonese listed
there and every HKSCS-only character (in Big5-HKSCS, not in Big5/cp950) count as common for that
document. Without such words, a group of suspicious characters made only of the listed Cantonese
characters (佢話冇咁, in one quoted sentence) is not garbled either: a mis-decoded run of three or more
rare characters drawn only from those few dozen is vanishingly unlikely. The words are the evidence: a mis-decoded page yields one of these characters now and then,
but practically never two real Cantonese words spelled out, so GBK or UTF-8 read as Big5 is still
found on pages without them. `None` turns the exemption off.

The document is dropped (`mojibake_too_garbled`) when unrepaired garbled characters (garbled runs,
U+FFFD, lost characters) exceed `max_garbled_fraction` of the text, default 0.2: a page decoded with
the wrong codec throughout has well over half of its characters in garbled runs, while a page with
one mis-decoded widget or paragraph stays under a tenth; cutting a fifth of a text out leaves holes
in most sentences, so such a page is no longer worth keeping.

Signals: `mojibake_chars` (characters in repaired, removed or replaced spans), `replacement_chars`
(U+FFFD in the input), `mojibake_garbled_fraction`.

Common characters: the `common_rank` most frequent ones of `data/han_frequency.txt` (ranked by
frequency in jieba's dictionary, MIT, traditional forms folded onto their simplified form's rank by
OpenCC; see `data/build_han_frequency.py` for provenance) together with the 3755 characters of
GB2312's first level (taken from Python's codec, with their traditional forms). The default rank of
3500 matches the size of the 常用字 list of the Chinese school standard. Measured on the seed pages:
ordinary prose has 0.03% (simplified) to 0.08% (traditional) of its Han characters outside the set,
UTF-8 read as GBK 76%, GBK read as Big5 59%, Big5 read as GBK 39%.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import ftfy
from ftfy.badness import is_bad

from filters.base import Document, Removal, Stage, Verdict, merge_removals
from filters.patterns import load_lines, load_yaml
from filters.textstats import is_han

FREQUENCY_FILE = "han_frequency.txt"
CANTONESE_FILE = "cantonese.yaml"
REPLACEMENT = "\ufffd"

# Characters that never make a run suspicious: ASCII except "?", Latin-1 symbols, general and CJK
# punctuation, letter-like symbols, number forms, arrows, maths, enclosed numbers, box drawing,
# shapes, dingbats, CJK compatibility forms, full-width forms, emoji. Common Han characters are
# added per instance.
_ORDINARY_CLASS = (
    "\t\n\r\x20-\x3e\x40-\x7e\u00a0-\u00bf\u00d7\u00f7\u2000-\u206f\u2100-\u27bf\u2e80-\u2fdf"
    "\u3000-\u303f\u30fb\u30fc\u3200-\u33ff\ufe30-\ufe4f\uff00-\uffef\U0001f000-\U0001faff"
)
# Where a run of suspicious characters stops: whitespace and sentence punctuation.
_BREAKERS = frozenset(" \t\n\r\u3000，。、；：！？“”‘’《》「」『』【】〔〕,.;:!\"'")
# Sentence ends and line breaks: how far back a "?" looks for a question word.
_SENTENCE_BREAK_RE = re.compile(r"[。！？!?\n]")
_INTERROGATIVE_RE = re.compile(
    "[吗嗎呢么麼什甚怎何谁誰哪几幾啥咋岂豈吧]|多少|是否|能否|可否|难道|難道|有没有|有沒有|是不是"
)
# Always garbage: U+FFFD re-encoded as GBK, and the fill bytes of uninitialised buffers.
_KNOWN_GARBAGE_RE = re.compile("(?:锟斤拷)+锟?|烫{3,}|屯{3,}")
# A run of cp1252/Latin-1 characters that holds a UTF-8 lead byte followed by a continuation byte.
_CP1252_SPECIALS = "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_LATIN_RUN_RE = re.compile(f"[A-Za-z0-9\u0080-\u00ff{_CP1252_SPECIALS}]+")
_UTF8_PAIR_RE = re.compile(f"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_SPECIALS}]")
# Codec pairs (read-as, should-be) tried to repair a garbled run.
_HAN_REDECODINGS = (("gbk", "utf-8"), ("big5", "utf-8"), ("gbk", "big5"), ("big5", "gbk"))
_LATIN_REDECODINGS = (("cp1252", "gbk"), ("latin-1", "gbk"), ("cp1252", "big5"), ("latin-1", "big5"))
_ABSORB = frozenset("?()（）")


@dataclass(slots=True)
class _Run:
    start: int
    end: int
    suspicious: float
    evidence: int  # rare Han characters and wedged "?"
    strong: bool  # U+FFFD, private use, C1 controls, known garbage


class Mojibake(Stage):
    name = "mojibake"

    def __init__(
        self,
        common_rank: int = 3500,
        max_gap: int = 2,
        min_run_suspicious: int = 3,
        min_run_density: float = 0.4,
        lost_char_replacement: str | None = "·",
        repair: bool = True,
        max_garbled_fraction: float | None = 0.2,
        min_cantonese_words: int | None = 2,
    ) -> None:
        self.max_gap = max_gap
        self.min_run_suspicious = min_run_suspicious
        self.min_run_density = min_run_density
        self.lost_char_replacement = lost_char_replacement
        self.repair = repair
        self.max_garbled_fraction = max_garbled_fraction
        self.min_cantonese_words = min_cantonese_words
        ranks = load_lines(FREQUENCY_FILE)
        level1 = _gb2312_level1()
        common = set(level1)
        for rank, row in enumerate(ranks):
            if rank < common_rank or not level1.isdisjoint(row):
                common.update(row)
        self._common = frozenset(common)
        # Characters up to twice the common rank are uncommon but real words use them (魑魅魍魉,
        # 耄耋): they weigh half in a run.
        self._uncommon = frozenset("".join(ranks[common_rank : 2 * common_rank])) - self._common
        common_class = "".join(sorted(self._common))
        self._suspicious_re = re.compile(f"[^{_ORDINARY_CLASS}{common_class}]")
        cantonese = load_yaml(CANTONESE_FILE)
        self._cantonese_words: tuple[str, ...] = tuple(cantonese["words"])
        self._cantonese_letters = frozenset("".join(cantonese["characters"].split()))
        self._cantonese_chars = self._cantonese_letters | _hkscs_only()

    def _reads_as_cantonese(self, text: str) -> bool:
        if self.min_cantonese_words is None:
            return False
        found = 0
        for word in self._cantonese_words:
            found += word in text
            if found >= self.min_cantonese_words:
                return True
        return False

    def judge(self, doc: Document) -> Verdict:
        text = doc.text
        replacement_chars = text.count(REPLACEMENT)
        removals: list[Removal] = []
        if self.repair:
            removals.extend(self._latin_repairs(text))
        repaired = [(r.start, r.end) for r in removals]
        ordinary = self._cantonese_chars if self._reads_as_cantonese(text) else frozenset()
        runs, lone_marks = self._runs(text, repaired, ordinary)
        for run in runs:
            removals.append(self._handle_run(text, run))
        if self.lost_char_replacement is not None:
            removals.extend(
                Removal(pos, pos + 1, self.reason("lost_char"), replacement=self.lost_char_replacement)
                for pos in lone_marks
                if self._is_lost_char(text, pos)
            )
        removals = merge_removals([_whole_line(text, removal) for removal in merge_removals(removals)])
        mojibake_chars = sum(r.end - r.start for r in removals)
        garbled = sum(r.end - r.start for r in removals if r.reason != self.reason("repaired"))
        fraction = garbled / len(text) if text else 0.0
        verdict = Verdict(
            removals=removals,
            signals={
                "mojibake_chars": mojibake_chars,
                "replacement_chars": replacement_chars,
                "mojibake_garbled_fraction": round(fraction, 4),
            },
        )
        if self.max_garbled_fraction is not None and fraction > self.max_garbled_fraction:
            verdict.drop = self.reason("too_garbled")
        return verdict

    # --- finding runs -------------------------------------------------------------------------

    def _runs(
        self, text: str, skip: list[tuple[int, int]], ordinary: frozenset[str]
    ) -> tuple[list[_Run], list[int]]:
        """Garbled runs, and the positions of wedged `?` that stand alone (lost-character candidates).

        `ordinary`: characters that are not suspicious in this document (Cantonese ones).
        """
        positions = [
            m.start()
            for m in self._suspicious_re.finditer(text)
            if m.group() not in ordinary and not _inside(m.start(), skip)
        ]
        known = [(m.start(), m.end()) for m in _KNOWN_GARBAGE_RE.finditer(text)]
        groups: list[list[int]] = []
        for pos in positions:
            if (
                groups
                and pos - groups[-1][-1] - 1 <= self.max_gap
                and not _breaks(text, groups[-1][-1] + 1, pos)
            ):
                groups[-1].append(pos)
            else:
                groups.append([pos])
        judged = [(group, self._judge_group(text, group)) for group in groups]
        runs: list[_Run] = [_Run(start, end, end - start, end - start, True) for start, end in known]
        absorbed: set[int] = set()
        for index, (_, run) in enumerate(judged):
            if run is not None:
                runs.append(self._absorb_neighbours(text, judged, index, run, absorbed))
        lone_marks = [
            group[0]
            for index, (group, run) in enumerate(judged)
            if run is None
            and index not in absorbed
            and len(group) == 1
            and text[group[0]] == "?"
            and _wedged(text, group[0])
        ]
        runs = self._merge_close(text, sorted(runs, key=lambda r: r.start))
        spans = [(r.start, r.end) for r in runs]
        return runs, [pos for pos in lone_marks if not _inside(pos, spans)]

    def _merge_close(self, text: str, runs: list[_Run]) -> list[_Run]:
        """Garbled runs a few ordinary-looking characters apart are one garbled stretch."""
        merged: list[_Run] = []
        for run in runs:
            last = merged[-1] if merged else None
            if (
                last
                and run.start - last.end <= 2 * self.max_gap + 1
                and not _breaks(text, last.end, run.start)
            ):
                last.end = max(last.end, run.end)
                last.suspicious += run.suspicious
                last.evidence += run.evidence
                last.strong = last.strong or run.strong
            else:
                merged.append(run)
        return merged

    def _absorb_neighbours(
        self,
        text: str,
        judged: list[tuple[list[int], _Run | None]],
        index: int,
        run: _Run,
        absorbed: set[int],
    ) -> _Run:
        """Widen a garbled run over nearby groups of suspicious characters that did not qualify alone.

        Mis-decoding also yields common characters (烘, 浠 in `浜烘皯浠`), which can split one garbled
        stretch into groups further apart than `max_gap`; a group within twice that distance of a
        garbled run, with no whitespace or punctuation between, belongs to it.
        """
        reach = 2 * self.max_gap + 1
        left = index - 1
        while left >= 0 and judged[left][1] is None:
            group = judged[left][0]
            if run.start - group[-1] - 1 > reach or _breaks(text, group[-1] + 1, run.start):
                break
            run.start = group[0]
            absorbed.add(left)
            left -= 1
        right = index + 1
        while right < len(judged) and judged[right][1] is None:
            group = judged[right][0]
            if group[0] - run.end > reach or _breaks(text, run.end, group[0]):
                break
            run.end = group[-1] + 1
            absorbed.add(right)
            right += 1
        return run

    def _judge_group(self, text: str, group: list[int]) -> _Run | None:
        evidence = 0
        suspicious = 0.0
        strong = False
        if self.min_cantonese_words is not None and all(
            text[pos] in self._cantonese_letters for pos in group
        ):
            return None  # 佢話冇咁: Cantonese spelled out, not debris of a wrong codec
        for pos in group:
            char = text[pos]
            if char == "?":
                if _wedged(text, pos):
                    evidence += 1
                    suspicious += 1
            elif char == REPLACEMENT or "\ue000" <= char <= "\uf8ff" or "\x80" <= char <= "\x9f":
                strong = True
                suspicious += 1
            elif is_han(char):
                evidence += 1
                suspicious += 0.5 if char in self._uncommon else 1
            else:
                suspicious += 1
        start, end = group[0], group[-1] + 1
        density = suspicious / (end - start)
        garbled = evidence and suspicious >= self.min_run_suspicious and density >= self.min_run_density
        if not (strong or garbled):
            return None
        start, end = _absorb_fragments(text, start, end)
        return _Run(start, end, suspicious, evidence, strong)

    # --- deciding what to do with a run -------------------------------------------------------

    def _handle_run(self, text: str, run: _Run) -> Removal:
        span = text[run.start : run.end]
        if span.strip(REPLACEMENT) == "":
            return Removal(run.start, run.end, self.reason("replacement_char"))
        if self.repair and not run.strong:
            repaired = self._redecode_run(text, run.start, run.end)
            if repaired is not None:
                return repaired
        return Removal(run.start, run.end, self.reason("garbled"))

    def _redecode_run(self, text: str, start: int, end: int) -> Removal | None:
        """Re-read a garbled Han run with the codec pairs, widening it by up to two characters."""
        for left in _extensions(text, start, -1):
            for right in _extensions(text, end, 1):
                span = text[left:right]
                for wrong, right_codec in _HAN_REDECODINGS:
                    fixed = _redecode(span, wrong, right_codec)
                    if fixed is not None and self._plausible(fixed):
                        return Removal(left, right, self.reason("repaired"), replacement=fixed)
        return None

    def _latin_repairs(self, text: str) -> list[Removal]:
        removals: list[Removal] = []
        repaired: list[tuple[int, int]] = []
        unrepaired: list[tuple[int, int]] = []
        for match in _LATIN_RUN_RE.finditer(text):
            run = match.group()
            if not _UTF8_PAIR_RE.search(run):
                continue
            fixed = self._repair_latin(run)
            if fixed is None or fixed == run:
                unrepaired.append(match.span())
                continue
            repaired.append(match.span())
            # Keep the span tight: drop the prefix and suffix the repair left alone.
            prefix = len(_common_prefix(run, fixed))
            suffix = len(_common_prefix(run[prefix:][::-1], fixed[prefix:][::-1]))
            start, end = match.start() + prefix, match.end() - suffix
            removals.append(
                Removal(start, end, self.reason("repaired"), replacement=fixed[prefix : len(fixed) - suffix])
            )
        removals.extend(self._unrepaired_neighbours(text, repaired, unrepaired))
        return removals

    def _unrepaired_neighbours(
        self, text: str, repaired: list[tuple[int, int]], unrepaired: list[tuple[int, int]]
    ) -> list[Removal]:
        """Unrepaired cp1252 runs next to a repaired one (or to one of these), with the spaces between."""
        anchors = list(repaired)
        garbled: list[Removal] = []
        pending = list(unrepaired)
        found = True
        while found and pending:
            found = False
            for span in list(pending):
                removal = _next_to(text, span, anchors)
                if removal is not None:
                    garbled.append(Removal(*removal, self.reason("garbled")))
                    anchors.append(span)
                    pending.remove(span)
                    found = True
        return garbled

    def _repair_latin(self, run: str) -> str | None:
        fixed = ftfy.fix_encoding(run)
        if any(is_han(char) for char in fixed):
            # Bytes cp1252 cannot show (0x81, 0x8D, 0x8F, 0x90, 0x9D) are lost: drop what stayed garbled.
            return _LATIN_RUN_LEFTOVER_RE.sub("", fixed)
        for wrong, right in _LATIN_REDECODINGS:
            decoded = _redecode(run, wrong, right)
            if decoded is not None and self._plausible(decoded):
                return decoded
        return fixed if fixed != run and is_bad(run) else None

    def _plausible(self, text: str) -> bool:
        """Ordinary Chinese: at least two Han characters, nearly all of them common, no controls."""
        han = [char for char in text if is_han(char)]
        if len(han) < 2 or any(char == REPLACEMENT or (char < " " and char not in "\t\n") for char in text):
            return False
        rare = sum(1 for char in han if char not in self._common)
        return rare <= len(han) // 10

    def _is_lost_char(self, text: str, pos: int) -> bool:
        if not (is_han(text[pos - 1]) and is_han(text[pos + 1])):
            return False
        sentence_start = 0
        for match in _SENTENCE_BREAK_RE.finditer(text, max(0, pos - 200), pos):
            sentence_start = match.end()
        return _INTERROGATIVE_RE.search(text, sentence_start, pos) is None


# Spaces between an unrepaired cp1252 run and the repaired run it belongs to (a mangled no-break space).
_MAX_NEIGHBOUR_GAP = 3
_LATIN_RUN_LEFTOVER_RE = re.compile(f"[\u0080-\u00ff{_CP1252_SPECIALS}]+")


def _next_to(text: str, span: tuple[int, int], anchors: list[tuple[int, int]]) -> tuple[int, int] | None:
    """`span` widened over the spaces to an anchor it touches on the same line, or None."""
    start, end = span
    for anchor_start, anchor_end in anchors:
        if 0 < anchor_start - end <= _MAX_NEIGHBOUR_GAP and _blank(text[end:anchor_start]):
            return start, anchor_start
        if 0 < start - anchor_end <= _MAX_NEIGHBOUR_GAP and _blank(text[anchor_end:start]):
            return anchor_end, end
    return None


def _blank(gap: str) -> bool:
    """Spaces within a line."""
    return gap.isspace() and "\n" not in gap


def _whole_line(text: str, removal: Removal) -> Removal:
    """A removal that empties a whole line takes one line break with it, leaving no blank line."""
    if removal.replacement or removal.start == removal.end:
        return removal
    starts_line = removal.start == 0 or text[removal.start - 1] == "\n"
    ends_line = removal.end == len(text) or text[removal.end] == "\n"
    if not (starts_line and ends_line):
        return removal
    if removal.end < len(text):
        return Removal(removal.start, removal.end + 1, removal.reason)
    if removal.start > 0:
        return Removal(removal.start - 1, removal.end, removal.reason)
    return removal


def _gb2312_level1() -> frozenset[str]:
    """The 3755 characters of GB2312's first level (rows 16-55), the standard's most used ones."""
    chars: set[str] = set()
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:  # the five unused cells at the end of row 55
                continue
    return frozenset(chars)


def _hkscs_only() -> frozenset[str]:
    """The characters of Big5-HKSCS that Big5 (cp950) lacks: Hong Kong names, places and Cantonese."""
    chars: set[str] = set()
    for high in range(0x87, 0xFF):
        for low in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            try:
                char = bytes((high, low)).decode("big5hkscs")
            except UnicodeDecodeError:
                continue
            if not is_han(char):  # letters with marks (some decode to two code points), symbols
                continue
            try:
                char.encode("cp950")
            except UnicodeEncodeError:
                chars.add(char)
    return frozenset(chars)


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """Whether `pos` falls in one of `spans` (sorted by start, not overlapping)."""
    index = bisect_right(spans, pos, key=lambda span: span[0]) - 1
    return index >= 0 and spans[index][0] <= pos < spans[index][1]


def _breaks(text: str, start: int, end: int) -> bool:
    return any(char in _BREAKERS for char in text[start:end])


def _wedged(text: str, pos: int) -> bool:
    """A `?` with a non-space, non-punctuation character on both sides."""
    return 0 < pos < len(text) - 1 and text[pos - 1] not in _BREAKERS and text[pos + 1] not in _BREAKERS


def _absorb_fragments(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a garbled run over stray `?`, brackets and one- or two-letter Latin fragments at its edges."""
    return _absorb(text, start, -1), _absorb(text, end, 1)


def _absorb(text: str, edge: int, step: int) -> int:
    pos = edge if step > 0 else edge - 1
    letters = 0
    while 0 <= pos < len(text) and (text[pos] in _ABSORB or (text[pos].isascii() and text[pos].isalpha())):
        letters += text[pos] not in _ABSORB
        pos += step
    if letters > 2:  # a real word (APP, PDF) next to the run is not part of it
        return edge
    return pos if step > 0 else pos + 1


def _extensions(text: str, edge: int, step: int) -> list[int]:
    """`edge`, then up to two positions further out (`step` -1: left, 1: right) over Han characters."""
    out = [edge]
    pos = edge
    for _ in range(2):
        probe = pos if step > 0 else pos - 1
        if not (0 <= probe < len(text) and is_han(text[probe])):
            break
        pos += step
        out.append(pos)
    return out


def _redecode(span: str, wrong: str, right: str) -> str | None:
    try:
        return span.encode(wrong).decode(right)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]

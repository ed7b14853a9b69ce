"""Pinyin annotations: readings a page injected after its Han characters, stripped when dense.

Some sites run a "reading aid" or a script converter that writes a pinyin reading in brackets
after many characters: `去年以來(lái),玉門(mén)市通過(guò)...`. The readings cut every word they sit in, so
a corpus wants them gone (`pinyin_annotation`, one removal per reading). Authors gloss too: a
dialect word (`没(mo)`), an English term (`价值(value)`, `世界卫生组织(WHO)`), list labels (`(a)`,
`（一）`); those are part of the text and stay.

What counts as an annotation: one lower-case pinyin syllable (checked against the syllable table
`data/pinyin_syllables.txt`, tone marks or none, ü as ü or v) in half- or full-width brackets right
after a Han character. English words, capitals, several syllables and labels are not annotations.

The decision is per document, by density, because a single gloss looks exactly like one injected
reading:
- Readings with tone marks (`lái`, `mén`) are stripped when there are at least `min_annotations` of
  them, at least `min_density` per Han character, and they occur in at least `min_line_share` of the
  lines holding 20 or more Han characters (injection covers the whole page; a teaching article's
  examples sit in one paragraph). Injected pages carry one reading per three to ten characters
  (the seed page: 0.19 per Han character); the default 0.03 is one per 33 characters, far above
  any page that glosses a few words. Toneless readings in such a page (the neutral tone: `的(de)`)
  go with them.
- Readings without tone marks (`来(lai)`) look more like ordinary words and labels, so they are
  stripped only when denser still: `min_toneless_annotations` and `min_toneless_density`.
- One-letter syllables without a tone mark (`a`, `e`, `o`, `m`, `n`) are never stripped: `(a)` is
  far more often a list label than a reading.

When the text is stripped, the readings in the record's `title` (where the extractor put the
headline) are stripped too, through `Verdict.updates`.

Signals: `pinyin_annotations` (valid readings found), `pinyin_toned`, `pinyin_density` (readings
per Han character).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left

from filters.base import Document, Removal, Stage, Verdict
from filters.patterns import load_lines
from filters.textstats import HAN_CLASS, count_han, iter_lines

SYLLABLE_FILE = "pinyin_syllables.txt"
_TONE_MARKS = frozenset("\u0300\u0301\u0304\u030c")
_PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ\u0300\u0301\u0304\u0308\u030c"
ANNOTATION_RE = re.compile(f"(?<=[{HAN_CLASS}])[ \t]?[(（][ \t]?([{_PINYIN_LETTERS}]{{1,8}})[ \t]?[)）]")
_SPREAD_MIN_HAN = 20


class Pinyin(Stage):
    name = "pinyin"

    def __init__(
        self,
        min_annotations: int | None = 5,
        min_density: float = 0.03,
        min_line_share: float = 0.5,
        min_toneless_annotations: int | None = 10,
        min_toneless_density: float = 0.05,
    ) -> None:
        self.min_annotations = min_annotations
        self.min_density = min_density
        self.min_line_share = min_line_share
        self.min_toneless_annotations = min_toneless_annotations
        self.min_toneless_density = min_toneless_density
        self._syllables = frozenset(" ".join(load_lines(SYLLABLE_FILE)).split())

    def judge(self, doc: Document) -> Verdict:
        text = doc.text
        if "(" not in text and "（" not in text:
            return Verdict()
        found: list[tuple[re.Match[str], bool]] = []
        for match in ANNOTATION_RE.finditer(text):
            toned = self._toned(match.group(1))
            if toned is not None:
                found.append((match, toned))
        n_han = count_han(text)
        n_toned = sum(1 for _, toned in found if toned)
        signals = {
            "pinyin_annotations": len(found),
            "pinyin_toned": n_toned,
            "pinyin_density": round(len(found) / n_han, 4) if n_han else 0.0,
        }
        verdict = Verdict(signals=signals)
        if not found or not self._dense(text, found, n_toned, n_han):
            return verdict
        reason = self.reason("annotation")
        verdict.removals = [
            Removal(match.start(), match.end(), reason)
            for match, toned in found
            if toned or len(match.group(1)) > 1
        ]
        # The extractor moves the headline to `title`; the page injected readings there too.
        if doc.title:
            title = self._strip(doc.title)
            if title != doc.title:
                verdict.updates["title"] = title
                verdict.overwrite = frozenset({"title"})
        return verdict

    def _strip(self, text: str) -> str:
        """`text` without the readings this stage would strip from a dense page."""
        return ANNOTATION_RE.sub(
            lambda m: (
                ""
                if (toned := self._toned(m.group(1))) or (toned is not None and len(m.group(1)) > 1)
                else m.group()
            ),
            text,
        )

    def _toned(self, raw: str) -> bool | None:
        """Whether `raw` is a pinyin syllable with a tone mark; None if it is not a syllable."""
        decomposed = unicodedata.normalize("NFD", raw)
        toned = any(char in _TONE_MARKS for char in decomposed)
        base = unicodedata.normalize("NFC", "".join(char for char in decomposed if char not in _TONE_MARKS))
        return toned if base in self._syllables else None

    def _dense(self, text: str, found: list[tuple[re.Match[str], bool]], n_toned: int, n_han: int) -> bool:
        if not n_han:
            return False
        toned_dense = (
            self.min_annotations is not None
            and n_toned >= self.min_annotations
            and n_toned / n_han >= self.min_density
        )
        toneless_dense = (
            self.min_toneless_annotations is not None
            and len(found) >= self.min_toneless_annotations
            and len(found) / n_han >= self.min_toneless_density
        )
        return (toned_dense or toneless_dense) and self._spread(text, found) >= self.min_line_share

    @staticmethod
    def _spread(text: str, found: list[tuple[re.Match[str], bool]]) -> float:
        """Share of the lines with 20+ Han characters that hold an annotation (1.0 without such lines)."""
        starts = [match.start() for match, _ in found]
        long_lines = [line for line in iter_lines(text) if count_han(line.text) >= _SPREAD_MIN_HAN]
        if not long_lines:
            return 1.0
        annotated = 0
        for line in long_lines:
            index = bisect_left(starts, line.start)
            annotated += index < len(starts) and starts[index] < line.end
        return annotated / len(long_lines)

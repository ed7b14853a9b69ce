"""The normalised form of a text that near-duplicate detection shingles.

Copies of one article differ in ways a reader does not notice: a province reprints a central
report in traditional script for a Hong Kong audience, a site's CMS turns ASCII into full-width
forms or the reverse, punctuation and spacing are re-typeset, dates and counters are rewritten.
None of that should make two copies look different, so before shingling a text is

1. converted to simplified script with OpenCC's phrase-level conversion
   (`filters.script.SimplifiedConverter`, shared with the language stage);
2. NFKC-normalised: full-width letters, digits and punctuation become their ASCII forms, CJK
   compatibility ideographs their unified (and then simplified) forms;
3. stripped of punctuation, symbols, whitespace, line breaks and invisible characters (Unicode
   categories P*, S*, Z*, C*), lower-cased, and every decimal digit is replaced by `0`: "2024年3月5日"
   and "2023年12月1日" differ in length, not in digits.

Steps 2 and 3 are one per-instance lookup table (one uint32 per code point of the Basic
Multilingual Plane; 0 means "remove") applied to the code-point array, so the result goes to
`filters.minhash` without a Python string in between. Calling `unicodedata.normalize` costs more than
everything else together on Chinese text (its full-width punctuation takes the slow path), so the
table holds NFKC wherever it maps one character to one; a text containing a character it expands or
composes (㈠, ①, combining accents, conjoining jamo) is NFKC-normalised as a whole first. The few
astral code points (rare Han extensions, emoji) are classified one by one. `VERSION` changes
whenever the output changes, as stored signatures depend on it.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from filters.script import SimplifiedConverter
from filters.textstats import utf8_safe

VERSION = 1
DIGIT = ord("0")
_BMP = 0x10000
_REMOVED_CATEGORIES = ("P", "S", "Z", "C")
# Table value of a code point that needs the whole text NFKC-normalised first.
_WHOLE_TEXT = np.uint32(0xFFFFFFFF)
# Conjoining Hangul jamo, which NFKC composes into syllables.
_JAMO = ((0x1100, 0x11FF), (0xA960, 0xA97F), (0xD7B0, 0xD7FF))


def _mapped(point: int) -> int:
    """What a code point of NFKC-normalised text becomes: 0 to remove it."""
    char = chr(point)
    category = unicodedata.category(char)
    if category.startswith(_REMOVED_CATEGORIES):
        return 0
    if category == "Nd":
        return DIGIT
    lower = char.lower()
    return ord(lower) if len(lower) == 1 else point


class DedupNormalizer:
    """Text → the uint32 code points that near-duplicate detection shingles."""

    def __init__(self, converter: SimplifiedConverter | None = None) -> None:
        self._converter = converter or SimplifiedConverter()
        # `_plain` maps code points of NFKC text; `_direct` maps raw code points, with NFKC folded in
        # where it is one character for one (full-width forms, compatibility ideographs), and
        # `_WHOLE_TEXT` where it is not (expansions like ㈠ → (一), combining marks, jamo).
        self._plain = np.fromiter((_mapped(point) for point in range(_BMP)), dtype=np.uint32, count=_BMP)
        self._direct = np.fromiter(
            (self._direct_value(point) for point in range(_BMP)), dtype=np.uint32, count=_BMP
        )
        self._plain.flags.writeable = False
        self._direct.flags.writeable = False

    def _direct_value(self, point: int) -> int:
        char = chr(point)
        if unicodedata.category(char).startswith("M") or any(low <= point <= high for low, high in _JAMO):
            return int(_WHOLE_TEXT)
        folded = unicodedata.normalize("NFKC", char)
        if folded != char and "CJK COMPATIBILITY" in unicodedata.name(char, ""):
            folded = self._converter.to_simplified(folded)
        return _mapped(ord(folded)) if len(folded) == 1 else int(_WHOLE_TEXT)

    def _lookup(self, table: np.ndarray, points: np.ndarray, direct: bool) -> np.ndarray:
        astral = points >= _BMP
        if not astral.any():
            return table[points]
        mapped = table[np.where(astral, 0, points)]
        mapped[astral] = [self._direct_value(int(p)) if direct else _mapped(int(p)) for p in points[astral]]
        return mapped

    def code_points(self, text: str) -> np.ndarray:
        """The normalised code points of `text` (uint32; empty for text with no letters or digits)."""
        text = self._converter.to_simplified(utf8_safe(text))
        mapped = self._lookup(
            self._direct, np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), direct=True
        )
        if (mapped == _WHOLE_TEXT).any():
            text = self._converter.to_simplified(unicodedata.normalize("NFKC", text))
            mapped = self._lookup(
                self._plain, np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), direct=False
            )
        return mapped[mapped != 0]

    def normalize(self, text: str) -> str:
        """The normalised text as a string (for inspection and tests)."""
        return self.code_points(text).tobytes().decode("utf-32-le")

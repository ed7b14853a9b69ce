"""Writing systems and Chinese script: what the language and near-duplicate stages need to know.

- `ScriptProfiler` counts, per paragraph, Han, kana, Hangul and other letters, and over the whole
  text the characters that are only traditional or only simplified, and those only written
  Cantonese uses. Writing systems settle what a statistical language model gets wrong: Japanese is
  written with kana, so Han text without kana is Chinese, however Japanese its vocabulary looks to
  fastText.
- Simplified (`Hans`) or traditional (`Hant`): only the characters that differ between the scripts
  tell (发/發, 这/這); most (的, 中, 人) are the same in both. OpenCC's dictionaries say which differ:
  a character is traditional if a traditional→simplified conversion changes it, simplified if the
  simplified→traditional one does. The sets are taken from OpenCC once per instance by converting
  every Han character on its own. A few simplified characters are also ordinary traditional ones
  (后 in 皇后, 干 in 若干, 里 in 公里) and a few traditional ones occur in simplified text (著 in 著名,
  乾 in 乾隆), so `script_label` decides on the share of distinguishing characters with a margin,
  never on one character.
- `SimplifiedConverter.to_simplified` is OpenCC's phrase-level conversion (longest match over the
  phrase dictionaries before single characters: 乾隆 stays, 乾燥 becomes 干燥), Taiwan forms first
  (`tw2s`: 看著 → 看着), then Hong Kong forms (`hk2s`: 衞生 → 卫生); OpenCC's plain `t2s` leaves
  both kinds of regional form unconverted. The near-duplicate stage uses it to compare pages across
  scripts.

Counting runs over a per-instance table of character classes (one byte per code point, numpy), as
Python regexes cost several times more per character.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import opencc

from filters.textstats import utf8_safe

HANS = "Hans"
HANT = "Hant"
MIXED = "mixed"

# Code point ranges (inclusive) of each writing system.
HAN_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2EBEF),
    (0x30000, 0x3134F),
)
# Hiragana, katakana and its extensions, half-width katakana; not the middle dot ・ (U+30FB) or the
# prolonged sound mark ー (U+30FC), which Chinese text uses too.
KANA_RANGES = (
    (0x3041, 0x3096),
    (0x309D, 0x309F),
    (0x30A1, 0x30FA),
    (0x30FD, 0x30FF),
    (0x31F0, 0x31FF),
    (0xFF66, 0xFF6F),
    (0xFF71, 0xFF9D),
)
# Iteration and zero marks of Han text (々 〻 〇); marks Chinese and Japanese share (ー ・).
HAN_MARKS = "\u3005\u3007\u303b"
NEUTRAL_MARKS = "\u30fb\u30fc"
HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7A3), (0xD7B0, 0xD7FF))
# The Han blocks whose simplified/traditional status is read from OpenCC. OpenCC also maps a few
# hundred rare Extension B forms; they are converted but not counted.
OPENCC_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
ASTRAL_HAN_RE = re.compile("[\U00020000-\U0003134f]")

# Characters of written Cantonese that Standard Written Chinese does not use (particles, pronouns,
# negation and common verbs: 嘅 咗 喺 唔 佢哋 冇 啲 嘢 睇 嚟 嗰), in both scripts.
CANTONESE_CHARS = "嘅咗喺唔佢哋冇啲嘢睇嚟嗰噉咩乜囉啰啱攞畀嘥諗谂瞓㗎喎嘞咁"

# Bits of the character class table: one of the first four (the writing system), at most one of
# traditional and simplified, and the Cantonese mark.
HAN, KANA, HANGUL, OTHER_LETTER, TRADITIONAL, SIMPLIFIED, CANTONESE = 1, 2, 4, 8, 16, 32, 64


class WritingSystems(NamedTuple):
    """Letter counts of a text by writing system."""

    han: int = 0
    kana: int = 0
    hangul: int = 0
    other: int = 0

    @property
    def letters(self) -> int:
        return self.han + self.kana + self.hangul + self.other


@dataclass(frozen=True, slots=True)
class TextProfile:
    """Writing systems of each `\\n`-separated paragraph; script and Cantonese characters in all."""

    paragraphs: list[WritingSystems]
    total: WritingSystems
    traditional: int
    simplified: int
    cantonese: int = 0

    @property
    def traditional_share(self) -> float | None:
        distinguishing = self.traditional + self.simplified
        return self.traditional / distinguishing if distinguishing else None


def script_label(n_traditional: int, n_simplified: int, n_han: int, mixed_share: float) -> str | None:
    """`Hans`, `Hant` or `mixed` from counts of distinguishing characters; None without Han.

    A text is mixed when the minority script has at least `mixed_share` of the distinguishing
    characters. Han text without any distinguishing character reads the same in both scripts and
    needs no conversion: it is `Hans`.
    """
    if n_han == 0:
        return None
    distinguishing = n_traditional + n_simplified
    if distinguishing == 0:
        return HANS
    traditional_share = n_traditional / distinguishing
    if traditional_share >= 1 - mixed_share:
        return HANT
    if traditional_share <= mixed_share:
        return HANS
    return MIXED


def each_char_converted(convert: Callable[[str], str]) -> dict[str, str]:
    """The characters of `OPENCC_RANGES` that `convert` changes when given on their own, with what
    each becomes."""
    chars = [chr(point) for low, high in OPENCC_RANGES for point in range(low, high + 1)]
    converted = convert("\n".join(chars)).split("\n")
    return {char: out for char, out in zip(chars, converted, strict=True) if out != char}


def _char_class(chars: Collection[str]) -> re.Pattern[str]:
    """A regex matching any one of `chars` (all in the Basic Multilingual Plane: a fast bitmap)."""
    return re.compile(f"[{''.join(sorted(map(re.escape, chars)))}]" if chars else "(?!)")


class SimplifiedConverter:
    """Traditional → simplified Chinese with OpenCC's phrase-level conversion, per instance."""

    def __init__(self) -> None:
        self._tw2s = opencc.OpenCC("tw2s")
        self._hk2s = opencc.OpenCC("hk2s")
        # Characters the conversion changes: a text with none of them is returned as it is.
        self.convertible = frozenset(each_char_converted(self._convert))
        self._convertible_re = _char_class(self.convertible)

    def _convert(self, text: str) -> str:
        return self._hk2s.convert(self._tw2s.convert(text))

    def to_simplified(self, text: str) -> str:
        """`text` in simplified characters; everything that is not traditional Chinese unchanged."""
        text = utf8_safe(text)
        if self._convertible_re.search(text) or ASTRAL_HAN_RE.search(text):
            return self._convert(text)
        return text


class ScriptProfiler:
    """Counts letters by writing system and Chinese characters by script, per instance."""

    def __init__(self, converter: SimplifiedConverter | None = None) -> None:
        converter = converter or SimplifiedConverter()
        traditional = converter.convertible | set(each_char_converted(opencc.OpenCC("t2s").convert))
        # Variants OpenCC converts both ways (爲/為, 裏/裡) are traditional forms.
        simplified = set(each_char_converted(opencc.OpenCC("s2tw").convert)) - traditional
        table = np.fromiter((chr(point).isalpha() for point in range(0x110000)), dtype=bool, count=0x110000)
        table = table.astype(np.uint8) * OTHER_LETTER
        for ranges, bit in ((HAN_RANGES, HAN), (KANA_RANGES, KANA), (HANGUL_RANGES, HANGUL)):
            for low, high in ranges:
                table[low : high + 1] = bit
        table[[ord(c) for c in HAN_MARKS]] = HAN
        table[[ord(c) for c in NEUTRAL_MARKS]] = 0
        table[[ord(c) for c in traditional]] |= TRADITIONAL
        table[[ord(c) for c in simplified]] |= SIMPLIFIED
        table[[ord(c) for c in CANTONESE_CHARS]] |= CANTONESE
        table.flags.writeable = False
        self._table = table

    def profile(self, text: str) -> TextProfile:
        points = np.frombuffer(utf8_safe(text).encode("utf-32-le"), dtype=np.uint32)
        classes = self._table[points]
        paragraph = np.cumsum(points == 0x0A)  # the newline itself has no class
        n_paragraphs = int(paragraph[-1]) + 1 if len(points) else 1
        letters = np.bincount(paragraph * 16 + (classes & 15), minlength=16 * n_paragraphs)
        per_paragraph = letters.reshape(n_paragraphs, 16)[:, [HAN, KANA, HANGUL, OTHER_LETTER]]
        return TextProfile(
            paragraphs=list(map(WritingSystems._make, per_paragraph.tolist())),
            total=WritingSystems._make(per_paragraph.sum(axis=0).tolist()),
            traditional=int(np.count_nonzero(classes & TRADITIONAL)),
            simplified=int(np.count_nonzero(classes & SIMPLIFIED)),
            cantonese=int(np.count_nonzero(classes & CANTONESE)),
        )

"""Language: the language and script of every document, and drops of languages the corpus does not keep.

Runs on the cleaned text (after the spam and boilerplate stages) and sets `lang`, `lang_score` and
`script` (`Hans`, `Hant`, `mixed`; null for text that is not Chinese), and optionally `text_hans`
(the text converted to simplified characters, OpenCC phrase-level; off by default, since it stores
the text twice). Documents in languages outside `keep_languages` are dropped with
`language_<code>` (`language_en`, `language_ja`; `language_und` for text without letters).

How the language is decided:

- Paragraph by paragraph, the writing system first (`filters.script`): Han text, Han text with kana
  (at least `kana_share` of its CJK characters), Hangul, or other letters. Writing systems are facts
  the statistical models get wrong: fastText's `lid.176` calls many traditional Chinese paragraphs,
  and short Chinese headings or spam keyword lists, Japanese (`ja`), and langdetect calls traditional
  Chinese Korean. Han text without kana is Chinese: whatever a model gives to `ja`, `ko`, `yue` or
  `wuu` counts for Chinese there. Hangul text is Korean.
- The paragraphs of each writing system are pooled, longest first, into one sample of at most
  `sample_chars` characters, which fastText judges (the language within the system: `ja` or `zh` for
  Han with kana, `en` or `fr` for letters; and how sure it is). A sample is enough: fastText costs
  about 20 µs per 100 Chinese characters, and more of the same text does not change its answer.
- langdetect is asked too when fastText is below `min_fasttext_score` on a sample whose writing
  system leaves a choice (kana, letters; 20 characters or more), or for every sample when fastText
  is not there (the module or the model file missing); the more confident answer wins. It is not
  asked about Han or Hangul samples when fastText ran: their language is settled, and a low fastText
  score there says the text is noisy (pinyin readings injected after each character score about
  0.3), which a langdetect score would hide. `tags["lang_detector"]` records which decided:
  `fasttext`, `langdetect`, `script` when neither model gave a language the writing system allows,
  or `none` for text without letters.
- The document's language is the one with the most text, weighing paragraphs by their letters with
  a CJK character counting `CJK_WEIGHT` (about the letters an alphabetic language spends on the same
  content, and the character's UTF-8 size): a Chinese article with an English abstract is Chinese.
  `signals["lang_other_share"]` is the weight share of the other languages, and `tags["lang_other"]`
  the largest of them.
- Cantonese-flavoured Chinese and Wu stay `zh`, with `tags["zh_variant"]` = `yue` / `wuu`: on
  government sites such text is quotes and transcripts in a Chinese corpus, which a builder wants;
  the tag lets them filter it. fastText's `yue` misses Cantonese mixed with formal wording, so text
  is also `yue` when at least `cantonese_share` of its Han characters are ones only written
  Cantonese uses (嘅 咗 喺 唔 佢哋; `signals["zh_cantonese_share"]`).

`lang_score` is the deciding model's probability of the chosen language (summed over the labels the
writing system maps to it), weighted over the paragraph pools that have that language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from filters.base import Document, Stage, Verdict
from filters.langid import FastTextLanguageId, LangDetectLanguageId, packaged_model_path
from filters.script import ScriptProfiler, SimplifiedConverter, TextProfile, WritingSystems, script_label

log = logging.getLogger(__name__)

CHINESE = "zh"
UNDETERMINED = "und"
CJK_WEIGHT = 3
CHINESE_LABELS = frozenset({"zh", "yue", "wuu"})
CJK_LABELS = CHINESE_LABELS | {"ja", "ko"}

# Writing systems of a paragraph, and the language a paragraph of it has when no model answers.
HAN, KANA, HANGUL, LETTERS = "han", "kana", "hangul", "letters"
SYSTEM_DEFAULT = {HAN: CHINESE, KANA: "ja", HANGUL: "ko", LETTERS: UNDETERMINED}
# Systems whose language the writing system decides: a model only says how sure it is.
SINGLE_LANGUAGE_SYSTEMS = frozenset({HAN, HANGUL})
# Below this many characters langdetect is no better than fastText and still costs milliseconds.
LANGDETECT_MIN_CHARS = 20


def language_of_label(system: str, label: str) -> str | None:
    """The language a model's `label` stands for in text of `system`; None if the system rules it out."""
    if system == HAN:
        return CHINESE if label in CJK_LABELS else None
    if system == KANA:
        return CHINESE if label in CHINESE_LABELS else ("ja" if label == "ja" else None)
    if system == HANGUL:
        return "ko" if label == "ko" else None
    return None if label in CJK_LABELS else label


def writing_system(letters: WritingSystems, kana_share: float) -> str | None:
    """The writing system of a paragraph (the largest weight), None for a paragraph without letters."""
    cjk = CJK_WEIGHT * (letters.han + letters.kana)
    hangul = CJK_WEIGHT * letters.hangul
    if cjk + hangul + letters.other == 0:
        return None
    if hangul >= max(cjk, letters.other):
        return HANGUL
    if letters.other > cjk:
        return LETTERS
    if letters.kana and letters.kana >= kana_share * (letters.han + letters.kana):
        return KANA
    return HAN


def paragraph_weight(letters: WritingSystems) -> int:
    return CJK_WEIGHT * (letters.han + letters.kana + letters.hangul) + letters.other


@dataclass(frozen=True, slots=True)
class Decision:
    language: str
    score: float
    detector: str
    variant: str | None = None


def decide(system: str, probabilities: dict[str, float], detector: str) -> Decision | None:
    """The most probable language `system` allows, from one model's answer."""
    mass: dict[str, float] = {}
    for label, probability in probabilities.items():
        language = language_of_label(system, label)
        if language is not None:
            mass[language] = mass.get(language, 0.0) + probability
    if not mass:
        return None
    language = max(mass, key=mass.__getitem__)
    variant = None
    if language == CHINESE:
        chinese = {label: p for label, p in probabilities.items() if label in CHINESE_LABELS}
        top = max(chinese, key=chinese.__getitem__, default=CHINESE)
        variant = None if top == CHINESE else top
    return Decision(language, min(mass[language], 1.0), detector, variant)


def sample(paragraphs: list[str], limit: int) -> str:
    """The longest paragraphs, joined by spaces, up to `limit` characters."""
    pieces: list[str] = []
    size = 0
    for paragraph in sorted(paragraphs, key=len, reverse=True):
        if size >= limit:
            break
        pieces.append(paragraph[: limit - size])
        size += len(pieces[-1]) + 1
    return " ".join(pieces)


class Language(Stage):
    name = "language"

    def __init__(
        self,
        keep_languages: tuple[str, ...] | list[str] | None = (CHINESE,),
        min_fasttext_score: float = 0.5,
        mixed_script_share: float = 0.2,
        add_text_hans: bool = False,
        kana_share: float = 0.05,
        cantonese_share: float = 0.03,
        sample_chars: int = 300,
        use_fasttext: bool = True,
        model_path: str | None = None,
    ) -> None:
        if sample_chars < 1:
            raise ValueError("sample_chars must be at least 1")
        if not 0.0 <= mixed_script_share < 0.5:
            raise ValueError("mixed_script_share must be in [0, 0.5)")
        for share in (min_fasttext_score, kana_share, cantonese_share):
            if not 0.0 <= share <= 1.0:
                raise ValueError("min_fasttext_score, kana_share and cantonese_share must be in [0, 1]")
        self.keep_languages = frozenset(keep_languages) if keep_languages is not None else None
        self.min_fasttext_score = min_fasttext_score
        self.mixed_script_share = mixed_script_share
        self.add_text_hans = add_text_hans
        self.kana_share = kana_share
        self.cantonese_share = cantonese_share
        self.sample_chars = sample_chars
        self._fasttext = self._load_fasttext(model_path) if use_fasttext else None
        self._langdetect = LangDetectLanguageId(seed=0)
        self._converter = SimplifiedConverter()
        self._profiler = ScriptProfiler(self._converter)

    @staticmethod
    def _load_fasttext(model_path: str | None) -> FastTextLanguageId | None:
        path = Path(model_path) if model_path is not None else packaged_model_path()
        if path is None or not path.is_file():
            log.warning("fastText model %s not found; language ID falls back to langdetect", path)
            return None
        try:
            return FastTextLanguageId(path)
        except (ImportError, ValueError, RuntimeError) as error:
            log.warning("fastText unavailable (%s); language ID falls back to langdetect", error)
            return None

    def judge(self, doc: Document) -> Verdict:
        text = doc.text or ""
        profile = self._profiler.profile(text)
        pools: dict[str, list[str]] = {}
        weights: dict[str, int] = {}
        for letters, paragraph in zip(profile.paragraphs, text.split("\n"), strict=True):
            system = writing_system(letters, self.kana_share)
            if system is not None:
                pools.setdefault(system, []).append(paragraph)
                weights[system] = weights.get(system, 0) + paragraph_weight(letters)
        found = [(weights[s], self._decide(s, sample(pool, self.sample_chars))) for s, pool in pools.items()]
        return self._verdict(doc, profile, found)

    def _decide(self, system: str, text: str) -> Decision:
        best = None
        if self._fasttext is not None:
            best = decide(system, self._fasttext.probabilities(text), "fasttext")
            if system in SINGLE_LANGUAGE_SYSTEMS or len(text) < LANGDETECT_MIN_CHARS:
                return best or Decision(SYSTEM_DEFAULT[system], 0.0, "script")
        if best is None or best.score < self.min_fasttext_score:
            fallback = decide(system, self._langdetect.probabilities(text), "langdetect")
            if fallback is not None and (best is None or fallback.score > best.score):
                best = fallback
        return best or Decision(SYSTEM_DEFAULT[system], 0.0, "script")

    def _verdict(self, doc: Document, profile: TextProfile, found: list[tuple[int, Decision]]) -> Verdict:
        """The document's verdict from the decisions on its paragraph pools, each with its weight."""
        by_language: dict[str, int] = {}
        for weight, decision in found:
            by_language[decision.language] = by_language.get(decision.language, 0) + weight
        if not by_language:  # no letters at all
            by_language, found = {UNDETERMINED: 1}, [(1, Decision(UNDETERMINED, 0.0, "none"))]
        language = max(by_language, key=by_language.__getitem__)
        own = [(weight, decision) for weight, decision in found if decision.language == language]
        lead = max(own, key=lambda item: item[0])[1]
        score = sum(weight * decision.score for weight, decision in own) / by_language[language]
        others = {code: weight for code, weight in by_language.items() if code != language}
        chinese = language == CHINESE

        updates: dict[str, object] = {
            "lang": language,
            "lang_score": round(score, 4),
            "script": self._script(profile) if chinese else None,
        }
        if self.add_text_hans:
            updates["text_hans"] = self._converter.to_simplified(doc.text or "") if chinese else doc.text
        verdict = Verdict(
            signals={"lang_other_share": round(sum(others.values()) / sum(by_language.values()), 4)},
            tags={"lang_detector": lead.detector},
            updates=updates,
            overwrite=frozenset(updates),
        )
        if chinese:
            self._chinese_signals(verdict, profile, lead.variant)
        if others:
            verdict.tags["lang_other"] = max(others, key=others.__getitem__)
        if self.keep_languages is not None and language not in self.keep_languages:
            verdict.drop = self.reason(language)
        return verdict

    def _chinese_signals(self, verdict: Verdict, profile: TextProfile, variant: str | None) -> None:
        share = profile.traditional_share
        if share is not None:
            verdict.signals["script_traditional_share"] = round(share, 4)
        cantonese = profile.cantonese / profile.total.han if profile.total.han else 0.0
        verdict.signals["zh_cantonese_share"] = round(cantonese, 4)
        if variant is None and cantonese >= self.cantonese_share:
            variant = "yue"
        if variant is not None:
            verdict.tags["zh_variant"] = variant

    def _script(self, profile: TextProfile) -> str | None:
        return script_label(
            profile.traditional, profile.simplified, profile.total.han, self.mixed_script_share
        )

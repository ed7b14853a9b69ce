from __future__ import annotations

import datetime as dt

import pytest

from filters.patterns import DATE_RE, alternation, load_lines, parse_china_datetime, simplified_table

CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018年07月19日 11:22", dt.datetime(2018, 7, 19, 11, 22, tzinfo=CHINA)),
        ("发布时间：2023-06-12 10:35:21", dt.datetime(2023, 6, 12, 10, 35, 21, tzinfo=CHINA)),
        ("2024/1/8", dt.datetime(2024, 1, 8, tzinfo=CHINA)),
        ("２０２４年３月５日", dt.datetime(2024, 3, 5, tzinfo=CHINA)),
    ],
)
def test_chinese_dates_parse_to_china_time(text: str, expected: dt.datetime) -> None:
    match = DATE_RE.search(text)
    assert match is not None
    assert parse_china_datetime(match) == expected


def test_impossible_dates_are_none() -> None:
    match = DATE_RE.search("2023年02月30日")
    assert match is not None
    assert parse_china_datetime(match) is None
    assert DATE_RE.search("第2023号文件") is None


def test_simplified_table_keeps_length_and_maps_traditional() -> None:
    table = simplified_table()
    traditional = "首頁 > 黨派·聲音 編輯：關鍵詞 來源"
    simplified = traditional.translate(table)
    assert simplified == "首页 > 党派·声音 编辑：关键词 来源"
    assert len(simplified) == len(traditional)


def test_alternation_prefers_longer_phrases() -> None:
    import re

    pattern = re.compile(alternation(["编辑", "责任编辑", "编辑部"]))
    assert pattern.match("责任编辑：王五").group() == "责任编辑"
    assert pattern.match("编辑部").group() == "编辑部"
    assert re.compile(alternation([])).search("任何") is None


def test_data_files_load() -> None:
    assert "zhuang" in " ".join(load_lines("pinyin_syllables.txt")).split()
    assert load_lines("han_frequency.txt")[0] == "一"

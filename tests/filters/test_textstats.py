from __future__ import annotations

import pytest

from filters.textstats import (
    URL_RE,
    ends_sentence,
    has_clause_marks,
    is_list_item,
    is_prose_sentence,
    is_title_like,
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("会议取得圆满成功。", True),
        ("他说：“一定完成任务！”", True),
        ("这是为什么?", True),
        ("加强组织引导", False),
        ("近四年来，", False),
        ("访问 www.gov.cn", False),
        ("第1.", False),
    ],
)
def test_ends_sentence(line: str, expected: bool) -> None:
    assert ends_sentence(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("一、总体要求", True),
        ("一是提升执行能力。", True),
        ("（三）保障措施", True),
        ("1.提高政治站位", True),
        ("2、强化责任落实", True),
        ("第五条 本办法自印发之日起施行。", True),
        ("■以建章立制为基础", True),
        ("1.5亿元资金已拨付到位。", False),
        ("2023年，全市经济稳中向好。", False),
        ("十分重要的一项工作。", False),
    ],
)
def test_is_list_item(line: str, expected: bool) -> None:
    assert is_list_item(line) is expected


def test_title_and_clause_shapes() -> None:
    assert is_title_like("推动参政议政“三有”")
    assert not is_title_like("力量，在党旗下凝聚")
    assert not is_title_like("长" * 31)
    assert has_clause_marks("一是精选学习内容、二是创新学习方式")
    assert not has_clause_marks("守正出新 久久为功")


def test_url_stops_at_chinese_punctuation() -> None:
    match = URL_RE.search("详见https://www.gov.cn/zhengce/2024/0412.htm，欢迎提出意见。")
    assert match is not None
    assert match.group() == "https://www.gov.cn/zhengce/2024/0412.htm"


@pytest.mark.parametrize(
    ("line", "prose"),
    [
        ("区委统战部召开党外知识分子座谈会，听取对年度工作的建议。", True),
        ("座谈会开得很好。", False),  # too few Han characters to tell
        ("区委统战部召开党外知识分子座谈会听取对年度工作的建议", False),  # no sentence end
    ],
)
def test_is_prose_sentence(line: str, prose: bool) -> None:
    assert is_prose_sentence(line) is prose

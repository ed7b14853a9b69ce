from __future__ import annotations

from filters.base import Document
from filters.min_content import MinimumContent


def judge(text: str, **params: int | None) -> str | None:
    return MinimumContent(**params).judge(Document(id="1", url="u", text=text)).drop


def test_empty_shell_is_dropped() -> None:
    assert judge("首页\n新闻中心\n登录 注册\nCopyright 2024") == "min_content_too_few_han"


def test_short_notice_is_kept() -> None:
    notice = "关于召开2024年度全市统战工作会议的通知\n各区县委统战部：经研究，定于3月15日上午9时在市委第一会议室召开全市统战工作会议，请各单位主要负责同志准时参加。"
    assert judge(notice) is None


def test_threshold_off() -> None:
    assert judge("短", min_han=None) is None

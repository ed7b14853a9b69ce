"""Phrase and pattern files under `filters/data`, and the patterns several text stages share.

Rule files are written in simplified Chinese. Stages match them against a character-by-character
simplified copy of a line (`simplified_table`): a traditional page (首頁, 編輯, 關鍵詞) then
matches the same rules, and because the mapping is one character for one character, offsets in
the copy are offsets in the original, from which values (an editor's name) are read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import opencc
import yaml

from filters.script import each_char_converted

DATA_DIR = Path(__file__).resolve().parent / "data"
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

# 2018年07月19日 11:22, 2018-07-19 11:22:33, 2018/7/19, 2018.07.19 (\d also takes full-width digits)
DATE_RE = re.compile(
    r"(?P<y>[12１２]\d{3})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?\s*[分秒]?)?"
)


def data_path(name: str) -> Path:
    return DATA_DIR / name


def load_yaml(name: str) -> Any:
    with data_path(name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_lines(name: str) -> list[str]:
    """The non-empty lines of a data file, without `#` comment lines."""
    lines = data_path(name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def simplified_table() -> dict[int, str]:
    """A `str.translate` table taking each traditional Han character to its simplified form.

    Built from OpenCC's t2s, tw2s and hk2s conversions of every BMP Han character on its own; only
    one-character results are kept, so `text.translate(table)` has the length of `text`.
    """
    table: dict[int, str] = {}
    for config in ("hk2s", "tw2s", "t2s"):
        for char, out in each_char_converted(opencc.OpenCC(config).convert).items():
            if len(out) == 1:
                table[ord(char)] = out
    return table


def alternation(phrases: Iterable[str]) -> str:
    """A regex alternation of literal phrases, longest first (so 责任编辑 wins over 编辑)."""
    unique = sorted(set(phrases), key=lambda phrase: (-len(phrase), phrase))
    return "(?:" + "|".join(re.escape(phrase) for phrase in unique) + ")" if unique else "(?!)"


def parse_china_datetime(match: re.Match[str]) -> dt.datetime | None:
    """The aware datetime (China time) of a `DATE_RE` match, or None if it is not a real date."""
    if not 1900 <= int(match["y"]) <= 2100:
        return None
    try:
        hour = int(match["H"]) if match["H"] else 0
        minute = int(match["M"]) if match["M"] else 0
        second = int(match["S"]) if match["S"] else 0
        return dt.datetime(
            int(match["y"]), int(match["m"]), int(match["d"]), hour, minute, second, tzinfo=CHINA_TZ
        )
    except ValueError:
        return None

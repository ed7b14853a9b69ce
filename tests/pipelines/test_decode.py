from __future__ import annotations

import pytest

from pipelines.decode import decode_html, normalize_encoding
from tests.conftest import ARTICLE_PARAGRAPHS, article_html

TRADITIONAL = (
    "近年來，天河區大力支持民主黨派加強自身建設，著力增強各黨派的政治意識和參政議政意識，黨派工作取得新成績。"
)


@pytest.mark.parametrize("charset", ["gb2312", "gbk", "GB18030", None])
def test_gbk_pages_with_and_without_meta(charset: str | None) -> None:
    html = article_html(charset=charset)
    decoded = decode_html(html.encode("gb18030"))
    assert decoded.encoding == "gb18030"
    assert ARTICLE_PARAGRAPHS[0] in decoded.text
    assert decoded.replaced_chars == 0


@pytest.mark.parametrize("charset", ["big5", None])
def test_big5_pages_with_and_without_meta(charset: str | None) -> None:
    html = article_html(
        paragraphs=[TRADITIONAL] * 3, title="台盟座談會", charset=charset, date_line="2024年02月20日"
    )
    decoded = decode_html(html.encode("big5", errors="replace"))  # the template's simplified nav becomes ?
    assert decoded.encoding == "big5hkscs"
    assert TRADITIONAL in decoded.text


def test_utf8_page_that_declares_gb2312_is_read_as_utf8() -> None:
    decoded = decode_html(article_html(charset="gb2312").encode("utf-8"))
    assert decoded.encoding == "utf-8"
    assert ARTICLE_PARAGRAPHS[1] in decoded.text


def test_http_header_that_lies_is_overruled_by_the_bytes() -> None:
    decoded = decode_html(article_html(charset=None).encode("gb18030"), "text/html; charset=utf-8")
    assert decoded.encoding == "gb18030"
    assert ARTICLE_PARAGRAPHS[2] in decoded.text


def test_header_charset_used_when_meta_is_missing() -> None:
    decoded = decode_html(
        article_html(charset=None).encode("big5", errors="replace"), "text/html; charset=big5"
    )
    assert decoded.encoding == "big5hkscs"


def test_a_few_bad_bytes_in_a_gbk_page_are_replaced_and_counted() -> None:
    body = bytearray(article_html(charset="gbk").encode("gb18030"))
    position = body.index("座谈会上".encode("gb18030"))
    body[position : position + 2] = b"\xff\xff"
    decoded = decode_html(bytes(body))
    assert decoded.encoding == "gb18030"
    assert decoded.replaced_chars >= 1
    assert ARTICLE_PARAGRAPHS[2] in decoded.text


def test_bom_wins() -> None:
    decoded = decode_html(b"\xef\xbb\xbf" + article_html(charset="gbk").encode("utf-8"))
    assert decoded.encoding == "utf-8-sig"
    assert not decoded.text.startswith("\ufeff")


def test_superset_names() -> None:
    assert normalize_encoding("GB2312") == "gb18030"
    assert normalize_encoding("x-gbk") == "gb18030"
    assert normalize_encoding("Big5") == "big5hkscs"
    assert normalize_encoding("no-such-charset") is None

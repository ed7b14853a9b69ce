"""The gold label format, and that every gold page's labels cover exactly the page's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.gold import (
    ARTICLE,
    GoldFormatError,
    coverage_problem,
    load_gold,
    page_reader_text,
    parse_labels,
    squeeze,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLD = FIXTURES / "gold"
# Measured, never tuned on (see its README): it must only stay parseable and exactly labelled.
HELDOUT = FIXTURES / "heldout"
HELDOUT2 = FIXTURES / "heldout2"


def test_labels_parse_into_kinds_roles_categories_and_inline_marks() -> None:
    meta, lines = parse_labels(
        "# kind: pinyin\n"
        "keep:title\t標題\n"
        "keep\t來⟦pinyin|(lái)⟧自基層\n"
        "remove:footer\t版權所有\n"
        "any:byline\t來源：本網\n",
        "x",
    )
    assert meta == {"kind": "pinyin"}
    assert [line.label for line in lines] == ["keep:title", "keep", "remove:footer", "any:byline"]
    assert lines[1].text == "來(lái)自基層"
    assert [s.category for s in lines[1].segments] == [None, "pinyin", None]
    assert [line.category for line in lines] == [ARTICLE, ARTICLE, "footer", None]


@pytest.mark.parametrize(
    "row",
    [
        "drop\t文字",
        "keep:maybe\t文字",
        "remove\t文字",
        "remove:Nav\t文字",
        "keep 文字",
        "keep\t來⟦pinyin|(lái)自",
    ],
)
def test_malformed_rows_are_errors_naming_the_line(row: str) -> None:
    with pytest.raises(GoldFormatError, match=r"x:1"):
        parse_labels(row, "x")


def test_gold_set_has_the_required_pages() -> None:
    pages = load_gold(GOLD)
    html = [p for p in pages if p.input_path.suffix == ".html"]
    assert len(html) >= 30
    assert sum(p.kind == "seed" for p in pages) == 5
    encodings = [p.meta.get("encoding") for p in html]
    assert encodings.count("gb18030") >= 4 and "big5" in encodings
    assert {"hard-negative", "hacked", "docsite", "pinyin", "mojibake"} <= {p.kind for p in pages}


@pytest.mark.parametrize("directory", [GOLD, HELDOUT, HELDOUT2], ids=["gold", "heldout", "heldout2"])
def test_every_page_is_covered_exactly_by_its_labels(directory: Path) -> None:
    pages = load_gold(directory)
    assert pages
    problems = [problem for page in pages if (problem := coverage_problem(page))]
    assert problems == []


def test_reader_text_puts_a_tail_after_the_text_of_the_element_it_follows(tmp_path: Path) -> None:
    # A tail belongs after its element's whole subtree: `<a><font>首页</font></a> | 要闻` reads
    # "首页 | 要闻", not "| 首页 要闻" (a pre-order walk emitted the link's tail before its child's text).
    (tmp_path / "a.html").write_text(
        "<html><body><div><a href='/'><font>首页</font></a> | <a><b>政务</b>公开</a> &gt; 要闻"
        "<!-- 注释 -->尾<p>正文<span>一</span>二</p>三</div></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "a.labels.tsv").write_text("# page: a.html\nkeep\t首页\n", encoding="utf-8")
    [page] = load_gold(tmp_path)
    assert squeeze(page_reader_text(page)) == "首页|政务公开>要闻尾正文一二三"


def test_coverage_check_notices_a_missing_line(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        "<html><body><p>第一段。</p><p>第二段。</p></body></html>", encoding="utf-8"
    )
    (tmp_path / "a.labels.tsv").write_text("# page: a.html\nkeep\t第一段。\n", encoding="utf-8")
    [page] = load_gold(tmp_path)
    assert coverage_problem(page) is not None
    (tmp_path / "a.labels.tsv").write_text(
        "# page: a.html\nkeep\t第一段。\nremove:nav\t第二段。\n", encoding="utf-8"
    )
    [page] = load_gold(tmp_path)
    assert coverage_problem(page) is None

"""The gold label format, and that every gold page's labels cover exactly the page's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.gold import ARTICLE, GoldFormatError, coverage_problem, load_gold, parse_labels

GOLD = Path(__file__).resolve().parent.parent / "fixtures" / "gold"


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


def test_every_gold_page_is_covered_exactly_by_its_labels() -> None:
    problems = [problem for page in load_gold(GOLD) if (problem := coverage_problem(page))]
    assert problems == []


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

from __future__ import annotations

import pytest

from filters.base import Document, Removal, Stage, Verdict, apply_verdict, merge_removals


class Marker(Stage):
    name = "marker"

    def judge(self, doc: Document) -> Verdict:
        return Verdict()


def doc(text: str) -> Document:
    return Document(id="1", url="http://a.gov.cn/1", text=text)


def test_removals_and_replacements_are_applied_and_recorded() -> None:
    d = doc("首页>新闻\n正文第一段。\n來(lái)源")
    verdict = Verdict(
        removals=[Removal(0, 6, "marker_crumb"), Removal(14, 19, "marker_pinyin", replacement="")]
    )
    removed = apply_verdict(d, verdict, Marker())
    assert d.text == "正文第一段。\n來源"
    assert removed == 11
    assert [(s.reason, s.n_chars, s.snippet) for s in d.removed] == [
        ("marker_crumb", 6, "首页>新闻\n"),
        ("marker_pinyin", 5, "(lái)"),
    ]


def test_label_only_changes_nothing_but_records() -> None:
    d = doc("正文。垃圾")
    apply_verdict(
        d,
        Verdict(removals=[Removal(3, 5, "marker_x")], drop="marker_bad", signals={"s": 2}),
        Marker(),
        label_only=True,
    )
    assert d.text == "正文。垃圾" and not d.dropped and not d.removed
    assert d.signals == {"s": 2.0, "marker_would_remove_chars": 2.0}
    assert d.tags == {"marker_would_drop": "marker_bad"}


def test_drop_and_updates_fill_only_empty_fields() -> None:
    d = doc("正文")
    d.author = "张三"
    apply_verdict(
        d, Verdict(updates={"author": "李四", "source_name": "新华社"}, drop="marker_bad"), Marker()
    )
    assert d.author == "张三" and d.source_name == "新华社"
    assert d.drop_stage == "marker" and d.drop_reason == "marker_bad"


def test_overlapping_or_out_of_range_removals_are_stage_bugs() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        apply_verdict(doc("一二三四"), Verdict(removals=[Removal(0, 3, "a"), Removal(2, 4, "b")]), Marker())
    with pytest.raises(ValueError, match="outside"):
        apply_verdict(doc("一二"), Verdict(removals=[Removal(0, 9, "a")]), Marker())
    with pytest.raises(ValueError, match="may not set"):
        apply_verdict(doc("一二"), Verdict(updates={"text": "x"}), Marker())


def test_merge_removals_joins_overlaps() -> None:
    merged = merge_removals([Removal(0, 4, "a"), Removal(2, 6, "b"), Removal(8, 9, "c")])
    assert [(r.start, r.end, r.reason) for r in merged] == [(0, 6, "a"), (8, 9, "c")]

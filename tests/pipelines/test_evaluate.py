"""The gold-set scorer itself: alignment, per-category counts, joins, titles, drops, blame, checks."""

from __future__ import annotations

from filters.base import Document, RemovedSpan
from pipelines.evaluate import PageScore, Thresholds, align, blame, check, score_output
from pipelines.gold import ARTICLE, parse_labels

ARTICLE_A = "县政协组织委员深入乡镇开展专题调研，听取基层干部和群众意见。"
ARTICLE_B = "调研组建议加快补齐农村物流短板，更多支持本地农产品上行。"


def lines(*rows: str):
    return parse_labels("\n".join(rows), "test")[1]


def score(rows: list[str], text: str, **kwargs) -> PageScore:
    return score_output("t", "ordinary", lines(*rows), text, **kwargs)


def test_align_marks_surviving_characters_in_order() -> None:
    assert align("abcd", "xbcy") == [-1, 1, 2, -1]
    assert align("abc", "") == [-1, -1, -1]


def test_perfect_cleaning_keeps_article_and_removes_noise() -> None:
    rows = [
        "remove:nav\t首页 > 政协动态",
        f"keep\t{ARTICLE_A}",
        f"keep\t{ARTICLE_B}",
        "remove:footer\t版权所有 冀ICP备13018820号",
    ]
    result = score(rows, f"{ARTICLE_A}\n{ARTICLE_B}")
    assert result.article_kept == 1.0
    assert result.noise_removed == 1.0
    assert result.counts["nav"] == [len("首页>政协动态"), 0]


def test_leaving_everything_removes_nothing() -> None:
    rows = ["remove:nav\t首页 > 政协动态", f"keep\t{ARTICLE_A}"]
    result = score(rows, f"首页 > 政协动态\n{ARTICLE_A}")
    assert result.article_kept == 1.0
    assert result.noise_removed == 0.0


def test_lost_paragraph_counts_its_characters() -> None:
    result = score([f"keep\t{ARTICLE_A}", f"keep\t{ARTICLE_B}"], ARTICLE_A)
    assert result.counts[ARTICLE] == [len(ARTICLE_A) + len(ARTICLE_B), len(ARTICLE_A)]


def test_removed_short_line_is_not_credited_to_the_same_words_in_the_article() -> None:
    # "更多" also occurs inside ARTICLE_B: the removed widget line must still count as removed.
    result = score(["remove:debris\t更多", f"keep\t{ARTICLE_B}"], ARTICLE_B)
    assert result.counts["debris"] == [2, 0]
    assert result.article_kept == 1.0


def test_whitespace_and_width_differences_do_not_count() -> None:
    result = score(["keep\t2024年6月14日 上午9:00 召开会议"], "２０２４年６月１４日　上午９：００召开会议")
    assert result.article_kept == 1.0


def test_inline_pinyin_marks_score_separately_from_the_clean_text() -> None:
    rows = ["keep\t去年以來⟦pinyin|(lái)⟧，玉門⟦pinyin|(mén)⟧市通過⟦pinyin|(guò)⟧豐富活動"]
    stripped = score(rows, "去年以來，玉門市通過豐富活動")
    assert stripped.article_kept == 1.0 and stripped.noise_removed == 1.0
    left = score(rows, "去年以來(lái)，玉門(mén)市通過(guò)豐富活動")
    assert left.article_kept == 1.0 and left.noise_removed == 0.0
    dropped_line = score(rows, "")
    assert dropped_line.article_kept == 0.0


def test_any_lines_are_not_scored() -> None:
    result = score(["any:byline\t发布时间：2024-03-02 来源：本网", f"keep\t{ARTICLE_A}"], ARTICLE_A)
    assert set(result.counts) == {ARTICLE}


def test_page_break_join_is_detected_on_one_output_line_only() -> None:
    rows = ["keep\t在政治理论学习、主题实践活动、政治宣", "keep:join\t传引导这三方面下苦功。"]
    joined = score(rows, "在政治理论学习、主题实践活动、政治宣传引导这三方面下苦功。")
    assert (joined.joins_expected, joined.joins_made) == (1, 1)
    assert joined.article_kept == 1.0
    split = score(rows, "在政治理论学习、主题实践活动、政治宣\n传引导这三方面下苦功。")
    assert (split.joins_expected, split.joins_made) == (1, 0)


def test_join_skips_removed_lines_between_the_halves() -> None:
    rows = ["keep\t近四年来，", "remove:caption\t图为开幕式现场。", "keep:join\t全市共发展新党员124名。"]
    result = score(rows, "近四年来，全市共发展新党员124名。")
    assert result.joins_made == 1
    assert result.noise_removed == 1.0


def test_heading_run_into_a_paragraph_is_a_false_join() -> None:
    rows = ["keep:heading\t一、基本情况", f"keep\t{ARTICLE_A}"]
    assert score(rows, f"一、基本情况\n{ARTICLE_A}").false_joins == []
    assert len(score(rows, f"一、基本情况{ARTICLE_A}").false_joins) == 1


def test_headline_moved_to_the_title_field_counts_as_kept() -> None:
    rows = ["keep:title\t县政协召开专题协商会", f"keep\t{ARTICLE_A}"]
    assert score(rows, ARTICLE_A, title="县政协召开专题协商会_永清政协网").article_kept == 1.0
    assert score(rows, ARTICLE_A, title="永清政协网").article_kept < 1.0


def test_dropped_document_keeps_nothing_and_removes_everything() -> None:
    rows = [f"keep\t{ARTICLE_A}", "remove:spam\t澳门六合彩 今晚开奖 一肖中特"]
    result = score(rows, f"{ARTICLE_A}\n澳门六合彩 今晚开奖 一肖中特", dropped="spam_block_whole")
    assert result.article_kept == 0.0
    assert result.noise_removed == 1.0


def test_blame_names_the_stage_whose_span_holds_a_lost_line() -> None:
    rows = [f"keep\t{ARTICLE_A}", f"keep\t{ARTICLE_B}"]
    result = score(rows, ARTICLE_A)
    doc = Document(id="x", url="http://example.gov.cn/", text=ARTICLE_A)
    assert "extract" in (blame(result.lines[1], doc) or "")
    doc.removed.append(RemovedSpan("spam_block", "spam_block_lexicon", len(ARTICLE_B), ARTICLE_B))
    assert blame(result.lines[1], doc) == "spam_block: spam_block_lexicon"
    assert blame(result.lines[0], doc) is None


def test_check_flags_pages_categories_and_joins_below_their_floors() -> None:
    limits = Thresholds(min_category_chars=5)
    good = PageScore(
        "good", "ordinary", None, {ARTICLE: [100, 100], "nav": [10, 0]}, joins_expected=1, joins_made=1
    )
    assert check([good], {ARTICLE: [100, 100], "nav": [10, 0]}, limits) == []

    weak = PageScore("weak", "hard-negative", None, {ARTICLE: [100, 93]})
    gone = PageScore("gone", "ordinary", "quality_not_prose", {ARTICLE: [100, 0]})
    totals = {ARTICLE: [200, 93], "spam": [50, 10], "nav": [4, 4]}
    failures = check([weak, gone], totals, limits)
    assert any(f.startswith("article kept") for f in failures)
    assert any(f.startswith("weak:") for f in failures)
    assert any(f.startswith("gone:") and "dropped" in f for f in failures)
    assert any(f.startswith("spam:") for f in failures)
    assert not any(f.startswith("nav:") for f in failures)  # too few characters to judge

    missed = PageScore("m", "docsite", None, {ARTICLE: [10, 10]}, joins_expected=4, joins_made=1)
    assert any(f.startswith("joins") for f in check([missed], {ARTICLE: [10, 10]}, limits))


def test_marked_runs_cannot_pull_article_characters_out_of_their_line() -> None:
    # The removed byline holds "區委統戰部" in one run, the paragraph only in pieces between
    # readings: a one-pass alignment credited the paragraph's characters to the byline.
    rows = [
        "remove:byline\t來源：區委統戰部",
        "keep\t今年以來⟦pinyin|(lái)⟧，區⟦pinyin|(qū)⟧委統⟦pinyin|(tǒng)⟧戰⟦pinyin|(zhàn)⟧部擴大工作覆蓋面",
    ]
    result = score(rows, "今年以來，區委統戰部擴大工作覆蓋面")
    assert result.counts[ARTICLE][0] == result.counts[ARTICLE][1]
    assert result.noise_removed == 1.0


def test_markdown_table_pipes_are_not_output_characters() -> None:
    rows = [
        "remove:nav\t首页 | 数据发布 | 统计公报",
        "keep\t项目 单位 数值",
        "keep\t粮食产量 万吨 12.6",
        "keep\t油料产量 万吨 3.1",
    ]
    table = "| 项目 | 单位 | 数值 |\n|---|:---:|---|\n| 粮食产量 | 万吨 | 12.6 |\n| 油料产量 | 万吨 | 3.1 |"
    result = score(rows, table)
    assert result.article_kept == 1.0
    # The table's pipes are not the removed menu's separators surviving.
    assert result.counts["nav"] == [len("首页|数据发布|统计公报"), 0]
    # A pipe outside table markup is still an output character: a menu left in keeps its own.
    left = score(rows, "首页 | 数据发布 | 统计公报\n" + table)
    assert left.counts["nav"] == [len("首页|数据发布|统计公报")] * 2


def test_headline_in_the_title_field_does_not_pull_on_the_body() -> None:
    # The headline's "1-6月" also opens the table header: aligned against the text, it took those
    # characters from the header and made the headline look run into it.
    rows = [
        "keep:title\t2024年1-6月全县财政收支情况",
        "keep\t1-6月 累计 同比",
        "keep\t一般公共预算收入 5.2 3.4",
    ]
    text = "| 1-6月 | 累计 | 同比 |\n| 一般公共预算收入 | 5.2 | 3.4 |"
    result = score(rows, text, title="2024年1-6月全县财政收支情况")
    assert result.article_kept == 1.0
    assert result.false_joins == []
    # Without the title field the headline is looked for in the text, and is missing there.
    untitled = score(rows, text)
    assert untitled.counts[ARTICLE][1] == untitled.counts[ARTICLE][0] - len("2024年1-6月全县财政收支情况")

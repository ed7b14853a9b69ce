from __future__ import annotations

from pipelines.config import ExtractConfig
from pipelines.extract import extract, metadata_from_text, parse_chinese_date

PARAGRAPHS = [
    "一年来，市政协在市委的坚强领导下，紧扣全市中心工作，认真履行政治协商、民主监督、参政议政职能。",
    "常委会坚持把群众关切作为履职重点，围绕教育、医疗、养老、就业等民生问题深入调研，提出了一批务实建议。",
    "全年组织民主监督活动十八次，提出意见建议二百余条，推动解决了一批群众关心的实际问题。",
    "新的一年，我们将坚持团结和民主两大主题，在服务高质量发展中展现新作为，为全市发展贡献智慧和力量。",
]


def report_page(heading_tag: str) -> str:
    return (
        "<html><head><title>常务委员会工作报告</title></head><body>"
        '<div class="nav"><a href="http://127.0.0.1:9/">首页</a></div><div class="article"><h1>常务委员会工作报告</h1>'
        f"<p>{PARAGRAPHS[0]}</p><{heading_tag}>一、过去一年的工作</{heading_tag}><p>{PARAGRAPHS[1]}</p>"
        f"<p>{PARAGRAPHS[2]}</p><{heading_tag}>二、今年的主要任务</{heading_tag}><p>{PARAGRAPHS[3]}</p>"
        "</div></body></html>"
    )


def test_section_headings_inside_the_article_are_kept_as_lines() -> None:
    for tag in ("h3", "h4"):
        text = extract(report_page(tag), "http://www.example.gov.cn/a.html", ExtractConfig()).text
        lines = text.split("\n")
        assert "一、过去一年的工作" in lines and "二、今年的主要任务" in lines
        assert lines.index("一、过去一年的工作") == lines.index(PARAGRAPHS[1]) - 1
        assert lines.index("二、今年的主要任务") == lines.index(PARAGRAPHS[3]) - 1


def test_layout_tables_become_paragraphs() -> None:
    cells = "".join(f"<tr><td><p>{p}</p></td></tr>" for p in PARAGRAPHS)
    page = f"<html><body><table width=1000><tr><td>首页 | 新闻</td></tr>{cells}</table></body></html>"
    text = extract(page, None, ExtractConfig()).text
    assert "|" not in text
    for paragraph in PARAGRAPHS:
        assert paragraph in text.split("\n")


def test_chinese_metadata_lines() -> None:
    date, source, author = metadata_from_text(
        "首页 > 新闻\n发布时间：2018年07月19日 11:22 来源：中央统战部网站 作者：李明\n正文"
    )
    assert (date.year, date.month, date.day, date.hour, date.minute) == (2018, 7, 19, 11, 22)
    assert date.utcoffset().total_seconds() == 8 * 3600
    assert source == "中央统战部网站" and author == "李明"
    assert metadata_from_text("今年以来，全市在2023年12月31日前完成了任务。")[0] is None
    assert parse_chinese_date("2024-02-30") is None


def test_a_menu_laid_out_as_a_table_is_not_a_data_table() -> None:
    menu = "".join(f'<td><a href="http://127.0.0.1:9/{i}">栏目{i}</a></td>' for i in range(6))
    data = "<tr><th>指标</th><th>数值</th></tr><tr><td>地区生产总值</td><td>1234.5亿元</td></tr>"
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = f"<html><body><table><tr>{menu}</tr></table><div>{body}<table>{data}</table></div></body></html>"
    text = extract(page, None, ExtractConfig()).text
    assert "| 栏目1 |" not in text and "|栏目1|" not in text.replace(" ", "")
    assert "地区生产总值" in text


def test_headline_replaces_a_title_tag_that_is_only_a_column_name() -> None:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = f"<html><head><title>同心</title></head><body><div><h2>市政协召开常委会议专题协商城市更新</h2>{body}</div></body></html>"
    assert extract(page, None, ExtractConfig()).title == "市政协召开常委会议专题协商城市更新"
    page = f"<html><head><title>市政协召开常委会议</title></head><body><div><h2>别的标题文字很长很长</h2>{body}</div></body></html>"
    assert extract(page, None, ExtractConfig()).title == "市政协召开常委会议"

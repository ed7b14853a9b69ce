from __future__ import annotations

from collections import Counter

import pytest

from filters.base import Document, apply_verdict
from filters.hidden_html import HiddenHtml

ARTICLE = (
    "<h1>县人社局开展根治欠薪冬季专项行动</h1>"
    "<p>为切实保障农民工工资按时足额支付，县人社局联合住建、交通等部门开展根治欠薪冬季专项行动。</p>"
    "<p>行动期间，执法人员深入在建工程项目现场，重点检查工资专用账户、实名制管理和工资保证金落实情况。</p>"
    "<p>截至目前，共检查用人单位63家，督促整改问题12个，帮助86名劳动者追回工资92万元。</p>"
)
ARTICLE_SENTENCES = ["根治欠薪冬季专项行动", "工资保证金落实情况", "追回工资92万元"]
LINK_FARM = (
    '<a href="http://www.am-bjl88.com/">澳门百家乐</a><a href="http://www.lhc-tm.net/">六合彩特码</a>'
    '<a href="http://ssc.example-bet.cc/">重庆时时彩</a>'
)


def page(body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>县人社局</title>'
        f'{head}</head><body><div class="nav">首页 &gt; 工作动态</div><div id="zoom">{body}</div>'
        '<div class="footer">主办单位：某县人民政府办公室</div></body></html>'
    )


@pytest.fixture(scope="module")
def stage() -> HiddenHtml:
    return HiddenHtml()


def clean(stage: HiddenHtml, html: str) -> tuple[Document, Counter[str]]:
    doc = Document(id="1", url="https://www.example.gov.cn/a.html", text="", html=html)
    apply_verdict(doc, stage.judge(doc), stage)
    return doc, Counter(span.reason for span in doc.removed)


def assert_article_kept(doc: Document) -> None:
    assert doc.html is not None
    for sentence in ARTICLE_SENTENCES:
        assert sentence in doc.html


HIDDEN = {
    "display:none inline": (
        f'{ARTICLE}<div style="display: none">{LINK_FARM}</div>',
        "hidden_html_display_none",
    ),
    "display:none from a class rule": (
        f'{ARTICLE}<div class="ft-links">{LINK_FARM}</div>',
        "hidden_html_display_none",
    ),
    "visibility:hidden from an id rule": (
        f'{ARTICLE}<p id="yqlj">{LINK_FARM}</p>',
        "hidden_html_visibility_hidden",
    ),
    "descendant selector": (
        f'{ARTICLE}<div class="bottom"><ul class="hot"><li>{LINK_FARM}</li></ul></div>',
        "hidden_html_offscreen",
    ),
    "zero font size": (f'{ARTICLE}<span style="font-size:0px;">{LINK_FARM}</span>', "hidden_html_zero_font"),
    "zero height with overflow hidden": (
        f'{ARTICLE}<div style="height:0;overflow:hidden">{LINK_FARM}</div>',
        "hidden_html_zero_size",
    ),
    "1px box with overflow hidden": (
        f'{ARTICLE}<div style="width:1px;height:1px;overflow:hidden;">{LINK_FARM}</div>',
        "hidden_html_zero_size",
    ),
    "absolute far left": (
        f'{ARTICLE}<div style="position:absolute; left:-9999px; top:-9999px">{LINK_FARM}</div>',
        "hidden_html_offscreen",
    ),
    "negative margin": (
        f'{ARTICLE}<div style="margin-top:-3000px">{LINK_FARM}</div>',
        "hidden_html_offscreen",
    ),
    "negative text-indent": (
        f'{ARTICLE}<div style="text-indent:-10000px;white-space:nowrap">{LINK_FARM}</div>',
        "hidden_html_text_indent",
    ),
    "opacity zero": (f'{ARTICLE}<div style="opacity:0">{LINK_FARM}</div>', "hidden_html_transparent"),
    "hidden attribute": (f"{ARTICLE}<section hidden>{LINK_FARM}</section>", "hidden_html_hidden_attr"),
    "marquee": (f'{ARTICLE}<marquee scrollamount="20">{LINK_FARM}</marquee>', "hidden_html_marquee"),
    "noscript": (f"{ARTICLE}<noscript>{LINK_FARM}</noscript>", "hidden_html_noscript"),
    "noframes": (f"{ARTICLE}<noframes>{LINK_FARM}</noframes>", "hidden_html_noframes"),
    "template": (f"{ARTICLE}<template><p>{LINK_FARM}</p></template>", "hidden_html_template"),
    "div opened hidden by document.write": (
        f"{ARTICLE}<script>document.write('<div style=\"display:none\">');</script>{LINK_FARM}"
        "<script>document.write('</div>');</script>",
        "hidden_html_script_write",
    ),
}
SHEET = (
    "<style>.ft-links{display:none}#yqlj{visibility:hidden}"
    ".bottom .hot{position:absolute;left:-8000px}</style>"
)


@pytest.mark.parametrize("case", sorted(HIDDEN))
def test_hidden_link_farm_is_removed_with_its_text(stage: HiddenHtml, case: str) -> None:
    body, reason = HIDDEN[case]
    doc, reasons = clean(stage, page(body, SHEET))
    assert reasons == Counter({reason: 1})
    assert_article_kept(doc)
    assert doc.html is not None and "百家乐" not in doc.html and "时时彩" not in doc.html
    assert doc.removed[0].snippet == "澳门百家乐 六合彩特码 重庆时时彩"
    assert doc.signals["hidden_html_chars"] == len("澳门百家乐六合彩特码重庆时时彩") + 2
    assert doc.signals["hidden_html_elements"] == 1


VISIBLE = {
    "aria-hidden icon and text": (
        '<p><i class="icon-phone" aria-hidden="true"></i><span aria-hidden="true">☎</span>'
        "咨询电话：0123-4567890</p>"
    ),
    "small positive offsets": '<div style="position:relative;left:-20px;top:5px">通知公告：本周五停水检修</div>',
    "text-indent of two characters": '<p style="text-indent:2em">通知公告：本周五停水检修</p>',
    "responsive class hidden only on phones": '<div class="hidden-xs">通知公告：本周五停水检修</div>',
    "class named hidden without a rule on the page": '<div class="hide">通知公告：本周五停水检修</div>',
    "font-size zero undone by the children": (
        '<ul style="font-size:0"><li style="font-size:14px;display:inline-block">通知公告：本周五停水检修</li></ul>'
    ),
    "visibility hidden undone by a child": (
        '<div style="visibility:hidden"><p style="visibility:visible">通知公告：本周五停水检修</p></div>'
    ),
    "active tab shown by a more specific rule": '<div class="tab-pane active">通知公告：本周五停水检修</div>',
    "rule under :hover": '<div class="submenu">通知公告：本周五停水检修</div>',
    "overflow hidden with a real height": (
        '<div style="height:300px;overflow:hidden">通知公告：本周五停水检修</div>'
    ),
}
VISIBLE_SHEET = (
    "<style>@media (max-width:767px){.hidden-xs{display:none!important}}"
    "@media print{.noprint{display:none}}.tab-pane{display:none}.tab-pane.active{display:block}"
    ".menu:hover .submenu{display:none}</style>"
)


@pytest.mark.parametrize("case", sorted(VISIBLE))
def test_visible_elements_are_kept(stage: HiddenHtml, case: str) -> None:
    html = page(ARTICLE + VISIBLE[case], VISIBLE_SHEET)
    doc, reasons = clean(stage, html)
    assert reasons == Counter()
    assert doc.html == html
    assert doc.signals["hidden_html_chars"] == 0


def test_tracking_pixel_is_removed_with_no_text(stage: HiddenHtml) -> None:
    doc, reasons = clean(stage, page(ARTICLE + '<img src="/stat.gif?id=7" width="1" height="1" border="0">'))
    assert reasons == Counter({"hidden_html_tiny_image": 1})
    assert doc.removed[0].n_chars == 0
    assert doc.html is not None and "stat.gif" not in doc.html


def test_nested_hidden_elements_are_one_removal(stage: HiddenHtml) -> None:
    body = f'{ARTICLE}<div style="display:none"><p style="visibility:hidden">{LINK_FARM}</p><p>友情链接</p></div>'
    doc, reasons = clean(stage, page(body))
    assert reasons == Counter({"hidden_html_display_none": 1})
    assert doc.removed[0].snippet == "澳门百家乐 六合彩特码 重庆时时彩\n友情链接"


def test_hidden_dropdown_menu_is_removed(stage: HiddenHtml) -> None:
    menu = '<ul class="sub" style="display:none"><li><a href="/zwgk/">政务公开</a></li><li><a href="/bsfw/">办事服务</a></li></ul>'
    doc, reasons = clean(stage, page(menu + ARTICLE))
    assert reasons == Counter({"hidden_html_display_none": 1})
    assert_article_kept(doc)


def test_article_revealed_by_script_is_kept_and_recorded(stage: HiddenHtml) -> None:
    long_article = ARTICLE * 4  # the whole article sits in a container that a script shows on load
    body = f'<div id="content" style="display:none">{long_article}</div><div style="display:none">{LINK_FARM}</div>'
    doc, reasons = clean(stage, page(body))
    assert reasons == Counter({"hidden_html_display_none": 1})  # the link farm still goes
    assert_article_kept(doc)
    assert doc.signals["hidden_html_kept_chars"] > 300
    assert doc.tags["hidden_html_kept"] == "hidden_html_display_none"


def test_faded_in_article_is_kept_even_beside_a_long_sidebar(stage: HiddenHtml) -> None:
    sidebar = "<ul>" + "<li>市政府常务会议研究部署今冬明春安全生产工作</li>" * 60 + "</ul>"
    body = f'<div id="js_content" style="visibility: hidden;">{ARTICLE * 2}</div>{sidebar}'
    doc, reasons = clean(stage, page(body))
    assert reasons == Counter()
    assert_article_kept(doc)
    assert doc.tags["hidden_html_kept"] == "hidden_html_visibility_hidden"


def test_guard_can_be_turned_off(stage: HiddenHtml) -> None:
    body = f'<div id="content" style="display:none">{ARTICLE * 4}</div>'
    doc = Document(id="1", url="u", text="", html=page(body))
    verdict = HiddenHtml(max_share=None).judge(doc)
    assert [removal.reason for removal in verdict.removals] == ["hidden_html_display_none"]


def test_unclosed_hidden_paragraph_ends_at_the_next_block(stage: HiddenHtml) -> None:
    body = f'<p style="display:none">{LINK_FARM}<p>公告：本周五上午停水检修。<li>条目一<li>条目二'
    doc, reasons = clean(stage, page(ARTICLE + body))
    assert reasons == Counter({"hidden_html_display_none": 1})
    assert doc.html is not None and "公告：本周五上午停水检修。" in doc.html and "条目二" in doc.html


def test_hidden_element_closed_by_its_parent(stage: HiddenHtml) -> None:
    body = f'<div class="links"><span style="display:none">{LINK_FARM}</div><p>公告：本周五上午停水检修。</p>'
    doc, reasons = clean(stage, page(ARTICLE + body))
    assert reasons == Counter({"hidden_html_display_none": 1})
    assert doc.html is not None and "公告：本周五上午停水检修。" in doc.html


def test_gbk_style_entities_in_removed_text_are_decoded(stage: HiddenHtml) -> None:
    body = ARTICLE + '<div style="display:none">&#20845;&#21512;&#24425;&nbsp;&amp;&nbsp;百家乐</div>'
    doc, _ = clean(stage, page(body))
    assert doc.removed[0].snippet == "六合彩 & 百家乐"


@pytest.mark.parametrize(
    "html",
    [
        "",
        "纯文本，没有任何标签",
        "<",
        "<div style='display:none'>百家乐",  # truncated inside a hidden element
        '<div style="display:none',  # truncated inside a tag
        "<!-- 未闭合的注释 <div style=display:none>六合彩</div>",
        "<script>document.write('<div style=\"display:none\">')",
        "</div></div></p><p>多余的结束标签</span>",
        "<svg><path d='M0 0'/><g style='display:none'><text>x</text></g></svg><p>正文</p>",
        "\ud800<p style='display:none'>\U00020000</p>",
        "<div " + "a" * 5000,
        '<a href="x>' * 2000,
    ],
)
def test_broken_html_never_crashes(stage: HiddenHtml, html: str) -> None:
    doc = Document(id="1", url="u", text="", html=html)
    verdict = stage.judge(doc)
    apply_verdict(doc, verdict, stage)


def test_truncated_hidden_element_runs_to_the_end(stage: HiddenHtml) -> None:
    full = page(ARTICLE)
    html = full[: full.index("</div><div class")] + f'<div style="display:none">{LINK_FARM}'  # cut download
    doc, reasons = clean(stage, html)
    assert reasons == Counter({"hidden_html_display_none": 1})
    assert doc.html is not None and doc.html.endswith("追回工资92万元。</p>")


def test_no_html_is_left_alone(stage: HiddenHtml) -> None:
    doc = Document(id="1", url="u", text="正文", html=None)
    assert stage.judge(doc).removals == []


def test_large_page_with_many_hidden_blocks(stage: HiddenHtml) -> None:
    block = f'<div class="item"><p>{"市政府召开常务会议。" * 5}</p><span style="display:none">{LINK_FARM}</span></div>\n'
    html = page(block * 3000)  # ~1.5 MB, 3000 hidden spans
    doc, reasons = clean(stage, html)
    assert reasons == Counter({"hidden_html_display_none": 3000})
    assert (
        doc.html is not None and "百家乐" not in doc.html and doc.html.count("市政府召开常务会议。") == 15000
    )

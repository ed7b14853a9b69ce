"""Page shape: JavaScript challenge pages and article pages without a known URL shape."""

from __future__ import annotations

import pytest

from crawler.pages import is_js_challenge, looks_like_article

RUISHU = (
    b'<!DOCTYPE html><html><head><meta id="Xk2Pq" content="bGcx0Vd3">'
    b"<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=71523;</script>"
    b'<script type="text/javascript" src="/ZhT3bL0wEp/c.js" r=\'m\'></script></head><body></body></html>'
)
JIASULE = (
    b"<html><body><script>document.cookie=('_')+('_')+('jsl_clearance_s=1713945600.1|0|'+'abc');"
    b"location.href=location.pathname+location.search</script></body></html>"
)
ARTICLE = (
    "<html><head><meta charset='utf-8'><title>关于做好春季农业生产工作的通知</title>"
    "<script>var _hmt = _hmt || [];document.cookie='visited=1';</script></head><body>"
    "<div class='nav'><a href='/'>首页</a><a href='/zwgk/'>政务公开</a></div>"
    "<h1>关于做好春季农业生产工作的通知</h1>"
    "<p>各县（市、区）农业农村局：当前正值春耕备耕关键时期，为切实抓好春季农业生产，确保粮食和重要农产品稳定安全供给，现就有关事项通知如下。</p>"
    "<p>一、压实粮食生产责任。各地要把粮食生产目标任务分解落实到乡村和经营主体，稳定播种面积，主攻单产提升。</p>"
    "<p>二、强化农资供应保障。加强种子、化肥、农药等农资市场监管，严厉打击假冒伪劣，保障春耕生产需要。</p>"
    "<p>三、做好防灾减灾工作。密切关注天气变化，及时发布预警信息，指导农民做好倒春寒、干旱等灾害防范。</p>"
    "</body></html>"
)
LISTING = (
    "<html><head><meta charset='utf-8'><title>通知公告</title></head><body><ul>"
    + "".join(
        f"<li><a href='/tzgg/202404/t2024042{i}_{i}.html'>关于开展第{i}批重点项目申报工作的通知</a><span>2024-04-2{i}</span></li>"
        for i in range(10)
    )
    + "</ul><div class='page'><a href='index_1.html'>下一页</a></div></body></html>"
)


@pytest.mark.parametrize(
    ("status", "body"),
    [(412, RUISHU), (202, RUISHU), (521, JIASULE), (200, JIASULE)],
    ids=["ruishu-412", "ruishu-202", "jiasule-521", "cookie-reload-200"],
)
def test_challenge_pages(status: int, body: bytes) -> None:
    assert is_js_challenge(status, body)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, ARTICLE.encode()),  # a real page that also sets a cookie in a script
        (412, ARTICLE.encode()),  # an odd status on a real page is not a challenge
        (
            200,
            b"<html><body><script src='/stats.js'></script></body></html>",
        ),  # empty, but nothing challenge-like
        (404, b"<html><body><h1>404 Not Found</h1></body></html>"),
        (412, b""),
    ],
    ids=["article", "article-412", "script-only-200", "404", "empty-412"],
)
def test_not_challenge_pages(status: int, body: bytes) -> None:
    assert not is_js_challenge(status, body)


def test_a_big_scripted_page_is_not_a_challenge() -> None:
    assert not is_js_challenge(412, RUISHU + b"<!--" + b"x" * 70_000 + b"-->")


def test_article_and_listing_shapes() -> None:
    assert looks_like_article(ARTICLE)
    assert not looks_like_article(LISTING)


def test_cms_metadata_lowers_the_bar() -> None:
    short = (
        "<html><head><meta name='ArticleTitle' content='市政府召开常务会议'><meta name='PubDate' content='2024-04-24'>"
        "</head><body><p>4月24日，市政府召开常务会议，研究部署近期重点工作，审议通过了有关文件，会议还研究了其他事项。</p>"
        "<p>会议要求，各地各部门要认真抓好贯彻落实，确保各项工作任务按时完成，切实推动全市经济社会高质量发展。</p></body></html>"
    )
    assert looks_like_article(short)
    assert not looks_like_article(short.replace("ArticleTitle", "keywords").replace("PubDate", "description"))


def test_content_selectors_recognise_a_site_article_body() -> None:
    page = (
        "<html><body><div class='zw'>"
        + "国务院办公厅关于印发有关工作方案的通知全文内容。" * 5
        + "</div></body></html>"
    )
    assert not looks_like_article(page)
    assert looks_like_article(page, ["div.zw"])


@pytest.mark.parametrize("text", ["", "   ", "<html></html>", "\x00\x01\x02", "<p>" * 1000])
def test_odd_input_is_not_an_article(text: str) -> None:
    assert not looks_like_article(text)

"""URL shapes of gov CMSs: articles, listings, pagination, TRS script paging."""

from __future__ import annotations

import pytest

from crawler.links import (
    article_pattern_name,
    classify_url,
    is_pagination_link,
    page_number,
    script_page_urls,
    within_page_limit,
)
from crawler.sites import parse_sites


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("https://www.gov.cn/zhengce/content/2024-04/24/content_6947245.htm", "date_dir"),
        ("https://www.gov.cn/yaowen/liebiao/202404/content_6947245.htm", "content_id"),
        ("http://cpc.people.com.cn/n1/2024/0424/c1001-40223222.html", "people_cms"),
        ("https://www.example.gov.cn/art/2024/4/24/art_1229_123.html", "hanweb_art"),
        ("https://www.example.gov.cn/zwgk/tzgg/202404/t20240424_123456.html", "trs_dated"),
        ("https://www.12371.cn/2024/04/24/ARTI1713940312345678.shtml", "cctv_arti"),
        ("http://www.qstheory.cn/dukan/qs/2024-04/16/c_1130108587.htm", "date_dir"),
        ("http://www.example.org.cn/xw/c_1130108587.htm", "xinhua_c"),
        ("http://www.rmzxb.com.cn/c/2024-04-24/3528000.shtml", "dated_path_id"),
        ("https://www.example.edu.cn/info/1021/12345.htm", "info_cms"),
        ("https://www.zytzb.gov.cn/tzyw/380123.jhtml", "numeric_id"),
        ("http://www.example.gov.cn/ShowArticle.aspx?ArticleID=8812", "detail_query"),
    ],
)
def test_article_urls(url: str, pattern: str) -> None:
    assert classify_url(url) == "article"
    assert article_pattern_name(url) == pattern


@pytest.mark.parametrize(
    "url",
    [
        "https://www.gov.cn/",
        "https://www.gov.cn/yaowen/liebiao/",
        "https://www.example.gov.cn/zwgk/tzgg/index.html",
        "https://www.example.gov.cn/zwgk/tzgg/index_3.html",
        "https://www.example.gov.cn/col/col1229/index.html",
        "https://www.zytzb.gov.cn/tzyw/index.jhtml",
        "http://www.example.gov.cn/list.jsp?catid=12&page=4",
        "http://www.example.gov.cn/node_1234.htm",
    ],
)
def test_listing_urls(url: str) -> None:
    assert classify_url(url) == "listing"


@pytest.mark.parametrize(
    "url", ["https://www.example.gov.cn/special/jiedu.html", "https://www.example.gov.cn/about/jgzn.htm"]
)
def test_urls_of_no_known_shape_are_left_to_page_shape(url: str) -> None:
    assert classify_url(url) == "unknown"


def test_site_patterns_come_first() -> None:
    site = parse_sites(
        {
            "sites": [
                {
                    "key": "example",
                    "name": "示例",
                    "category": "gov",
                    "level": "city",
                    "allowed_domains": ["www.example.gov.cn"],
                    "start_urls": ["http://www.example.gov.cn/"],
                    "article_patterns": [r"/special/\w+\.html$"],
                    "listing_patterns": [r"/zt/\d+\.html$"],
                }
            ]
        },
        "t",
    ).get("example")
    assert classify_url("https://www.example.gov.cn/special/jiedu.html", site) == "article"
    assert classify_url("https://www.example.gov.cn/zt/202404.html", site) == "listing"
    assert (
        classify_url("https://www.example.gov.cn/zt/202404.html") == "article"
    )  # numeric_id without the site rule


@pytest.mark.parametrize(
    ("url", "number"),
    [
        ("http://x.gov.cn/tzgg/index_2.html", 2),
        ("http://x.gov.cn/tzgg/list-7.shtml", 7),
        ("http://x.gov.cn/tzgg/node_12_3.htm", 3),
        ("http://x.gov.cn/list.jsp?catid=1&pageNo=5", 5),
        ("http://x.gov.cn/tzgg/index.html", None),
        ("http://x.gov.cn/tzgg/202404/t20240424_2.html", None),
    ],
)
def test_page_numbers(url: str, number: int | None) -> None:
    assert page_number(url) == number


def test_pagination_links_stay_in_the_listing_directory() -> None:
    page = "http://x.gov.cn/tzgg/index.html"
    assert is_pagination_link("http://x.gov.cn/tzgg/index_1.html", "2", page)
    assert is_pagination_link("http://x.gov.cn/tzgg/more.html", "下一页", page)
    assert not is_pagination_link("http://x.gov.cn/xwdt/index_1.html", "下一页", page)  # another column
    assert not is_pagination_link("http://x.gov.cn/tzgg/202404/t20240424_1.html", "通知", page)
    assert not is_pagination_link(
        "http://x.gov.cn/tzgg/t20240424_1.html", "1", page
    )  # an article, not a page
    assert within_page_limit("http://x.gov.cn/tzgg/index_2.html", 3)
    assert not within_page_limit("http://x.gov.cn/tzgg/index_3.html", 3)


def test_trs_create_page_html_classic() -> None:
    html = '<script language="JavaScript">createPageHTML(4, 0, "index", "html");</script>'
    assert script_page_urls(html, "http://x.gov.cn/zwgk/tzgg/index.html", limit=10) == [
        "http://x.gov.cn/zwgk/tzgg/index.html",
        "http://x.gov.cn/zwgk/tzgg/index_1.html",
        "http://x.gov.cn/zwgk/tzgg/index_2.html",
        "http://x.gov.cn/zwgk/tzgg/index_3.html",
    ]


def test_trs_create_page_html_variants() -> None:
    newer = "<script>createPageHTML('page_div',26, 1,'fg_list','htm',520);</script>"
    assert script_page_urls(newer, "http://x.gov.cn/fg/fg_list_1.htm", limit=3) == [
        "http://x.gov.cn/fg/fg_list.htm",
        "http://x.gov.cn/fg/fg_list_1.htm",
        "http://x.gov.cn/fg/fg_list_2.htm",
    ]
    variables = (
        "<script>\nvar countPage = 12//共多少页\nvar currentPage = 0;\n"
        'createPageHTML(countPage, currentPage, "index", "shtml");\n</script>'
    )
    urls = script_page_urls(variables, "http://x.gov.cn/a/b/", limit=2)
    assert urls == ["http://x.gov.cn/a/b/index.shtml", "http://x.gov.cn/a/b/index_1.shtml"]


@pytest.mark.parametrize(
    "html",
    [
        "<p>no script paging here</p>",
        "<script>createPageHTML(countPage, currentPage, prefix, suffix);</script>",  # unresolved variables
        '<script>createPageHTML(3, 0, "index", "php");</script>',  # not a static-page extension
        "<script>createPageHTML(",  # cut off
    ],
)
def test_no_script_paging(html: str) -> None:
    assert script_page_urls(html, "http://x.gov.cn/a/index.html", limit=5) == []

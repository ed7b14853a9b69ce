"""The Scrapy project offline: `scrapy list`, every configured site builds its spider, tldextract stays offline."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.sites import load_sites
from crawler.spiderloader import SiteSpiderLoader
from crawler.spiders.base import SiteSpider, parse_lastmod
from tests.crawler.conftest import REPO, crawl_env

SITES = load_sites()


def _scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_scrapy_list_shows_every_site() -> None:
    result = _scrapy("list")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == sorted([*SITES.keys(), "site"])


def test_scrapy_list_names_the_bad_site_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "sites.yaml"
    bad.write_text(
        "sites:\n  - key: broken\n    name: 坏站点\n    category: gov\n    level: central\n"
        "    allowed_domains: [www.example.gov.cn]\n    start_urls: [http://www.elsewhere.gov.cn/]\n",
        encoding="utf-8",
    )
    result = _scrapy("list", "-s", f"GOVCORPUS_SITES_FILE={bad}")
    assert result.returncode != 0
    assert "site 'broken': field 'start_urls'" in result.stderr


def _start_requests(spider: SiteSpider) -> list[Request]:
    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


@pytest.mark.parametrize("site", list(SITES), ids=SITES.keys())
def test_every_site_builds_its_spider_offline(site, tmp_path: Path) -> None:
    settings = {"GOVCORPUS_DATA_DIR": str(tmp_path)}
    loader = SiteSpiderLoader.from_settings(get_crawler(settings_dict=settings).settings)
    spider_class = loader.load(site.key)
    crawler = get_crawler(spider_class, settings)
    spider = spider_class.from_crawler(crawler)
    assert spider.name == site.key and spider.site == site
    assert spider.allowed_domains == list(site.allowed_domains)
    assert site.allowed_domains[0] in (spider_class.__doc__ or "")
    requests = _start_requests(spider)
    assert [r.url for r in requests] == [*site.sitemaps, *site.start_urls]
    assert all(site.allows_url(r.url) and r.errback is not None for r in requests)
    assert not (tmp_path / "state").exists()  # building a spider touches no state


def test_base_spider_takes_the_site_as_an_argument(tmp_path: Path) -> None:
    crawler = get_crawler(
        SiteSpider, {"GOVCORPUS_DATA_DIR": str(tmp_path), "GOVCORPUS_CRAWL_ID": "20240424T120000Z"}
    )
    spider = SiteSpider.from_crawler(crawler, site="gov_cn")
    assert spider.site.key == "gov_cn" and spider.crawl_id == "20240424T120000Z"
    with pytest.raises(ValueError, match="site=KEY"):
        SiteSpider.from_crawler(get_crawler(SiteSpider, {"GOVCORPUS_DATA_DIR": str(tmp_path)}))


def test_page_budget_caps_requests(tmp_path: Path) -> None:
    crawler = get_crawler(SiteSpider, {"GOVCORPUS_DATA_DIR": str(tmp_path), "GOVCORPUS_MAX_PAGES": 2})
    spider = SiteSpider.from_crawler(crawler, site="gov_cn")
    assert len(SITES.get("gov_cn").start_urls) > 2
    assert len(_start_requests(spider)) == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04-24", "2024-04-24T00:00:00+08:00"),
        ("2024-04-24T10:30:00+08:00", "2024-04-24T10:30:00+08:00"),
        ("2024-04-24T02:30:00Z", "2024-04-24T02:30:00+00:00"),
        ("yesterday", None),
        (None, None),
    ],
)
def test_sitemap_lastmod_parsing(value: str | None, expected: str | None) -> None:
    parsed = parse_lastmod(value)
    assert (parsed.isoformat() if parsed else None) == expected


def test_tldextract_never_fetches_the_suffix_list() -> None:
    code = (
        "import crawler.settings\n"
        "import scrapy.downloadermiddlewares.cookies as cookies\n"
        "assert cookies._split_domain.suffix_list_urls == (), cookies._split_domain.suffix_list_urls\n"
        "print(cookies._is_public_domain('gov.cn'), cookies._is_public_domain('www.gov.cn'))\n"
    )
    env = crawl_env()
    env.pop("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    # Answered from the snapshot bundled with tldextract.
    assert result.stdout.split() == ["True", "False"]


def test_deny_patterns_and_duplicates_are_not_requested(tmp_path: Path) -> None:
    spider = SiteSpider.from_crawler(
        get_crawler(SiteSpider, {"GOVCORPUS_DATA_DIR": str(tmp_path)}), site="gov_cn"
    )
    assert spider._request("https://www.gov.cn/search/zhengce/?t=zhengce&q=营商环境", "listing", 1, 0) is None
    article = "https://www.gov.cn/zhengce/content/202404/content_6947245.htm"
    request = spider._request(article + "#top", "article", 1, 0)
    assert request is not None and request.url == article
    assert request.meta["govcorpus_kind"] == "article" and 304 in request.meta["handle_httpstatus_list"]
    assert spider._request(article, "article", 1, 0) is None

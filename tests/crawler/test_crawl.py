"""The real crawler against the fixture site: what is fetched, what is refused, what is stored, twice.

Run 1 crawls the fixture site from scratch; then two articles change (one linked from a listing,
one known only from the sitemap) and run 2 must fetch-and-store exactly those two, asking for the
others conditionally. All network traffic stays on 127.0.0.0/8: the fixture site on 127.0.0.1 and
two canaries (127.0.0.2 inside the allowed domains but private, 127.0.0.3 off-site) that must
never see a connection.
"""

from __future__ import annotations

import gzip
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.state import CrawlState
from pipelines.capture_index import read_capture_index
from pipelines.decode import decode_html
from pipelines.readers import read_inputs
from pipelines.warc_writer import payload_digest
from tests.crawler.conftest import CrawlRun, LiveSite

ARTICLES = {
    # path: (expected charset in the capture index, the title that must decode)
    "/news/2024-04/24/content_1001.htm": ("utf-8", "市政府常务会议研究部署一季度经济运行工作"),
    "/news/202404/t20240424_1002.html": ("gb18030", "我市召开优化营商环境推进会"),
    "/news/art_1229_1003.html": ("gb18030", "全市春季植树造林工作全面展开"),
    "/news/2024-04/20/content_0998.htm": ("utf-8", "我市举行重大项目集中开工仪式"),
    "/news/2024-04/26/content_1006.htm": ("utf-8", "市领导调研城乡基层治理工作"),
    "/policy/n1/2024/0424/c1001-40223222.html": ("big5hkscs", "關於進一步做好對台交流工作的通知"),
    "/policy/2024-04/25/content_1005.htm": ("gb18030", "市人民政府关于印发2024年重点民生实事项目的通知"),
    "/policy/202404/t20240425_1011.html": ("utf-8", "市人民政府办公室关于做好2024年度政务公开工作的通知"),
    "/policy/202404/t20240426_1012.html": ("gb18030", "关于印发《某某市促进民营经济发展若干措施》的通知"),
    "/special/jiedu.html": ("utf-8", "一图读懂今年政府工作报告"),
    "/archive/2024-03/01/content_0901.htm": ("utf-8", "三月份全市重点工作安排"),
    "/archive/2024-03/02/content_0902.htm": ("utf-8", "全市召开安全生产工作会议"),
    "/flaky/2024-04/27/content_1007.htm": ("utf-8", "关于开展安全生产大检查的通知"),
}
LISTINGS = (
    "/",
    "/news/index.html",
    "/news/index_1.html",
    "/news/index_2.html",
    "/policy/index.html",
    "/policy/index_1.html",
    "/policy/index_2.html",
    "/special/links.html",
)
CHANGED = ("/news/2024-04/24/content_1001.htm", "/archive/2024-03/02/content_0902.htm")


@dataclass
class TwoRuns:
    site: LiveSite
    data: Path
    first: CrawlRun
    second: CrawlRun
    first_hits: list
    second_hits: list

    def fetches(self, run: CrawlRun) -> list[dict]:
        state = CrawlState(self.data / "state")
        try:
            return state.fetches(run.crawl_id)
        finally:
            state.close()

    def outcomes(self, run: CrawlRun) -> dict[str, str]:
        """path (or full URL when off the fixture host) -> outcome."""
        return {_path(row["url"], self.site.base): row["outcome"] for row in self.fetches(run)}

    def crawl_dir(self, run: CrawlRun) -> Path:
        return self.data / "raw" / run.crawl_id


def _path(url: str, base: str) -> str:
    return url[len(base) :] if url.startswith(base) else url


@pytest.fixture(scope="module")
def two_runs(
    live_site: LiveSite,
    run_crawl_subprocess: Callable[..., CrawlRun],
    tmp_path_factory: pytest.TempPathFactory,
) -> TwoRuns:
    work = tmp_path_factory.mktemp("crawl")
    sites = live_site.sites_file(work)
    args = ("--sites-file", str(sites), "--allow-host", "127.0.0.1", "--data-dir", str(work / "data"))
    live_site.server.clear()
    first = run_crawl_subprocess(*args)
    assert first.returncode == 0, first.stderr[-4000:]
    first_hits = list(live_site.server.hits)
    live_site.server.clear()
    live_site.edit(CHANGED[0].lstrip("/"), "（本文已更新）")
    live_site.edit(CHANGED[1].lstrip("/"), "（会议通报已修订）")
    second = run_crawl_subprocess(*args)
    assert second.returncode == 0, second.stderr[-4000:]
    second_hits = list(live_site.server.hits)
    return TwoRuns(live_site, work / "data", first, second, first_hits, second_hits)


def test_first_run_stores_every_article_once(two_runs: TwoRuns) -> None:
    outcomes = two_runs.outcomes(two_runs.first)
    stored = {path for path, outcome in outcomes.items() if outcome == "stored"}
    assert stored == set(ARTICLES)
    assert {path for path, outcome in outcomes.items() if outcome == "navigation"} == {
        *LISTINGS,
        "/sitemap.xml",
    }
    summary = two_runs.first.summary
    assert (summary["stored"], summary["navigation"], summary["unchanged"]) == ("13", "9", "0")
    assert summary["status"] == "finished"


def test_what_is_never_fetched(two_runs: TwoRuns) -> None:
    outcomes = two_runs.outcomes(two_runs.first)
    requested = {hit.path for hit in two_runs.first_hits}
    # robots.txt disallows /private/: asked for robots.txt, never for the page.
    assert "/robots.txt" in requested
    assert outcomes["/private/secret.html"] == "robots_disallowed"
    assert not any(path.startswith("/private/") for path in requested)
    # Pagination stops at max_list_pages (3): index_3.html and what only it links to are not fetched.
    assert "/news/index_3.html" not in requested and "/news/2024-04/01/content_0900.htm" not in outcomes
    # The redirect to another host is refused before any connection; so are the private hosts
    # inside the allowed domains (a name resolving to 127.0.0.1, and 127.0.0.2).
    offsite = [url for url, outcome in outcomes.items() if outcome == "refused_offsite"]
    assert offsite == [f"http://127.0.0.3:{two_runs.site.offsite_canary.port}/landing.html"]
    private = sorted(url for url, outcome in outcomes.items() if outcome == "refused_private")
    assert [re.sub(r":\d+/", ":PORT/", url) for url in private] == [
        "http://127.0.0.2:PORT/probe/2024-04/30/content_2002.htm",
        "http://localhost:PORT/probe/2024-04/30/content_2001.htm",
    ]
    assert two_runs.site.offsite_canary.connections == 0
    assert two_runs.site.private_canary.connections == 0
    assert not any(
        hit.path.startswith("/probe/") or hit.host.startswith("localhost") for hit in two_runs.first_hits
    )
    # Off-site links in pages (127.0.0.5) are not even requested.
    assert not any("127.0.0.5" in url for url in outcomes)


def test_oversized_blocked_and_flaky_pages(two_runs: TwoRuns) -> None:
    outcomes = two_runs.outcomes(two_runs.first)
    assert outcomes["/big/2024-04/29/content_1009.htm"] == "too_large"
    assert outcomes["/bomb/2024-04/29/content_1010.htm"] == "too_large"  # small gzip body, too large inflated
    assert outcomes["/guard/2024-04/28/content_1008.htm"] == "blocked_challenge"
    flaky = [hit.status for hit in two_runs.first_hits if hit.path == "/flaky/2024-04/27/content_1007.htm"]
    assert flaky == [500, 200]
    index = read_capture_index(two_runs.crawl_dir(two_runs.first)).to_pylist()
    stored_paths = {_path(row["url"], two_runs.site.base) for row in index}
    assert stored_paths == set(ARTICLES)
    assert not stored_paths & {"/guard/2024-04/28/content_1008.htm", "/big/2024-04/29/content_1009.htm"}


def test_capture_index_and_warc_records(two_runs: TwoRuns) -> None:
    crawl_dir = two_runs.crawl_dir(two_runs.first)
    rows = read_capture_index(crawl_dir).to_pylist()
    assert len(rows) == len(ARTICLES)
    warc_files = sorted(crawl_dir.glob("*.warc.gz"))
    assert len(warc_files) >= 2  # rotated at GOVCORPUS_WARC_MAX_BYTES=8000
    assert not list(crawl_dir.glob("*.open"))
    request_targets = set()
    for warc in warc_files:
        with warc.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "request":
                    assert record.rec_headers.get_header("WARC-Concurrent-To")
                    request_targets.add(record.rec_headers.get_header("WARC-Target-URI"))
    assert request_targets == {row["url"] for row in rows}
    for row in rows:
        assert row["crawl_id"] == two_runs.first.crawl_id and row["site"] == "fixture"
        assert row["status"] == 200 and row["page_kind"] == "article" and row["category"] == "gov"
        # The (offset, length) slice is one complete gzip member holding the response record.
        blob = (crawl_dir / row["warc_file"]).read_bytes()[row["offset"] : row["offset"] + row["length"]]
        gzip.decompress(blob)
        record = next(iter(ArchiveIterator(io.BytesIO(blob))))
        headers = record.rec_headers
        assert record.rec_type == "response"
        assert headers.get_header("WARC-Target-URI") == row["url"]
        assert headers.get_header("WARC-Record-ID") == row["record_id"]
        assert headers.get_header("WARC-Payload-Digest") == row["digest"]
        assert headers.get_header("WARC-Date").startswith(row["fetched_at"].strftime("%Y-%m-%dT%H:%M"))
        assert headers.get_header("WARC-Govcorpus-Site") == "fixture"
        assert headers.get_header("WARC-Govcorpus-Crawl-Id") == two_runs.first.crawl_id
        assert headers.get_header("WARC-Govcorpus-Category") == "gov"
        assert headers.get_header("WARC-Govcorpus-Site-Level") == "central"
        payload = record.content_stream().read()
        assert payload_digest(payload) == row["digest"]
        assert record.http_headers.get_header("Content-Length") == str(len(payload))


def test_stored_pages_decode_correctly(two_runs: TwoRuns) -> None:
    rows = {
        _path(row["url"], two_runs.site.base): row
        for row in read_capture_index(two_runs.crawl_dir(two_runs.first)).to_pylist()
    }
    pages = {
        _path(page.url, two_runs.site.base): page
        for page in read_inputs([two_runs.crawl_dir(two_runs.first)])
    }
    assert set(pages) == set(ARTICLES)
    for path, (charset, title) in ARTICLES.items():
        assert rows[path]["charset"] == charset, path
        page = pages[path]
        assert (page.site, page.crawl_id, page.site_category) == ("fixture", two_runs.first.crawl_id, "gov")
        decoded = decode_html(page.html, page.content_type)
        assert decoded.encoding == charset, path
        assert decoded.replaced_chars == 0, path
        assert f"<h1>{title}</h1>" in decoded.text, path
    # The lying header is kept as the server sent it; the index says what it claimed.
    assert rows["/policy/2024-04/25/content_1005.htm"]["declared_charset"] == "utf-8"
    assert rows["/news/art_1229_1003.html"]["declared_charset"] is None
    # Raw captures are raw: the hacked page's hidden spam block is kept for the filters to judge.
    hacked = decode_html(pages["/news/2024-04/26/content_1006.htm"].html).text
    assert 'style="display:none"' in hacked and "百家乐" in hacked


def test_second_run_stores_only_the_two_changed_articles(two_runs: TwoRuns) -> None:
    outcomes = two_runs.outcomes(two_runs.second)
    counts = Counter(outcomes.values())
    assert {path for path, outcome in outcomes.items() if outcome == "stored"} == set(CHANGED)
    assert counts["stored"] == 2
    # Unchanged articles: 304 to a conditional request, except the one served without any
    # validator, which is fetched in full and recognised by its digest.
    assert counts["not_modified"] == 9
    assert [p for p, o in outcomes.items() if o == "unchanged_digest"] == [
        "/policy/n1/2024/0424/c1001-40223222.html"
    ]
    # The sitemap-only article that did not change is not requested at all (lastmod).
    requested = {hit.path for hit in two_runs.second_hits}
    assert "/archive/2024-03/01/content_0901.htm" not in requested
    # Listings and the sitemap are fetched in full again.
    assert {p for p, o in outcomes.items() if o == "navigation"} == {*LISTINGS, "/sitemap.xml"}
    for hit in two_runs.second_hits:
        if hit.path in LISTINGS or hit.path == "/sitemap.xml":
            assert hit.if_none_match is None and hit.if_modified_since is None and hit.status == 200
    conditional = {
        hit.path: hit for hit in two_runs.second_hits if hit.if_none_match or hit.if_modified_since
    }
    assert set(conditional) == set(ARTICLES) - {
        "/archive/2024-03/01/content_0901.htm",
        "/policy/n1/2024/0424/c1001-40223222.html",
    }
    assert conditional["/news/art_1229_1003.html"].if_none_match is None  # served without ETag
    summary = two_runs.second.summary
    assert (summary["stored"], summary["unchanged"], summary["skipped"]) == ("2", "10", "1")
    rows = read_capture_index(two_runs.crawl_dir(two_runs.second)).to_pylist()
    assert sorted(_path(row["url"], two_runs.site.base) for row in rows) == sorted(CHANGED)
    state = CrawlState(two_runs.data / "state")
    try:
        page = state.page(two_runs.site.base + CHANGED[0])
    finally:
        state.close()
    assert page is not None and page.stored_crawl_id == two_runs.second.crawl_id

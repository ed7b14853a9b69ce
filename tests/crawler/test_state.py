"""The SQLite crawl state: pages, the fetch log and crawl runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crawler.state import CrawlState

T0 = dt.datetime(2024, 4, 24, 8, 0, tzinfo=dt.UTC)
URL = "http://www.example.gov.cn/zwgk/202404/t20240424_1.html"


def test_page_updates_keep_what_a_later_answer_does_not_repeat(tmp_path: Path) -> None:
    state = CrawlState(tmp_path)
    state.record_page(
        url=URL, site="example", kind="article", fetched_at=T0, status=200, outcome="stored",
        etag='"abc"', last_modified="Wed, 24 Apr 2024 08:00:00 GMT", digest="sha1:AAAA", stored_crawl_id="c1",
    )  # fmt: skip
    later = T0 + dt.timedelta(days=7)
    state.record_page(
        url=URL, site="example", kind="article", fetched_at=later, status=304, outcome="not_modified"
    )
    page = state.page(URL)
    assert page is not None
    assert (page.last_fetch, page.status, page.outcome) == (later, 304, "not_modified")
    assert (page.etag, page.digest, page.stored_crawl_id) == ('"abc"', "sha1:AAAA", "c1")
    state.close()
    reopened = CrawlState(tmp_path)
    assert reopened.page(URL) == page
    assert reopened.page(URL + "?x") is None
    reopened.close()


def test_crawls_and_fetch_log(tmp_path: Path) -> None:
    state = CrawlState(tmp_path)
    for number in range(3):
        crawl_id = f"2024042{number}T000000Z"
        state.start_crawl(crawl_id, ["example"])
        state.log_fetch(
            crawl_id=crawl_id, site="example", url=URL, kind="article", outcome="stored", status=200, at=T0
        )
    assert state.unfinished_crawl() == "20240422T000000Z"
    state.finish_crawl("20240422T000000Z", "done", {"stored": 1})
    state.finish_crawl("20240421T000000Z", "interrupted", {})
    assert state.unfinished_crawl() == "20240421T000000Z"
    state.abandon_crawl("20240421T000000Z")
    assert state.unfinished_crawl() == "20240420T000000Z"
    assert [row["outcome"] for row in state.fetches("20240422T000000Z")] == ["stored"]
    assert state.prune_fetches(keep_crawls=1) == 2
    assert state.fetches("20240420T000000Z") == []
    assert state.crawl_exists("20240420T000000Z") and not state.crawl_exists("20240101T000000Z")
    state.close()

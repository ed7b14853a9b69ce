"""The state pipeline: only new or changed articles go on; every outcome is recorded with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler import items
from crawler.items import PageCapture
from crawler.state import CrawlState
from pipelines.crawl_state import CaptureSkipped, CrawlStatePipeline
from pipelines.warc_writer import payload_digest
from tests.crawler.captures import CRAWL_ID, make_capture

URL = "http://www.example.gov.cn/xwdt/202404/t20240424_7.html"
BODY = "<html><body><p>市政府召开常务会议，研究部署安全生产工作。</p></body></html>".encode()


def _capture(
    outcome: str = items.FETCHED, kind: str = "article", body: bytes = BODY, status: int = 200
) -> PageCapture:
    return make_capture(
        7,
        kind=kind,
        outcome=outcome,
        status=status,
        response_headers=[("ETag", '"v1"')],
        body=body if outcome == items.FETCHED else b"",
    )


@pytest.fixture
def pipeline(tmp_path: Path) -> CrawlStatePipeline:
    crawler = get_crawler(settings_dict={"GOVCORPUS_STATE_DIR": str(tmp_path)})
    pipeline = CrawlStatePipeline.from_crawler(crawler)
    pipeline.open_spider()
    yield pipeline
    pipeline.close_spider()


def _drop_code(pipeline: CrawlStatePipeline, capture: PageCapture) -> str:
    with pytest.raises(CaptureSkipped) as caught:
        pipeline.process_item(capture)
    pipeline.item_dropped(capture, caught.value)
    return caught.value.code


def test_a_new_article_goes_on_and_is_recorded_once_stored(
    pipeline: CrawlStatePipeline, tmp_path: Path
) -> None:
    capture = pipeline.process_item(_capture())
    assert capture.digest == payload_digest(BODY)
    assert pipeline.state is not None and pipeline.state.page(URL) is None  # not recorded before storing
    pipeline.item_scraped(capture)
    page = pipeline.state.page(URL)
    assert page is not None and (page.outcome, page.etag, page.digest) == ("stored", '"v1"', capture.digest)
    assert pipeline.stats.get_value("govcorpus/outcome/stored") == 1


def test_the_same_payload_again_is_not_stored(pipeline: CrawlStatePipeline) -> None:
    pipeline.item_scraped(pipeline.process_item(_capture()))
    assert _drop_code(pipeline, _capture()) == "unchanged_digest"
    changed = pipeline.process_item(_capture(body=BODY.replace("安全生产".encode(), "防汛抗旱".encode())))
    assert changed.digest != payload_digest(BODY)


@pytest.mark.parametrize(
    ("capture", "code"),
    [
        (_capture(kind="listing"), "navigation"),
        (_capture(kind="sitemap"), "navigation"),
        (_capture(outcome=items.NOT_MODIFIED, status=304), "not_modified"),
        (_capture(outcome=items.BLOCKED, status=412), "blocked_challenge"),
        (_capture(outcome=items.ROBOTS, status=None), "robots_disallowed"),
        (_capture(outcome="refused_offsite", status=None), "refused_offsite"),
    ],
)
def test_everything_else_is_dropped_with_its_outcome(
    pipeline: CrawlStatePipeline, capture: PageCapture, code: str
) -> None:
    assert _drop_code(pipeline, capture) == code
    assert pipeline.state is not None
    assert [row["outcome"] for row in pipeline.state.fetches(CRAWL_ID)] == [code]
    page = pipeline.state.page(URL)
    if code in ("robots_disallowed", "refused_offsite"):
        assert page is None  # never answered by the server: no page state
    else:
        assert page is not None and page.outcome == code and page.digest is None


def test_a_not_modified_answer_keeps_the_held_copy(pipeline: CrawlStatePipeline, tmp_path: Path) -> None:
    pipeline.item_scraped(pipeline.process_item(_capture()))
    _drop_code(pipeline, _capture(outcome=items.NOT_MODIFIED, status=304))
    page = CrawlState(tmp_path).page(URL)
    assert page is not None and page.outcome == "not_modified" and page.digest == payload_digest(BODY)
    assert page.stored_crawl_id == CRAWL_ID


def test_drops_by_later_pipelines_are_recorded_too(pipeline: CrawlStatePipeline) -> None:
    capture = pipeline.process_item(_capture())
    pipeline.item_dropped(capture, DropItem("empty body"))
    assert pipeline.state is not None
    assert [row["outcome"] for row in pipeline.state.fetches(CRAWL_ID)] == ["dropped"]

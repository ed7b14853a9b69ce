"""Distributed crawling against a real redis-server on 127.0.0.1: two workers, a killed worker, the Bloom filter.

The workers are the real `python -m crawler.run --redis URL` processes, crawling the fixture site
(tests/crawler/fixture_server.py). Each test uses its own key prefix in the one Redis server.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest
import redis
from scrapy import Request, signals
from scrapy.http import HtmlResponse
from scrapy.settings import BaseSettings, Settings
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.bloom import BloomParameters, RedisBloomFilter
from crawler.cluster import (
    CrawlBusy,
    CrawlKeys,
    apply_distributed_settings,
    finish_if_drained,
    join_crawl,
)
from crawler.distributed import (
    LEASE_META,
    ChildrenFirstMiddleware,
    LeasedRedisScheduler,
    LeaseQueue,
    requeue_dead_leases,
)
from crawler.locks import shared_crawl_lock
from crawler.run import EXIT_LOCKED, EXIT_USAGE, add_crawl_arguments, crawl_lock, run_crawl
from crawler.spiders.base import SiteSpider
from pipelines.config import load_config
from pipelines.runner import CleanRunner
from tests.crawler.conftest import REPO, TEST_SETTINGS, CrawlRun, LiveSite, crawl_env
from tests.crawler.fixture_server import FixtureSite
from tests.crawler.redis_server import REDIS_SERVER, LocalRedis, free_port, local_redis
from tests.crawler.test_crawl import ARTICLES, LISTINGS

FLAKY = "/flaky/2024-04/27/content_1007.htm"


@pytest.fixture(scope="module")
def redis_server() -> Iterator[LocalRedis]:
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is not installed: run `make system-deps`")
    with local_redis() as server:
        yield server


# ---------------------------------------------------------------------- worker processes
def _settings(prefix: str, *extra: str) -> tuple[str, ...]:
    # Later -s values win: politeness is turned back on where a test needs it.
    return (*TEST_SETTINGS, f"GOVCORPUS_REDIS_PREFIX={prefix}", "GOVCORPUS_REDIS_LEASE_TTL=2", *extra)


def start_worker(
    site: LiveSite, work: Path, data: Path, url: str, settings: tuple[str, ...]
) -> subprocess.Popen:
    sites = site.sites_file(work)
    command = [sys.executable, "-m", "crawler.run", "--sites-file", str(sites), "--allow-host", "127.0.0.1"]
    command += ["--data-dir", str(data), "--redis", url]
    for setting in settings:
        command += ["-s", setting]
    return subprocess.Popen(
        command, cwd=REPO, env=crawl_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish_worker(process: subprocess.Popen, started: float) -> CrawlRun:
    stdout, stderr = process.communicate(timeout=120)
    return CrawlRun(process.returncode, stdout, stderr, time.monotonic() - started)


@dataclass
class Timeline:
    """When the fixture server served each request, and how many it served at once at most."""

    spans: list[tuple[float, float, str]] = field(default_factory=list)
    active: int = 0
    most_at_once: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start_gaps(self) -> list[float]:
        starts = sorted(start for start, _, _ in self.spans)
        return [later - earlier for earlier, later in pairwise(starts)]


def record_timeline(monkeypatch: pytest.MonkeyPatch, server: FixtureSite, pause: float) -> Timeline:
    """Serve every request `pause` seconds slower, so that overlapping requests would be seen."""
    timeline = Timeline()
    serve = server.handle

    def handle(handler: object) -> None:
        with timeline.lock:
            timeline.active += 1
            timeline.most_at_once = max(timeline.most_at_once, timeline.active)
        started = time.monotonic()
        try:
            time.sleep(pause)
            serve(handler)  # type: ignore[arg-type]
        finally:
            with timeline.lock:
                timeline.active -= 1
                timeline.spans.append((started, time.monotonic(), getattr(handler, "path", "")))

    monkeypatch.setattr(server, "handle", handle)
    return timeline


def worker_of(run: CrawlRun) -> str:
    match = re.search(r" worker=(\S+):", run.stdout.strip().splitlines()[-1])
    assert match, run.stdout
    return match.group(1)


def page_hits(site: LiveSite) -> Counter[str]:
    return Counter(hit.path for hit in site.server.hits if hit.path != "/robots.txt")


def stored_urls(crawl_dir: Path) -> Counter[str]:
    """Response records in the crawl's finished WARC files, by path."""
    found: Counter[str] = Counter()
    for warc in crawl_dir.glob("*.warc.gz"):
        with warc.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "response":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    found["/" + url.split("/", 3)[3]] += 1
    return found


def clean_urls(raw: Path, output: Path) -> set[str]:
    """What `make clean-corpus` does with the crawl: every captured article is read, kept or rejected."""
    result = CleanRunner(load_config(REPO / "govcorpus.yaml"), output, quiet=True).run([raw])
    assert result.status == "done"
    rows = [row for path in sorted(output.rglob("*.parquet")) for row in pq.read_table(path).to_pylist()]
    return {"/" + row["url"].split("/", 3)[3] for row in rows if row.get("url")}


# ---------------------------------------------------------------------- two workers
def test_two_workers_share_queue_seen_set_and_politeness(
    live_site: LiveSite,
    redis_server: LocalRedis,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Both workers on one machine: one data directory, the lock file taken shared.
    settings = _settings(
        "two",
        "DOWNLOAD_DELAY=0.2",
        "GOVCORPUS_REDIS_DUPEFILTER=bloom",
        "GOVCORPUS_BLOOM_CAPACITY=10000",
    )
    live_site.server.clear()
    timeline = record_timeline(monkeypatch, live_site.server, pause=0.02)
    started = time.monotonic()
    workers = [
        start_worker(live_site, tmp_path, tmp_path / "data", redis_server.url, settings) for _ in range(2)
    ]
    runs = [finish_worker(worker, started) for worker in workers]
    for run in runs:
        assert run.returncode == 0, run.stderr[-4000:]
    assert runs[0].crawl_id == runs[1].crawl_id
    assert sorted(" resumed " in run.stdout for run in runs) == [False, True]  # one started it, one joined
    # Which worker fetched what is up to the scheduler (one may take nearly all on a small site);
    # what must hold is below: every page once across the two, politeness shared.

    # Every page fetched exactly once across the two (the flaky page: its 500, then the retry).
    hits = page_hits(live_site)
    assert set(ARTICLES) | set(LISTINGS) <= set(hits)
    assert {path: count for path, count in hits.items() if count != 1} == {FLAKY: 2}

    # No two requests to the host at once, starts at least DOWNLOAD_DELAY x 0.5 (jitter) = 0.1 s
    # apart, less a margin for when each request reaches the server.
    assert timeline.most_at_once == 1
    assert min(timeline.start_gaps()) >= 0.07

    # One crawl directory, one set of WARC files per worker, every article stored once.
    crawl_dir = tmp_path / "data" / "raw" / runs[0].crawl_id
    workers_in_names = {re.sub(r"-\d{5}\.warc\.gz$", "", p.name) for p in crawl_dir.glob("*.warc.gz")}
    writers = {worker_of(run) for run in runs if int(run.summary["stored"])}
    assert workers_in_names == {f"fixture-{runs[0].crawl_id}-{worker}" for worker in writers}
    assert stored_urls(crawl_dir) == Counter(dict.fromkeys(ARTICLES, 1))
    assert clean_urls(tmp_path / "data" / "raw", tmp_path / "corpus") == set(ARTICLES)

    # The crawl is done: no current crawl, its keys expire.
    assert redis_server.client.get(CrawlKeys.current("two")) is None
    assert all(redis_server.client.ttl(key) > 0 for key in redis_server.client.scan_iter("two:*"))


# ---------------------------------------------------------------------- a killed worker
def test_a_killed_workers_requests_are_fetched_by_the_next_worker(
    live_site: LiveSite, redis_server: LocalRedis, tmp_path: Path
) -> None:
    client = redis_server.client
    live_site.server.clear()
    data = tmp_path / "data"
    started = time.monotonic()
    slow = start_worker(live_site, tmp_path, data, redis_server.url, _settings("kill", "DOWNLOAD_DELAY=0.3"))
    deadline = time.monotonic() + 60
    while len(page_hits(live_site)) < 6 and time.monotonic() < deadline and slow.poll() is None:
        time.sleep(0.05)
    slow.send_signal(signal.SIGKILL)
    slow.communicate(timeout=10)
    current = client.get(CrawlKeys.current("kill"))
    assert current is not None, "the worker finished before it could be killed"
    keys = CrawlKeys("kill", current.decode())
    taken = client.hkeys(keys.leases("fixture"))
    assert taken  # requests the killed worker had taken and not finished
    before = page_hits(live_site)

    run = finish_worker(start_worker(live_site, tmp_path, data, redis_server.url, _settings("kill")), started)
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.crawl_id == keys.crawl_id and " resumed " in run.stdout
    assert "requeued" in run.stderr  # the killed worker's leases, once its heartbeat expired

    hits = page_hits(live_site)
    assert set(ARTICLES) | set(LISTINGS) <= set(hits)
    # At least once: only a request the killed worker had in flight may have been fetched twice.
    twice = {path for path, count in hits.items() if count > 1} - {FLAKY}
    assert len(twice) <= 1 and twice <= set(before)
    # The killed worker's open WARC file was repaired by the next worker on the machine; between
    # them every article is stored (a page stored just before the kill may be stored twice).
    crawl_dir = data / "raw" / keys.crawl_id
    assert not list(crawl_dir.glob("*.open"))
    assert set(stored_urls(crawl_dir)) == set(ARTICLES)
    assert client.get(CrawlKeys.current("kill")) is None


# ---------------------------------------------------------------------- leases, crawl ids, locks
def _queue(client: redis.Redis, prefix: str) -> LeaseQueue:
    settings = Settings({"GOVCORPUS_REDIS_PREFIX": prefix, "GOVCORPUS_CRAWL_ID": "20240424T000000Z"})
    spider = SimpleNamespace(name="fixture", settings=settings)
    return LeaseQueue(client, spider, CrawlKeys.from_settings(settings).queue("fixture"))


def pending(queue: LeaseQueue) -> tuple[int, list[str]]:
    queued, tokens = queue.pending()
    return queued, sorted(tokens)


def test_leases_of_dead_workers_go_back_to_the_queue(redis_server: LocalRedis) -> None:
    client = redis_server.client
    queue = _queue(client, "lease")
    keys = CrawlKeys("lease", "20240424T000000Z")
    for number, priority in ((1, 5), (2, 10), (3, 1)):
        queue.push(Request(f"http://www.example.gov.cn/{number}.html", priority=priority))
    assert queue.decode(queue.pop_leased("dead-1#1")).url.endswith("/2.html")  # highest priority first
    assert queue.decode(queue.pop_leased("live-2#1")).url.endswith("/1.html")
    assert pending(queue) == (1, ["dead-1#1", "live-2#1"])
    client.set(keys.alive("fixture", "live-2"), 1, px=10_000)
    assert requeue_dead_leases(queue, lambda worker: keys.alive("fixture", worker)) == 1
    assert pending(queue) == (2, ["live-2#1"])
    assert queue.decode(queue.pop_leased("live-2#2")).url.endswith("/2.html")  # back with its priority
    queue.release("live-2#1", "live-2#2")
    assert pending(queue) == (1, [])
    assert requeue_dead_leases(queue, lambda worker: keys.alive("fixture", worker)) == 0


def test_scheduler_leases_shared_budget_and_pending_work(redis_server: LocalRedis, tmp_path: Path) -> None:
    settings = BaseSettings({"GOVCORPUS_REDIS_URL": redis_server.url, "GOVCORPUS_REDIS_PREFIX": "sched"})
    apply_distributed_settings(settings, "20240424T000000Z", "w1")
    settings.set("GOVCORPUS_DATA_DIR", str(tmp_path))
    crawler = get_crawler(SiteSpider, settings.copy_to_dict())
    spider = SiteSpider.from_crawler(crawler, site="gov_cn")
    spider.page_budget = 2
    keys = CrawlKeys("sched", "20240424T000000Z")
    client = redis_server.client

    def leases() -> set[str]:
        return {token.decode() for token in client.hkeys(keys.leases(spider.name))}

    async def scenario() -> None:
        scheduler = LeasedRedisScheduler.from_crawler(crawler)
        scheduler.open(spider)
        first, second = Request("http://www.gov.cn/a.html"), Request("http://www.gov.cn/b.html")
        assert scheduler.enqueue_request(first) and scheduler.enqueue_request(second)
        assert not scheduler.enqueue_request(Request("http://www.gov.cn/a.html"))  # seen
        assert not scheduler.enqueue_request(Request("http://www.gov.cn/c.html"))  # over the budget of 2
        taken = scheduler.next_request()
        assert taken is not None and taken.meta[LEASE_META] == "w1#1" and leases() == {"w1#1"}
        assert scheduler.has_pending_requests()  # one still queued
        other = scheduler.next_request()
        assert other is not None and leases() == {"w1#1", "w1#2"}
        assert not scheduler.has_pending_requests()  # only this worker's own requests in progress
        # A redirect carries the lease on: queued (not counted in the budget), the lease released.
        assert scheduler.enqueue_request(taken.replace(url="http://www.gov.cn/a-moved.html"))
        assert leases() == {"w1#2"}
        # The page's capture went through the pipelines: released.
        crawler.signals.send_catch_log(
            signals.item_scraped,
            item=object(),
            response=HtmlResponse(other.url, request=other),
            spider=spider,
        )
        assert leases() == set()
        # Another live worker's lease: more work may come, so this worker waits.
        client.hset(keys.leases(spider.name), "w2#1", b"-10|request")
        client.set(keys.alive(spider.name, "w2"), 1, px=10_000)
        assert scheduler.has_pending_requests()
        client.hdel(keys.leases(spider.name), "w2#1")
        # Interrupted with a request in progress: it goes back to the queue for the others.
        assert scheduler.next_request() is not None and leases() == {"w1#3"}
        scheduler.close("shutdown")
        assert leases() == set() and client.zcard(keys.queue(spider.name)) == 1
        assert not client.exists(keys.alive(spider.name, "w1"))

    asyncio.run(scenario())


def test_a_pages_links_are_queued_before_its_capture_is_processed() -> None:
    events: list[str] = []
    engine = SimpleNamespace(crawl=lambda request: events.append(f"queued {request.url}"))
    middleware = ChildrenFirstMiddleware(SimpleNamespace(engine=engine))

    async def callback_output() -> AsyncIterator[object]:
        yield "capture"
        yield Request("http://www.gov.cn/1.html")
        yield Request("http://www.gov.cn/2.html")

    async def consume() -> None:
        async for item in middleware.process_spider_output(None, callback_output()):
            events.append(f"item {item}")

    asyncio.run(consume())
    assert events == ["queued http://www.gov.cn/1.html", "queued http://www.gov.cn/2.html", "item capture"]


def test_workers_join_one_crawl_until_it_is_done(redis_server: LocalRedis) -> None:
    client = redis_server.client
    first, joined = join_crawl(client, "join", ["fixture"], fresh=False)
    assert not joined
    assert join_crawl(client, "join", ["other"], fresh=False) == (first, True)
    keys = CrawlKeys("join", first)
    assert {site.decode() for site in client.smembers(keys.sites)} == {"fixture", "other"}
    client.zadd(keys.queue("other"), {b"pending request": -10})
    assert not finish_if_drained(client, keys, keep_seconds=60)
    assert client.get(CrawlKeys.current("join")).decode() == first
    # --fresh is refused while a worker of the crawl is alive, then discards the crawl.
    client.set(keys.alive("other", "w1"), 1, px=10_000)
    with pytest.raises(CrawlBusy):
        join_crawl(client, "join", ["fixture"], fresh=True)
    client.delete(keys.alive("other", "w1"))
    fresh, joined = join_crawl(client, "join", ["fixture"], fresh=True)
    assert fresh != first and not joined and client.zcard(keys.queue("other")) == 0
    fresh_keys = CrawlKeys("join", fresh)
    assert finish_if_drained(client, fresh_keys, keep_seconds=60)
    assert client.get(CrawlKeys.current("join")) is None
    assert 0 < client.ttl(fresh_keys.sites) <= 60
    # A new crawl after a finished one gets a new id (never one whose keys are still kept).
    assert join_crawl(client, "join", ["fixture"], fresh=False)[0] not in (first, fresh)


def test_workers_share_the_machine_lock_a_local_crawl_takes_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "crawl.lock"
    with shared_crawl_lock(path) as first:
        assert first is not None and first.alone() and first.held
        with shared_crawl_lock(path) as second:
            assert second is not None and not second.alone() and second.held
            with crawl_lock(path) as local:
                assert not local
    with crawl_lock(path) as local:
        assert local
        with shared_crawl_lock(path) as worker:
            assert worker is None


@pytest.mark.parametrize(
    ("setting", "code", "message"),
    [
        (None, EXIT_LOCKED, "cannot use Redis at redis://***@127.0.0.1"),
        (
            "GOVCORPUS_REDIS_DUPEFILTER=cuckoo",
            EXIT_USAGE,
            "GOVCORPUS_REDIS_DUPEFILTER must be one of set, bloom",
        ),
        ("GOVCORPUS_WORKER_ID=node 1", EXIT_USAGE, "worker id 'node 1'"),
    ],
)
def test_worker_start_errors_are_one_line(
    setting: str | None, code: int, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_crawl_arguments(parser)
    argv = [
        "--sites",
        "gov_cn",
        "--data-dir",
        str(tmp_path),
        "--redis",
        f"redis://:secret@127.0.0.1:{free_port()}/0",
    ]
    args = parser.parse_args([*argv, *(["-s", setting] if setting else [])])
    assert run_crawl(args) == code
    error = capsys.readouterr().err
    assert (
        error.startswith(f"govcorpus crawl: {message}") and "secret" not in error and "Traceback" not in error
    )


# ---------------------------------------------------------------------- Bloom filter
def test_bloom_sizing_and_memory_figures() -> None:
    hundred_million = BloomParameters.for_capacity(100_000_000, 0.001)
    assert hundred_million.hashes == 10 and hundred_million.shards == 1
    assert round(hundred_million.memory_bytes / 2**20, 1) == 171.4
    assert hundred_million.expected_error_rate(100_000_000) == pytest.approx(0.001, rel=0.01)
    assert hundred_million.expected_error_rate(200_000_000) == pytest.approx(0.0572, rel=0.01)
    one_percent = BloomParameters.for_capacity(100_000_000, 0.01)
    assert one_percent.hashes == 7 and round(one_percent.memory_bytes / 2**20, 1) == 114.3
    billion = BloomParameters.for_capacity(1_000_000_000, 0.001)
    assert billion.shards == 4 and billion.bits <= 2**32
    for capacity, rate in ((0, 0.01), (10, 0.0), (10, 1.0)):
        with pytest.raises(ValueError):
            BloomParameters.for_capacity(capacity, rate)


def _fingerprints(kind: str, count: int) -> list[bytes]:
    return [
        hashlib.sha1(f"http://www.{kind}.gov.cn/art/2024/{n}.html".encode()).digest() for n in range(count)
    ]


def test_bloom_false_positive_rate_matches_theory(redis_server: LocalRedis) -> None:
    parameters = BloomParameters.for_capacity(200_000, 0.001)
    bloom = RedisBloomFilter(redis_server.client, "bloom:fp", parameters)
    inserted, fresh = _fingerprints("inserted", 200_000), _fingerprints("fresh", 200_000)
    bloom.add_many(inserted)
    assert all(bloom.contains_many(inserted[::10]))  # never a false negative
    rate = sum(bloom.contains_many(fresh)) / len(fresh)
    expected = parameters.expected_error_rate(len(inserted))
    assert 0.6 * expected <= rate <= 1.4 * expected  # ~200 of 200k; the bounds are > 5 sigma away
    assert bloom.memory_used() == parameters.memory_bytes  # 351 KiB, whatever is added
    bloom.clear()


def test_bloom_add_is_new_once_across_shards(redis_server: LocalRedis) -> None:
    parameters = BloomParameters.for_capacity(3000, 0.01, max_shard_bits=10_000)
    assert parameters.shards == 3
    bloom = RedisBloomFilter(redis_server.client, "bloom:shards", parameters)
    items = _fingerprints("shards", 3000)
    assert bloom.add(items[0]) and not bloom.add(items[0])
    new = bloom.add_many(items[1:])
    assert sum(new) >= 0.97 * len(new)  # a few taken for seen: the false positives
    assert all(bloom.contains_many(items))
    assert all(redis_server.client.exists(f"bloom:shards:{shard}") for shard in range(3))
    bloom.clear()

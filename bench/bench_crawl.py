"""Crawler figures on the fixture site (tests/fixtures/site, served on 127.0.0.1): two scheduled runs.

The site gets a bulk column for steady-state figures: BULK_LISTINGS listing pages (TRS script
paging) of BULK_PER_LISTING articles each, copies of a fixture article. Run 1 crawls from scratch, then two articles change and run 2 crawls again (incremental). For each
run: pages fetched, stored, unchanged (304 or same digest), navigation (listings, sitemap),
skipped (sitemap lastmod), blocked and refused, and pages per second, as measured by the crawl
itself (`elapsed_s`: Scrapy start to stop) and wall-clock (including Python and Scrapy start-up).
Politeness is switched off (no delay, no AutoThrottle), as in the tests; real crawls are paced
by DOWNLOAD_DELAY (2 s per domain by default), not by the crawler. Run 1 is crawled again as a
distributed crawl (`--redis`, a local redis-server), by one worker and by two: pages/s per process
and together, against the local process. The Redis workers take the host's turn in Redis, one
request at a time across all of them; the local process with DOWNLOAD_DELAY=0 is not held to one
request at a time (Scrapy 2.19 starts every queued request of a slot at once when the delay is 0),
so the ratio includes that difference too.

Baseline, in this run: the same pages fetched one after another with urllib (no robots.txt, no
parsing, no storage); the crawl's pages/s is shown as a ratio against it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.crawler.conftest import FIXTURE_MTIME, FIXTURE_SITE, REPO, TEST_SETTINGS, crawl_env
from tests.crawler.fixture_server import Canary, FixtureSite
from tests.crawler.redis_server import local_redis

BULK_LISTINGS = 40
BULK_PER_LISTING = 25
FIELDS = ("fetched", "stored", "unchanged", "navigation", "skipped", "blocked", "refused", "errors")


def _crawl(args: list[str], processes: int = 1) -> list[tuple[dict[str, str], float]]:
    """Run `processes` crawls at once (the workers of a distributed crawl when args has --redis)."""
    command = [sys.executable, "-m", "crawler.run", *args]
    for setting in TEST_SETTINGS:
        command += ["-s", setting]
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            command, cwd=REPO, env=crawl_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    results = []
    for worker in workers:
        stdout, stderr = worker.communicate()
        if worker.returncode != 0:
            raise RuntimeError(stderr[-3000:])
        line = stdout.strip().splitlines()[-1]
        summary = dict(part.split("=", 1) for part in line.split(": ", 1)[1].split())
        results.append((summary, time.monotonic() - started))
    return results


def _add_bulk_column(root: Path) -> None:
    template = (root / "news/2024-04/20/content_0998.htm").read_text(encoding="utf-8")
    number = 0
    for page in range(BULK_LISTINGS):
        links = []
        for _ in range(BULK_PER_LISTING):
            number += 1
            path = root / f"bulk/2024-04/24/content_{number:05d}.htm"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                template.replace("重大项目集中开工仪式", f"第{number}批重大项目集中开工仪式"),
                encoding="utf-8",
            )
            links.append(
                f'<li><a href="2024-04/24/content_{number:05d}.htm">第{number}批重大项目集中开工</a></li>'
            )
        name = "index.html" if page == 0 else f"index_{page}.html"
        script = f'<script>createPageHTML({BULK_LISTINGS}, {page}, "index", "html");</script>'
        (root / "bulk" / name).write_text(
            f"<html><head><meta charset='utf-8'></head><body><ul>{''.join(links)}</ul>{script}</body></html>",
            encoding="utf-8",
        )
    home = root / "index.html"
    home.write_text(
        home.read_text(encoding="utf-8").replace(
            "</ul>", '<li><a href="/bulk/index.html">项目建设</a></li></ul>', 1
        ),
        encoding="utf-8",
    )


def _baseline(urls: list[str]) -> float:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.monotonic()
    for url in urls:
        try:
            with opener.open(url, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError as error:  # the 412 challenge page
            error.read()
    return len(urls) / (time.monotonic() - started)


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "site"
        shutil.copytree(FIXTURE_SITE, root)
        _add_bulk_column(root)
        for path in root.rglob("*"):
            os.utime(path, (FIXTURE_MTIME, FIXTURE_MTIME))
        canaries = Canary("127.0.0.2"), Canary("127.0.0.3")
        server = FixtureSite(root, canaries[0].port, canaries[1].port)
        sites = Path(work) / "sites.yaml"
        sites.write_text(
            f"sites:\n  - key: fixture\n    name: 测试站点\n    category: gov\n    level: central\n"
            f"    allowed_domains: [127.0.0.1, localhost, 127.0.0.2]\n    start_urls: [{server.base}/]\n"
            f"    sitemaps: [{server.base}/sitemap.xml]\n    max_depth: 3\n    max_list_pages: {BULK_LISTINGS}\n"
            f"    max_pages: 5000\n",
            encoding="utf-8",
        )
        data = Path(work) / "data"
        args = ["--sites-file", str(sites), "--allow-host", "127.0.0.1", "--data-dir", str(data)]
        try:
            runs = _crawl(args)
            for relative in ("news/2024-04/24/content_1001.htm", "archive/2024-03/02/content_0902.htm"):
                path = root / relative
                path.write_text(
                    path.read_text(encoding="utf-8").replace("</p>", "（已更新）</p>", 1), encoding="utf-8"
                )
                os.utime(path, (time.time() + 2, time.time() + 2))
            runs += _crawl(args)
            # The first run again as a distributed crawl on a local Redis: one worker, then two.
            distributed = {}
            for processes in (1, 2):
                with local_redis() as redis_server:
                    target = str(Path(work) / f"data-redis-{processes}")
                    distributed_args = [*args[:-1], target, "--redis", redis_server.url]
                    distributed[processes] = _crawl(distributed_args, processes=processes)
            with sqlite3.connect(data / "state" / "crawl.sqlite") as connection:
                urls = [
                    row[0]
                    for row in connection.execute(
                        "SELECT url FROM pages WHERE url NOT LIKE '%/flaky/%' AND url NOT LIKE '%.xml'"
                    )
                ]
            baseline = _baseline(urls)
        finally:
            server.close()
            for canary in canaries:
                canary.close()
    print(f"baseline: urllib, sequential, {len(urls)} pages: {baseline:.1f} pages/s")
    for number, (summary, wall) in enumerate(runs, start=1):
        counts = " ".join(f"{name}={summary[name]}" for name in FIELDS)
        rate = float(summary["pages_per_s"])
        wall_rate = int(summary["fetched"]) / wall
        print(
            f"run {number}: {counts}; crawl {summary['elapsed_s']} s = {rate:.1f} pages/s "
            f"({rate / baseline:.2f}x baseline); wall {wall:.1f} s = {wall_rate:.1f} pages/s"
        )
    local_rate = float(runs[0][0]["pages_per_s"])
    for processes, workers in distributed.items():
        per_process = " and ".join(f"{float(summary['pages_per_s']):.1f}" for summary, _ in workers)
        fetched = sum(int(summary["fetched"]) for summary, _ in workers)
        together = fetched / max(float(summary["elapsed_s"]) for summary, _ in workers)
        print(
            f"run 1 with {processes} Redis worker(s): fetched={fetched} "
            f"({'+'.join(summary['fetched'] for summary, _ in workers)}); per process {per_process} pages/s; "
            f"together {together:.1f} pages/s ({together / local_rate:.2f}x one local process)"
        )

"""One scheduled crawl: `govcorpus crawl` (or `python -m crawler.run`), for cron and systemd timers.

    govcorpus crawl [--sites KEY ...] [--sites-file FILE] [--allow-host HOST ...] [--max-pages N]
                    [--data-dir DIR] [--fresh] [-s NAME=VALUE ...]

Each run gets a crawl id from its UTC start time (`20240424T120000Z`) and crawls the chosen sites
at once, one Scrapy crawler per site, writing `<data>/raw/<crawl_id>/` and updating
`<data>/state/crawl.sqlite`. Scrapy's JOBDIR for each site is `<data>/state/jobs/<crawl_id>/<site>`:
a run that is interrupted (Ctrl-C, SIGTERM, a reboot) keeps it, and the next run resumes that
crawl, same crawl id, instead of starting a new one (`--fresh` discards it).

A lock file (`<data>/state/crawl.lock`, held with flock, so a killed run never leaves it stale)
keeps two runs from overlapping. The last line on stdout is a one-line summary; exit codes:

    0   every site finished
    1   finished, but some pages failed (network errors, 5xx after the retries)
    2   usage or configuration error (bad sites file, unknown site key)
    3   interrupted; the next run resumes it
    75  another crawl holds the lock, or the Redis of `--redis` cannot be reached (EX_TEMPFAIL:
        cron may simply try again later)

With `--redis URL` (or GOVCORPUS_REDIS_URL) the process is one worker of a distributed crawl:
the queue, the seen-set, the crawl id and per-host politeness live in Redis, shared by every
worker started with the same URL (crawler/cluster.py); there is no JOBDIR, and the lock is shared.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings

from crawler import cluster
from crawler.locks import flocked, shared_crawl_lock
from crawler.netguard import ALLOW_HOSTS_SETTING
from crawler.runtime import (
    CRAWL_ID,
    DATA_DIR,
    MAX_PAGES,
    SITES_FILE,
    WORKER_ID,
    new_crawl_id,
    raw_dir,
    state_dir,
)
from crawler.settings import CONTACT_URL, DEFAULT_CONTACT_URL
from crawler.sites import SiteConfigError, load_sites
from crawler.state import CrawlState
from pipelines.warc_writer import recover_open_warcs

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PAGE_ERRORS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 3
EXIT_LOCKED = 75

LOCK_FILENAME = "crawl.lock"
JOBS_DIRNAME = "jobs"
KEEP_FETCH_LOG_CRAWLS = 30

# Outcome counters (stats `govcorpus/outcome/<code>`) grouped for the summary line.
FETCHED_OUTCOMES = (
    "stored",
    "not_modified",
    "unchanged_digest",
    "navigation",
    "blocked_challenge",
    "http_error",
    "server_error",
    "not_html",
)
REFUSED_OUTCOMES = ("robots_disallowed", "refused_offsite", "refused_private", "refused_scheme", "too_large")
# Worth a cron alert: the site or the network failed us. 4xx (broken links) are not.
ERROR_OUTCOMES = ("failed", "server_error")


def add_crawl_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sites", nargs="+", metavar="KEY", help="site keys to crawl (default: every site)")
    parser.add_argument(
        "--sites-file", metavar="FILE", help="another sites file of the same schema as crawler/sites.yaml"
    )
    parser.add_argument(
        "--allow-host",
        nargs="+",
        action="extend",
        default=[],
        metavar="HOST",
        help="let these hosts (as written in URLs) through the private-address refusal: intranet mirrors, tests",
    )
    parser.add_argument(
        "--max-pages", type=int, metavar="N", help="at most N page requests per site in this run"
    )
    parser.add_argument(
        "--data-dir", default="data", metavar="DIR", help="raw/ and state/ go here (default: data)"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="discard an interrupted crawl instead of resuming it"
    )
    parser.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy setting (e.g. -s DOWNLOAD_DELAY=5)",
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="be one worker of a distributed crawl sharing queue, seen-set and politeness in this Redis"
        " (redis://host:6379/0)",
    )
    parser.add_argument("--log-level", help="Scrapy log level (default INFO)")
    parser.add_argument("--log-file", help="write the crawl log here instead of stderr")


@contextmanager
def crawl_lock(path: Path) -> Iterator[bool]:
    """Yield True holding an exclusive lock on `path`, False if another process holds it."""
    with flocked(path, fcntl.LOCK_EX) as handle:
        if handle is None:
            yield False
            return
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield True


@dataclass
class SiteResult:
    key: str
    finish_reason: str = "not started"
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class CrawlSummary:
    crawl_id: str
    resumed: bool
    results: list[SiteResult]
    elapsed: float
    worker: str | None = None  # in a distributed crawl

    def outcome(self, code: str) -> int:
        return sum(int(r.stats.get(f"govcorpus/outcome/{code}", 0)) for r in self.results)

    @property
    def finished(self) -> bool:
        return all(r.finish_reason == "finished" for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        fetched = sum(self.outcome(code) for code in FETCHED_OUTCOMES)
        return {
            "crawl_id": self.crawl_id,
            "resumed": self.resumed,
            "worker": self.worker,
            "sites": len(self.results),
            "fetched": fetched,
            "stored": self.outcome("stored"),
            "unchanged": self.outcome("not_modified") + self.outcome("unchanged_digest"),
            "navigation": self.outcome("navigation"),
            "skipped": self.outcome("skipped_lastmod"),
            "blocked": self.outcome("blocked_challenge"),
            "refused": sum(self.outcome(code) for code in REFUSED_OUTCOMES),
            "errors": sum(self.outcome(code) for code in ERROR_OUTCOMES),
            "elapsed_s": round(self.elapsed, 2),
            "pages_per_s": round(fetched / self.elapsed, 2) if self.elapsed > 0 else 0.0,
            "status": "finished" if self.finished else "interrupted",
            "finish_reasons": {r.key: r.finish_reason for r in self.results},
            "outcomes": {
                key.removeprefix("govcorpus/outcome/"): value
                for key, value in sorted(_merged_stats(self.results).items())
                if key.startswith("govcorpus/outcome/")
            },
        }

    def line(self) -> str:
        data = self.as_dict()
        fields = " ".join(
            f"{name}={data[name]}"
            for name in (
                "sites",
                "fetched",
                "stored",
                "unchanged",
                "navigation",
                "skipped",
                "blocked",
                "refused",
                "errors",
                "elapsed_s",
                "pages_per_s",
                "status",
            )
        )
        resumed = " resumed" if self.resumed else ""
        worker = f" worker={self.worker}" if self.worker else ""
        return f"govcorpus crawl {self.crawl_id}{resumed}{worker}: {fields}"


def _merged_stats(results: Sequence[SiteResult]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for result in results:
        for key, value in result.stats.items():
            if isinstance(value, int) and not isinstance(value, bool):
                merged[key] = merged.get(key, 0) + value
    return merged


def _overrides(pairs: Sequence[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SiteConfigError(f"-s expects NAME=VALUE, got {pair!r}")
        overrides[name.strip()] = value
    return overrides


def build_settings(args: argparse.Namespace) -> Settings:
    """Project settings with the command line's overrides (the crawl id is added once chosen)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set(DATA_DIR, str(args.data_dir), priority="cmdline")
    settings.set(ALLOW_HOSTS_SETTING, list(args.allow_host), priority="cmdline")
    if args.sites_file:
        settings.set(SITES_FILE, str(args.sites_file), priority="cmdline")
    if args.max_pages:
        settings.set(MAX_PAGES, args.max_pages, priority="cmdline")
    if args.log_level:
        settings.set("LOG_LEVEL", args.log_level.upper(), priority="cmdline")
    if args.log_file:
        settings.set("LOG_FILE", args.log_file, priority="cmdline")
    if getattr(args, "redis", None):
        settings.set(cluster.REDIS_URL, args.redis, priority="cmdline")
    settings.setdict(_overrides(args.settings), priority="cmdline")
    return settings


def _choose_crawl_id(state: CrawlState, jobs_root: Path, raw_root: Path, fresh: bool) -> tuple[str, bool]:
    """(crawl id, resumed): the interrupted crawl if there is one to resume, else a new id."""
    unfinished = state.unfinished_crawl()
    if unfinished is not None:
        if not fresh and (jobs_root / unfinished).is_dir():
            return unfinished, True
        state.abandon_crawl(unfinished)
        shutil.rmtree(jobs_root / unfinished, ignore_errors=True)
    crawl_id = new_crawl_id()
    while state.crawl_exists(crawl_id) or (raw_root / crawl_id).exists():
        time.sleep(0.2)
        crawl_id = new_crawl_id()
    return crawl_id, False


def run_crawl(args: argparse.Namespace) -> int:
    """One scheduled crawl with the parsed arguments of `add_crawl_arguments`; returns the exit code."""
    try:
        sites = load_sites(args.sites_file)
        keys = list(dict.fromkeys(args.sites or sites.keys()))
        for key in keys:
            sites.get(key)
        if args.max_pages is not None and args.max_pages < 1:
            raise SiteConfigError("--max-pages must be at least 1")
        settings = build_settings(args)
    except SiteConfigError as error:
        print(f"govcorpus crawl: {error}", file=sys.stderr)
        return EXIT_USAGE
    if settings.get(cluster.REDIS_URL):
        return _run_distributed(settings, keys, args.fresh)
    lock_path = state_dir(settings) / LOCK_FILENAME
    with crawl_lock(lock_path) as locked:
        if not locked:
            print(f"govcorpus crawl: another crawl holds {lock_path}; not starting", file=sys.stderr)
            return EXIT_LOCKED
        return _run_locked(settings, keys, args.fresh)


def _run_locked(settings: Settings, keys: list[str], fresh: bool) -> int:
    jobs_root = state_dir(settings) / JOBS_DIRNAME
    state = CrawlState(state_dir(settings))
    try:
        if raw_dir(settings).is_dir():
            recover_open_warcs(raw_dir(settings))
        crawl_id, resumed = _choose_crawl_id(state, jobs_root, raw_dir(settings), fresh)
        state.start_crawl(crawl_id, keys)
    finally:
        state.close()

    settings.set(CRAWL_ID, crawl_id, priority="cmdline")
    summary = _crawl_sites(settings, keys, crawl_id, resumed, jobs_root / crawl_id)
    if summary.finished:
        shutil.rmtree(jobs_root / crawl_id, ignore_errors=True)
    return _finish(settings, summary)


def _crawl_sites(
    settings: Settings, keys: list[str], crawl_id: str, resumed: bool, jobs: Path | None
) -> CrawlSummary:
    """Run one Scrapy crawler per site until all stop; `jobs` holds their JOBDIRs (None: no JOBDIR)."""
    process = AsyncCrawlerProcess(settings)
    if CONTACT_URL == DEFAULT_CONTACT_URL:
        logger.warning("set GOVCORPUS_CONTACT_URL so that site operators can see who runs this crawler")
    results = [SiteResult(key) for key in keys]
    crawlers: list[tuple[Crawler, SiteResult]] = []
    for result in results:
        crawler_settings = settings.copy()
        if jobs is not None:
            crawler_settings.set("JOBDIR", str(jobs / result.key), priority="cmdline")
        crawler = Crawler(process.spider_loader.load(result.key), crawler_settings)

        def closed(reason: str, result: SiteResult = result) -> None:
            result.finish_reason = reason

        crawler.signals.connect(closed, signal=signals.spider_closed)
        process.crawl(crawler)
        crawlers.append((crawler, result))

    started = time.monotonic()
    process.start()
    elapsed = time.monotonic() - started
    for crawler, result in crawlers:
        result.stats = dict(crawler.stats.get_stats()) if getattr(crawler, "_stats", None) else {}
        if jobs is not None and result.finish_reason == "finished":
            shutil.rmtree(jobs / result.key, ignore_errors=True)
    return CrawlSummary(crawl_id, resumed, results, elapsed, settings.get(WORKER_ID))


def _finish(settings: Settings, summary: CrawlSummary) -> int:
    """Record the run in the crawl state, print the summary line, and return the exit code."""
    state = CrawlState(state_dir(settings))
    try:
        state.finish_crawl(summary.crawl_id, "done" if summary.finished else "interrupted", summary.as_dict())
        state.prune_fetches(KEEP_FETCH_LOG_CRAWLS)
    finally:
        state.close()
    print(summary.line(), flush=True)
    if not summary.finished:
        return EXIT_INTERRUPTED
    return EXIT_PAGE_ERRORS if summary.as_dict()["errors"] else EXIT_OK


def _run_distributed(settings: Settings, keys: list[str], fresh: bool) -> int:
    """One worker of the distributed crawl in GOVCORPUS_REDIS_URL (crawler/cluster.py)."""
    lock_path = state_dir(settings) / LOCK_FILENAME
    try:
        cluster.check_settings(settings)
        worker = cluster.worker_id(settings)
    except cluster.ClusterError as error:
        print(f"govcorpus crawl: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        client = cluster.connect(settings)
    except cluster.ClusterError as error:
        print(f"govcorpus crawl: {error}", file=sys.stderr)
        return EXIT_LOCKED
    with shared_crawl_lock(lock_path) as lock:
        if lock is None:
            print(f"govcorpus crawl: a local crawl holds {lock_path}; not starting", file=sys.stderr)
            return EXIT_LOCKED
        # Files left open by killed workers of this machine, repaired while no other worker writes.
        if lock.alone() and raw_dir(settings).is_dir():
            recover_open_warcs(raw_dir(settings))
        if not lock.held:
            print(f"govcorpus crawl: a local crawl took {lock_path}; not starting", file=sys.stderr)
            return EXIT_LOCKED
        prefix = settings.get(cluster.REDIS_PREFIX) or "govcorpus"
        try:
            crawl_id, joined = cluster.join_crawl(client, prefix, keys, fresh)
            cluster.apply_distributed_settings(settings, crawl_id, worker)
        except cluster.ClusterError as error:
            print(f"govcorpus crawl: {error}", file=sys.stderr)
            return EXIT_LOCKED
        state = CrawlState(state_dir(settings))
        try:
            state.start_crawl(crawl_id, keys)
        finally:
            state.close()
        summary = _crawl_sites(settings, keys, crawl_id, joined, None)
        if summary.finished:
            cluster.finish_if_drained(
                client, cluster.CrawlKeys(prefix, crawl_id), settings.getint(cluster.KEEP_SECONDS)
            )
        if lock.alone() and (raw_dir(settings) / crawl_id).is_dir():
            recover_open_warcs(raw_dir(settings) / crawl_id)
        return _finish(settings, summary)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.run", description="One scheduled govcorpus crawl."
    )
    add_crawl_arguments(parser)
    return run_crawl(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

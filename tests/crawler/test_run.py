"""`govcorpus crawl` as cron sees it: exit codes, the lock, the summary line, resuming an interrupted crawl."""

from __future__ import annotations

import argparse
import fcntl
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.run import (
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_PAGE_ERRORS,
    EXIT_USAGE,
    add_crawl_arguments,
    crawl_lock,
    run_crawl,
)
from crawler.state import CrawlState
from pipelines.capture_index import read_capture_index
from tests.crawler.conftest import TEST_SETTINGS, CrawlRun, LiveSite
from tests.crawler.fixture_server import Canary


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_crawl_arguments(parser)
    return parser.parse_args(argv)


def test_arguments_parse_like_the_cli() -> None:
    args = _args(
        "--sites",
        "gov_cn",
        "zytzb",
        "--allow-host",
        "10.0.0.5",
        "--allow-host",
        "mirror.local",
        "--max-pages",
        "50",
    )
    assert args.sites == ["gov_cn", "zytzb"]
    assert args.allow_host == ["10.0.0.5", "mirror.local"]
    assert args.max_pages == 50 and args.data_dir == "data" and not args.fresh


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--sites", "no_such_site"), "no site 'no_such_site'"),
        (("--max-pages", "0"), "--max-pages"),
        (("-s", "DOWNLOAD_DELAY"), "NAME=VALUE"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: tuple[str, ...], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_crawl(_args(*argv, "--data-dir", str(tmp_path))) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "state").exists()


def test_bad_sites_file_exits_2_naming_site_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "sites.yaml"
    bad.write_text(
        "sites:\n  - key: broken\n    name: 坏站点\n    category: ministry\n    level: central\n"
        "    allowed_domains: [www.example.gov.cn]\n    start_urls: [http://www.example.gov.cn/]\n",
        encoding="utf-8",
    )
    assert run_crawl(_args("--sites-file", str(bad), "--data-dir", str(tmp_path))) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "site 'broken'" in err and "field 'category'" in err


def test_a_held_lock_keeps_a_second_run_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = tmp_path / "state" / "crawl.lock"
    with crawl_lock(lock) as locked:
        assert locked
        assert run_crawl(_args("--sites", "gov_cn", "--data-dir", str(tmp_path))) == EXIT_LOCKED
        assert "another crawl" in capsys.readouterr().err
    # Released with its holder: the lock is free again.
    with crawl_lock(lock) as locked:
        assert locked


def test_lock_is_an_flock_not_a_stale_file(tmp_path: Path) -> None:
    lock = tmp_path / "crawl.lock"
    lock.write_text("12345\n")  # left behind by a killed run: must not block
    with crawl_lock(lock) as locked, lock.open() as other:
        assert locked
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_canary_counts_connections() -> None:
    """The canaries that prove 'never connected' do count connections."""
    canary = Canary("127.0.0.4")
    try:
        with socket.create_connection(("127.0.0.4", canary.port), timeout=2):
            pass
        deadline = time.monotonic() + 2
        while canary.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert canary.connections == 1
    finally:
        canary.close()


def test_a_failing_site_exits_1_after_retries(
    live_site: LiveSite, run_crawl_subprocess: Callable[..., CrawlRun], tmp_path: Path
) -> None:
    sites = live_site.sites_file(tmp_path, key="down", start="/down/index.html", sitemap=False)
    live_site.server.clear()
    run = run_crawl_subprocess(
        "--sites-file", str(sites), "--allow-host", "127.0.0.1", "--data-dir", str(tmp_path)
    )
    assert run.returncode == EXIT_PAGE_ERRORS, run.stderr[-3000:]
    assert (run.summary["errors"], run.summary["status"]) == ("1", "finished")
    assert [hit.status for hit in live_site.server.requested("/down/index.html")] == [
        503
    ] * 4  # RETRY_TIMES = 3


def test_interrupted_crawl_resumes_with_the_same_crawl_id(
    live_site: LiveSite, run_crawl_subprocess: Callable[..., CrawlRun], tmp_path: Path
) -> None:
    sites = live_site.sites_file(tmp_path, key="resumable")
    data = tmp_path / "data"
    args = ("--sites-file", str(sites), "--allow-host", "127.0.0.1", "--data-dir", str(data))
    first = run_crawl_subprocess(*args, settings=(*TEST_SETTINGS, "CLOSESPIDER_ITEMCOUNT=6"))
    assert first.returncode == EXIT_INTERRUPTED, first.stderr[-3000:]
    assert first.summary["status"] == "interrupted"
    jobs = data / "state" / "jobs" / first.crawl_id / "resumable"
    assert (jobs / "requests.queue").exists()

    second = run_crawl_subprocess(*args)
    assert second.returncode == EXIT_OK, second.stderr[-3000:]
    assert second.crawl_id == first.crawl_id
    assert " resumed:" in second.stdout
    assert not (data / "state" / "jobs" / first.crawl_id).exists()
    urls = [row["url"] for row in read_capture_index(data / "raw" / first.crawl_id).to_pylist()]
    assert len(urls) == len(set(urls))  # nothing stored twice across the two sessions
    assert len(urls) >= 11  # of 13 articles; a request in flight at the interruption may be lost
    state = CrawlState(data / "state")
    try:
        assert state.unfinished_crawl() is None
    finally:
        state.close()

    third = run_crawl_subprocess(*args)
    assert (
        third.returncode == EXIT_OK and third.crawl_id != first.crawl_id and " resumed:" not in third.stdout
    )

"""Helpers for crawler tests: the fixture site on 127.0.0.1 and the real crawler run in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.crawler.fixture_server import Canary, FixtureSite

REPO = Path(__file__).resolve().parents[2]
FIXTURE_SITE = REPO / "tests" / "fixtures" / "site"
# Every fixture file claims to be last modified at this time (Last-Modified, sitemap lastmod).
FIXTURE_MTIME = 1713945600.0  # 2024-04-24 08:00:00 UTC

# Politeness off for tests: no delay, no throttling, quick retry backoff, small caps so that the
# oversized pages and WARC rotation are exercised on a small site.
TEST_SETTINGS = (
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "DOWNLOAD_MAXSIZE=200000",
    "GOVCORPUS_RETRY_BACKOFF_BASE=0.05",
    "GOVCORPUS_WARC_MAX_BYTES=8000",
)


@dataclass
class LiveSite:
    root: Path
    server: FixtureSite
    private_canary: Canary  # 127.0.0.2: inside the allowed domains, but a private address
    offsite_canary: Canary  # 127.0.0.3: the target of the off-site redirect

    @property
    def base(self) -> str:
        return self.server.base

    def sites_file(
        self, directory: Path, *, key: str = "fixture", start: str = "/", sitemap: bool = True
    ) -> Path:
        path = directory / "sites.yaml"
        sitemaps = f"[{self.base}/sitemap.xml]" if sitemap else "[]"
        path.write_text(
            f"""sites:
  - key: {key}
    name: 某某市人民政府（测试站点）
    category: gov
    level: central
    allowed_domains: [127.0.0.1, localhost, 127.0.0.2]
    start_urls: [{self.base}{start}]
    sitemaps: {sitemaps}
    max_depth: 3
    max_list_pages: 3
""",
            encoding="utf-8",
        )
        return path

    def touch(self, relative: str, when: float) -> None:
        os.utime(self.root / relative, (when, when))

    def edit(self, relative: str, addition: str) -> None:
        """Change an article's text (first paragraph) and move its modification time to now + 2 s."""
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("</p>", addition + "</p>", 1), encoding="utf-8")
        self.touch(relative, time.time() + 2)


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    root = tmp_path_factory.mktemp("site") / "site"
    shutil.copytree(FIXTURE_SITE, root)
    for path in root.rglob("*"):
        os.utime(path, (FIXTURE_MTIME, FIXTURE_MTIME))
    private_canary = Canary("127.0.0.2")
    offsite_canary = Canary("127.0.0.3")
    server = FixtureSite(root, private_canary.port, offsite_canary.port)
    yield LiveSite(root, server, private_canary, offsite_canary)
    server.close()
    private_canary.close()
    offsite_canary.close()


@dataclass
class CrawlRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def summary(self) -> dict[str, str]:
        line = self.stdout.strip().splitlines()[-1]
        return dict(part.split("=", 1) for part in line.split(": ", 1)[1].split())

    @property
    def crawl_id(self) -> str:
        return self.stdout.strip().splitlines()[-1].split()[2].rstrip(":")


def crawl_env() -> dict[str, str]:
    """No proxies (the fixture host must be reached directly), a contact URL set."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["GOVCORPUS_CONTACT_URL"] = "https://example.org/govcorpus-tests"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="module")
def run_crawl_subprocess() -> Callable[..., CrawlRun]:
    """Run `python -m crawler.run ARGS` (the code behind `govcorpus crawl`) with test settings."""

    def run(*args: str, settings: tuple[str, ...] = TEST_SETTINGS, timeout: float = 180) -> CrawlRun:
        command = [sys.executable, "-m", "crawler.run", *args]
        for setting in settings:
            command += ["-s", setting]
        started = time.monotonic()
        result = subprocess.run(
            command, cwd=REPO, env=crawl_env(), capture_output=True, text=True, timeout=timeout
        )
        return CrawlRun(result.returncode, result.stdout, result.stderr, time.monotonic() - started)

    return run

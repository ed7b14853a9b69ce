"""Run-time knobs shared by the spider, the middlewares and the item pipelines.

The `GOVCORPUS_*` settings (defaults in crawler/settings.py, overridden by `govcorpus crawl` or
`scrapy crawl -s NAME=VALUE`), where the data goes, and how crawl ids are made.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

DATA_DIR = "GOVCORPUS_DATA_DIR"
RAW_DIR = "GOVCORPUS_RAW_DIR"
STATE_DIR = "GOVCORPUS_STATE_DIR"
SITES_FILE = "GOVCORPUS_SITES_FILE"
CRAWL_ID = "GOVCORPUS_CRAWL_ID"
WORKER_ID = "GOVCORPUS_WORKER_ID"  # set in a distributed crawl (crawler/cluster.py)
MAX_PAGES = "GOVCORPUS_MAX_PAGES"
WARC_MAX_BYTES = "GOVCORPUS_WARC_MAX_BYTES"
INDEX_FLUSH_ROWS = "GOVCORPUS_INDEX_FLUSH_ROWS"
RETRY_BACKOFF_BASE = "GOVCORPUS_RETRY_BACKOFF_BASE"
RETRY_BACKOFF_MAX = "GOVCORPUS_RETRY_BACKOFF_MAX"

CRAWL_ID_FORMAT = "%Y%m%dT%H%M%SZ"


def new_crawl_id(now: dt.datetime | None = None) -> str:
    """A crawl id from the UTC start time, e.g. 20240424T120000Z (sortable, safe in file names)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime(CRAWL_ID_FORMAT)


def _dir(settings: Any, name: str, child: str) -> Path:
    explicit = settings.get(name)
    if explicit:
        return Path(explicit)
    return Path(settings.get(DATA_DIR) or "data") / child


def raw_dir(settings: Any) -> Path:
    """WARC files and capture indexes: `<raw dir>/<crawl_id>/`."""
    return _dir(settings, RAW_DIR, "raw")


def state_dir(settings: Any) -> Path:
    """The SQLite crawl state, the lock file and Scrapy job directories."""
    return _dir(settings, STATE_DIR, "state")


def capture_prefix(settings: Any, site: str, crawl_id: str) -> str:
    """Name stem of a site's WARC and capture-index files: `<site>-<crawl_id>`, and `-<worker>` after
    it in a distributed crawl, where several workers write into one crawl directory."""
    worker = settings.get(WORKER_ID)
    return f"{site}-{crawl_id}-{worker}" if worker else f"{site}-{crawl_id}"


def sites_file(settings: Any) -> str | None:
    return settings.get(SITES_FILE) or None

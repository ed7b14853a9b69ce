"""Crawl state across runs, in one SQLite file (`<state dir>/crawl.sqlite`).

- `pages`: per URL the last fetch time, HTTP status, ETag, Last-Modified, payload digest, page
  kind, last outcome and the crawl that last stored it. Conditional requests and the unchanged
  check read it; only the state pipeline writes it.
- `fetches`: one row per page outcome per crawl (stored, unchanged, blocked, refused, ...), the
  audit trail of what a run did. Rows of old crawls are pruned (`prune_fetches`).
- `crawls`: one row per scheduled run: start, end, status (running, done, interrupted), summary.

Each component opens its own connection (WAL mode), so readers see a writer's committed rows.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_FILENAME = "crawl.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    kind TEXT NOT NULL,
    last_fetch TEXT NOT NULL,
    status INTEGER,
    etag TEXT,
    last_modified TEXT,
    digest TEXT,
    outcome TEXT NOT NULL,
    stored_crawl_id TEXT
);
CREATE TABLE IF NOT EXISTS fetches (
    crawl_id TEXT NOT NULL,
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    status INTEGER,
    at TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS fetches_crawl ON fetches (crawl_id);
CREATE TABLE IF NOT EXISTS crawls (
    crawl_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    sites TEXT NOT NULL,
    summary TEXT
);
"""


@dataclass(frozen=True, slots=True)
class PageState:
    url: str
    site: str
    kind: str
    last_fetch: dt.datetime
    status: int | None
    etag: str | None
    last_modified: str | None
    digest: str | None
    outcome: str
    stored_crawl_id: str | None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


class CrawlState:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / STATE_FILENAME
        self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.executescript(_SCHEMA)

    def close(self) -> None:
        self.connection.close()

    # ------------------------------------------------------------------ pages
    def page(self, url: str) -> PageState | None:
        row = self.connection.execute(
            "SELECT url, site, kind, last_fetch, status, etag, last_modified, digest, outcome, stored_crawl_id"
            " FROM pages WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        return PageState(row[0], row[1], row[2], dt.datetime.fromisoformat(row[3]), *row[4:])

    def record_page(
        self,
        *,
        url: str,
        site: str,
        kind: str,
        fetched_at: dt.datetime,
        status: int | None,
        outcome: str,
        etag: str | None = None,
        last_modified: str | None = None,
        digest: str | None = None,
        stored_crawl_id: str | None = None,
    ) -> None:
        """Insert or update a page; validators, digest and storing crawl are kept when not given."""
        self.connection.execute(
            """
            INSERT INTO pages (url, site, kind, last_fetch, status, etag, last_modified, digest, outcome,
                               stored_crawl_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (url) DO UPDATE SET
                site = excluded.site,
                kind = excluded.kind,
                last_fetch = excluded.last_fetch,
                status = excluded.status,
                etag = COALESCE(excluded.etag, pages.etag),
                last_modified = COALESCE(excluded.last_modified, pages.last_modified),
                digest = COALESCE(excluded.digest, pages.digest),
                outcome = excluded.outcome,
                stored_crawl_id = COALESCE(excluded.stored_crawl_id, pages.stored_crawl_id)
            """,
            (
                url,
                site,
                kind,
                _iso(fetched_at),
                status,
                etag,
                last_modified,
                digest,
                outcome,
                stored_crawl_id,
            ),
        )

    # ------------------------------------------------------------------ fetch log
    def log_fetch(
        self,
        *,
        crawl_id: str,
        site: str,
        url: str,
        kind: str,
        outcome: str,
        status: int | None,
        at: dt.datetime,
        detail: str | None = None,
    ) -> None:
        self.connection.execute(
            "INSERT INTO fetches (crawl_id, site, url, kind, outcome, status, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (crawl_id, site, url, kind, outcome, status, _iso(at), detail),
        )

    def fetches(self, crawl_id: str, site: str | None = None) -> list[dict[str, Any]]:
        query = (
            "SELECT crawl_id, site, url, kind, outcome, status, at, detail FROM fetches WHERE crawl_id = ?"
        )
        params: tuple[str, ...] = (crawl_id,)
        if site is not None:
            query += " AND site = ?"
            params += (site,)
        cursor = self.connection.execute(query + " ORDER BY rowid", params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def prune_fetches(self, keep_crawls: int) -> int:
        """Delete fetch-log rows of all but the newest `keep_crawls` crawls; returns rows deleted."""
        cursor = self.connection.execute(
            "DELETE FROM fetches WHERE crawl_id NOT IN (SELECT crawl_id FROM crawls ORDER BY started_at DESC LIMIT ?)",
            (keep_crawls,),
        )
        return cursor.rowcount

    # ------------------------------------------------------------------ crawls
    def start_crawl(self, crawl_id: str, sites: list[str]) -> None:
        self.connection.execute(
            "INSERT INTO crawls (crawl_id, started_at, status, sites) VALUES (?, ?, 'running', ?)"
            " ON CONFLICT (crawl_id) DO UPDATE SET status = 'running', finished_at = NULL",
            (crawl_id, _iso(utc_now()), json.dumps(sites)),
        )

    def finish_crawl(self, crawl_id: str, status: str, summary: dict[str, Any]) -> None:
        self.connection.execute(
            "UPDATE crawls SET finished_at = ?, status = ?, summary = ? WHERE crawl_id = ?",
            (_iso(utc_now()), status, json.dumps(summary, sort_keys=True), crawl_id),
        )

    def unfinished_crawl(self) -> str | None:
        """The newest crawl that did not end cleanly (interrupted, or killed while running)."""
        row = self.connection.execute(
            "SELECT crawl_id FROM crawls WHERE status IN ('running', 'interrupted') ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def crawl_exists(self, crawl_id: str) -> bool:
        return (
            self.connection.execute("SELECT 1 FROM crawls WHERE crawl_id = ?", (crawl_id,)).fetchone()
            is not None
        )

    def abandon_crawl(self, crawl_id: str) -> None:
        self.connection.execute("UPDATE crawls SET status = 'abandoned' WHERE crawl_id = ?", (crawl_id,))

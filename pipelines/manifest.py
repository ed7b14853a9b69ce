"""Which inputs an output directory has consumed, and the runs that consumed them (SQLite).

A run stages its inputs shard by shard (`staging`), then writes the final shards and becomes
`done`. Each staged shard is recorded with the input keys it holds in one transaction, so a run
killed at any point resumes from the last staged shard and never processes an input twice.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS staged (
    run_id TEXT NOT NULL,
    shard TEXT NOT NULL,
    stats TEXT NOT NULL,
    problems TEXT NOT NULL,
    PRIMARY KEY (run_id, shard)
);
CREATE TABLE IF NOT EXISTS inputs (
    key TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    run_id TEXT NOT NULL,
    shard TEXT NOT NULL
);
"""


class Manifest:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.executescript(_SCHEMA)

    def close(self) -> None:
        self.connection.close()

    def unfinished_run(self) -> str | None:
        row = self.connection.execute(
            "SELECT run_id FROM runs WHERE status = 'staging' ORDER BY started_at LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def start_run(self, run_id: str, started_at: str) -> None:
        self.connection.execute(
            "INSERT INTO runs (run_id, status, started_at) VALUES (?, 'staging', ?)", (run_id, started_at)
        )

    def finish_run(self, run_id: str, finished_at: str) -> None:
        self.connection.execute(
            "UPDATE runs SET status = 'done', finished_at = ? WHERE run_id = ?", (finished_at, run_id)
        )

    def run_started_at(self, run_id: str) -> str:
        return self.connection.execute("SELECT started_at FROM runs WHERE run_id = ?", (run_id,)).fetchone()[
            0
        ]

    def known_inputs(self) -> set[str]:
        return {row[0] for row in self.connection.execute("SELECT key FROM inputs")}

    def record_shard(
        self,
        run_id: str,
        shard: str,
        inputs: list[tuple[str, str]],
        stats: Any,
        problems: list[dict[str, str]],
    ) -> None:
        """Record a staged shard and the inputs it holds, atomically."""
        with self.connection:
            self.connection.execute("BEGIN")
            self.connection.execute(
                "INSERT OR REPLACE INTO staged (run_id, shard, stats, problems) VALUES (?, ?, ?, ?)",
                (run_id, shard, json.dumps(stats), json.dumps(problems, ensure_ascii=False)),
            )
            self.connection.executemany(
                "INSERT OR REPLACE INTO inputs (key, path, run_id, shard) VALUES (?, ?, ?, ?)",
                [(key, path, run_id, shard) for key, path in inputs],
            )

    def staged_shards(self, run_id: str) -> list[tuple[str, Any, list[dict[str, str]]]]:
        rows = self.connection.execute(
            "SELECT shard, stats, problems FROM staged WHERE run_id = ? ORDER BY shard", (run_id,)
        )
        return [(shard, json.loads(stats), json.loads(problems)) for shard, stats, problems in rows]

    def run_inputs(self, run_id: str) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM inputs WHERE run_id = ?", (run_id,)).fetchone()[
            0
        ]

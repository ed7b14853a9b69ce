"""The runner's persistent state store: one file per key under a directory, written atomically.

Puts are buffered and only written by `commit()`, which the runner calls once a run's output is
safely on disk, so a crashed run leaves the state as it was before the run.
"""

from __future__ import annotations

import re
from pathlib import Path

from filters.base import StateStore
from pipelines.parquet_io import write_atomic

_KEY_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


class DiskStateStore(StateStore):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._pending: dict[str, bytes] = {}

    def _path(self, key: str) -> Path:
        if not _KEY_RE.match(key):
            raise ValueError(f"state key {key!r} must be letters, digits, '.', '_' or '-'")
        return self.root / f"{key}.bin"

    def get(self, key: str) -> bytes | None:
        if key in self._pending:
            return self._pending[key]
        path = self._path(key)
        return path.read_bytes() if path.exists() else None

    def put(self, key: str, value: bytes) -> None:
        self._path(key)
        self._pending[key] = value

    def keys(self, prefix: str = "") -> list[str]:
        """Stored and pending keys that start with `prefix`, sorted."""
        stored = {path.name[: -len(".bin")] for path in self.root.glob(f"{prefix}*.bin")}
        return sorted(key for key in stored | set(self._pending) if key.startswith(prefix))

    def commit(self) -> None:
        for key, value in self._pending.items():
            write_atomic(self._path(key), value)
        self._pending.clear()

    @property
    def directory(self) -> str | None:
        return str(self.root)

"""Counts of documents and characters in and out of every stage, by reason: the run report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ReasonCount:
    count: int = 0
    chars: int = 0

    def add(self, count: int, chars: int) -> None:
        self.count += count
        self.chars += chars


@dataclass
class StageStats:
    """One stage's accounting. `docs_in == docs_out + sum(dropped counts)` always holds."""

    name: str
    label_only: bool = False
    docs_in: int = 0
    docs_out: int = 0
    chars_in: int = 0
    chars_out: int = 0
    removed: dict[str, ReasonCount] = field(default_factory=dict)
    dropped: dict[str, ReasonCount] = field(default_factory=dict)
    would_drop: dict[str, ReasonCount] = field(default_factory=dict)

    def record_removed(self, reason: str, chars: int) -> None:
        self.removed.setdefault(reason, ReasonCount()).add(1, chars)

    def record_dropped(self, reason: str, chars: int) -> None:
        self.dropped.setdefault(reason, ReasonCount()).add(1, chars)

    def record_would_drop(self, reason: str, chars: int) -> None:
        self.would_drop.setdefault(reason, ReasonCount()).add(1, chars)

    def merge(self, other: StageStats) -> None:
        self.docs_in += other.docs_in
        self.docs_out += other.docs_out
        self.chars_in += other.chars_in
        self.chars_out += other.chars_out
        for mine, theirs in (
            (self.removed, other.removed),
            (self.dropped, other.dropped),
            (self.would_drop, other.would_drop),
        ):
            for reason, counts in theirs.items():
                mine.setdefault(reason, ReasonCount()).add(counts.count, counts.chars)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StageStats:
        stats = cls(name=data["name"], label_only=data.get("label_only", False))
        for key in ("docs_in", "docs_out", "chars_in", "chars_out"):
            setattr(stats, key, data.get(key, 0))
        for key in ("removed", "dropped", "would_drop"):
            setattr(
                stats, key, {reason: ReasonCount(**counts) for reason, counts in data.get(key, {}).items()}
            )
        return stats


class StatsBook:
    """Stage statistics in pipeline order, keyed by stage name."""

    def __init__(self) -> None:
        self.stages: dict[str, StageStats] = {}

    def stage(self, name: str, label_only: bool = False) -> StageStats:
        if name not in self.stages:
            self.stages[name] = StageStats(name=name, label_only=label_only)
        return self.stages[name]

    def merge(self, other: StatsBook) -> None:
        for name, stats in other.stages.items():
            self.stage(name, stats.label_only).merge(stats)

    def to_json(self) -> list[dict[str, Any]]:
        return [stats.to_json() for stats in self.stages.values()]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> StatsBook:
        book = cls()
        for item in data:
            book.stage(item["name"], item.get("label_only", False)).merge(StageStats.from_json(item))
        return book

"""`govcorpus stats`: a human summary of a corpus directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.compute as pc

from pipelines.parquet_io import read_dataset
from pipelines.runner import CLEAN_DIR, REJECTED_DIR


def _counts(table, column: str) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    if table is None or table.num_rows == 0:
        return []
    counted = pc.value_counts(table.column(column).fill_null("(none)")).to_pylist()
    return sorted(((str(item["values"]), item["counts"]) for item in counted), key=lambda pair: -pair[1])


def summary(directory: Path) -> str:
    kept = read_dataset(
        directory / CLEAN_DIR, columns=["site", "domain", "lang", "script", "n_chars", "n_han"]
    )
    rejected = read_dataset(directory / REJECTED_DIR, columns=["site", "drop_reason"])
    n_kept = kept.num_rows if kept is not None else 0
    n_rejected = rejected.num_rows if rejected is not None else 0
    chars = pc.sum(kept.column("n_chars")).as_py() if n_kept else 0
    han = pc.sum(kept.column("n_han")).as_py() if n_kept else 0
    lines = [
        f"corpus {directory}",
        f"  documents: {n_kept + n_rejected} seen, {n_kept} kept, {n_rejected} rejected",
        f"  characters kept: {chars or 0:,} ({han or 0:,} Han)",
    ]
    for title, table, column in (
        ("kept per site", kept, "site"),
        ("kept per domain", kept, "domain"),
        ("kept per language", kept, "lang"),
        ("kept per script", kept, "script"),
        ("rejected per reason", rejected, "drop_reason"),
    ):
        counts = _counts(table, column)
        if counts:
            lines.append(f"  {title}:")
            lines.extend(f"    {value:<40} {count:>8}" for value, count in counts[:30])
            if len(counts) > 30:
                lines.append(f"    ... and {len(counts) - 30} more")
    return "\n".join(lines)


def print_stats(directory: Path) -> int:
    if not directory.is_dir():
        print(f"govcorpus: no corpus directory {directory}", file=sys.stderr)
        return 2
    print(summary(directory))
    return 0

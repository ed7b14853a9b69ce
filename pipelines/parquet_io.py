"""Writing and reading the corpus's Parquet datasets. Every file is written under a temporary
name and renamed, so a reader never sees half a file and a crash leaves no broken shard."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.config import OutputConfig


class CorruptOutputError(Exception):
    """A Parquet file of the output that cannot be read."""


def write_table_atomic(table: pa.Table, path: Path, output: OutputConfig) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(
        table, temporary, compression=output.compression, compression_level=output.compression_level
    )
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def shard_rows(rows: Iterable[dict[str, Any]], output: OutputConfig) -> Iterator[list[dict[str, Any]]]:
    """Split rows into shards of at most `shard_max_rows` rows and about `shard_max_bytes` of text."""
    shard: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        row_size = len(row.get("text") or "") * 3 + 512
        if shard and (len(shard) >= output.shard_max_rows or size + row_size > output.shard_max_bytes):
            yield shard
            shard, size = [], 0
        shard.append(row)
        size += row_size
    if shard:
        yield shard


def dataset_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.parquet") if not p.name.startswith("."))


def read_dataset(directory: Path, columns: list[str] | None = None) -> pa.Table | None:
    """All shards of a dataset directory as one table (None if there are none)."""
    tables = []
    for path in dataset_files(directory):
        try:
            tables.append(pq.read_table(path, columns=columns))
        except (pa.ArrowException, OSError) as error:
            raise CorruptOutputError(f"{path}: {error}") from None
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="default")


def iter_rows(directory: Path, columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    for path in dataset_files(directory):
        try:
            parquet = pq.ParquetFile(path)
            for batch in parquet.iter_batches(batch_size=2000, columns=columns):
                yield from batch.to_pylist()
        except (pa.ArrowException, OSError) as error:
            raise CorruptOutputError(f"{path}: {error}") from None

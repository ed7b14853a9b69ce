"""The clean job on both engines, same input: documents per second, and where the Ray engine's time goes.

Input: `BENCH_ENGINES_DOCS` (default 8,000) generated government-site pages (`bench.site_corpus`:
site templates, exact, near and traditional-script copies, spam and short pages) in 16 JSONL files,
cleaned with the project's `govcorpus.yaml` by the local engine (`CleanRunner`) and by the Ray engine
(`RayCleanRunner`) on a private Ray instance using every core of this machine, each into a fresh
output directory. Printed:

1. documents per second of each engine and their ratio (the local engine is the baseline);
2. the wall time of each step on both engines (the local one timed around the same steps), and
   Ray's startup (`ray.init`);
3. the framework's own cost, measured on the run's documents with steps that do nothing: a Ray
   Data execution of one row (scheduling floor per step), an identity task map and an identity
   actor map over all documents (moving and scheduling them; actor start-up), an identity
   group-by (a shuffle), and the conversion of documents to and from Arrow rows that every Ray
   step does around the stage code (measured on the driver).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from bench.site_corpus import write_corpus
from filters.base import Document
from pipelines.chain import StageChain
from pipelines.config import load_config
from pipelines.parquet_io import read_dataset
from pipelines.runner import CleanRunner, finalize
from pipelines.schema import REJECTED_SCHEMA, row_to_document
from pipelines.state import DiskStateStore

DEFAULT_DOCS = 8000


class TimedLocalRunner(CleanRunner):
    """The local engine with a clock around phase 1 and around each step of phase 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps: list[tuple[str, float]] = []

    @contextmanager
    def _timed(self, name: str):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        yield
        self.steps.append((name, time.monotonic() - started))

    def _stage_inputs(self, *args: Any) -> None:
        with self._timed("read, extract, per-document stages"):
            super()._stage_inputs(*args)

    def _judge_staged(
        self, chain: StageChain, shards: list[Path], state: DiskStateStore
    ) -> tuple[Iterable[Document], Iterable[Document]]:
        import pyarrow.parquet as pq

        with self._timed("load staged rows"):
            docs = [row_to_document(row) for path in shards for row in pq.read_table(path).to_pylist()]
        steps = chain.text_steps
        start = chain.first_batch_index
        while start < len(steps):
            stop = start + 1
            if not steps[start].is_batch:
                stop = next((j for j in range(start, len(steps)) if steps[j].is_batch), len(steps))
            part = StageChain(steps[start:stop])
            part.stats = chain.stats
            with self._timed(", ".join(step.stage.name for step in steps[start:stop])):
                part.run_from(docs, 0, state)
            start = stop
        for doc in docs:
            finalize(doc)
        return [d for d in docs if not d.dropped], [d for d in docs if d.dropped]


def _written_rows(output: Path) -> pa.Table:
    tables = [read_dataset(output / "rejected")]
    kept = read_dataset(output / "clean")
    if kept is not None:
        for name in ("drop_stage", "drop_reason"):
            kept = kept.append_column(name, pa.nulls(kept.num_rows, pa.string()))
        tables.append(kept)
    return pa.concat_tables([t.select(REJECTED_SCHEMA.names).cast(REJECTED_SCHEMA) for t in tables if t])


def _seconds(action: Any) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


class _Identity:
    def __call__(self, table: pa.Table) -> pa.Table:
        return table


def framework_costs(rows: pa.Table, workers: int) -> list[tuple[str, float]]:
    import ray.data
    from ray.data import ActorPoolStrategy

    from pipelines.ray_frames import GROUP, SEQ, bucket_count, docs_from_table, docs_to_table

    rows = rows.append_column(SEQ, pa.array(range(rows.num_rows), pa.int64()))
    buckets = bucket_count(rows.num_rows)
    rows = rows.append_column(GROUP, pa.array([i % buckets for i in range(rows.num_rows)], pa.int64()))
    size = max(100, rows.num_rows // (workers * 4) + 1)
    ds = ray.data.from_arrow([rows.slice(i, size) for i in range(0, rows.num_rows, size)]).materialize()
    one = ray.data.from_items([{"x": 1}])
    docs, seqs = docs_from_table(rows)
    return [
        (
            "an execution of one row (per-step floor)",
            _seconds(lambda: one.map_batches(_Identity).materialize()),
        ),
        (
            "identity task map over all documents",
            _seconds(lambda: ds.map_batches(lambda t: t, batch_format="pyarrow").materialize()),
        ),
        (
            "identity actor map (pool of 1..cores actors)",
            _seconds(
                lambda: ds.map_batches(
                    _Identity, batch_format="pyarrow", compute=ActorPoolStrategy(min_size=1, max_size=workers)
                ).materialize()
            ),
        ),
        (
            "identity group-by (sort shuffle + map_groups)",
            _seconds(lambda: ds.groupby(GROUP).map_groups(lambda t: t, batch_format="pyarrow").materialize()),
        ),
        ("Arrow rows -> documents (driver, all documents)", _seconds(lambda: docs_from_table(rows))),
        ("documents -> Arrow rows (driver, all documents)", _seconds(lambda: docs_to_table(docs, seqs))),
    ]


def main() -> None:
    import ray
    from ray.data import DataContext
    from ray.data.context import ShuffleStrategy

    from pipelines.ray_engine import RAY_ENVIRONMENT, RayCleanRunner

    n_docs = int(os.environ.get("BENCH_ENGINES_DOCS", DEFAULT_DOCS))
    config = load_config(None)
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as scratch:
        root = Path(scratch)
        inputs = write_corpus(root / "input", n_docs, files=16)

        local = TimedLocalRunner(config, root / "local", quiet=True)
        local_wall = _seconds(lambda: local.run(list(inputs)))

        for name, value in RAY_ENVIRONMENT.items():
            os.environ.setdefault(name, value)
        startup = _seconds(
            lambda: ray.init(include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
        )
        try:
            engine = RayCleanRunner(config, root / "ray", quiet=True)
            ray_wall = _seconds(lambda: engine.run(list(inputs)))
            context = DataContext.get_current()
            context.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
            context.print_on_execution_start = False
            costs = framework_costs(_written_rows(root / "ray"), workers)
        finally:
            ray.shutdown()
        shutil.rmtree(root / "input", ignore_errors=True)

    local_rate, ray_rate = n_docs / local_wall, n_docs / (ray_wall + startup)
    print(f"clean engines: {n_docs} generated documents, {workers} cores")
    print(f"  local engine  {local_wall:7.1f} s  {local_rate:7.0f} docs/s  (baseline 1.00)")
    print(
        f"  ray engine    {ray_wall + startup:7.1f} s  {ray_rate:7.0f} docs/s  ({ray_rate / local_rate:.2f} of local;"
        f" without ray.init {n_docs / ray_wall:.0f} docs/s, {n_docs / ray_wall / local_rate:.2f})"
    )
    print("  step                                      local s    ray s   ray/local")
    print(f"  {'ray.init (start the instance)':<40} {0.0:8.2f} {startup:8.2f}")
    local_steps = dict(local.steps)
    for step in engine.timings.steps:
        mine = local_steps.get(step.name, 0.0)
        ratio = f"{step.wall / mine:8.2f}" if mine > 0.01 else ""
        print(f"  {step.name[:40]:<40} {mine:8.2f} {step.wall:8.2f} {ratio}")
    accounted = startup + sum(step.wall for step in engine.timings.steps)
    print(
        f"  {'rest (driver: chain build, writing, report)':<40} {'':>8} {ray_wall + startup - accounted:8.2f}"
    )
    print(f"  near-duplicate intermediate results: {engine.timings.counts}")
    print("  framework cost on these documents (steps that do nothing):")
    for name, seconds in costs:
        print(f"    {name:<50} {seconds:7.2f} s")


if __name__ == "__main__":
    main()

"""`govcorpus clean --engine ray`: the clean job on Ray Data, with the local engine's output.

The runner (`pipelines.runner.CleanRunner`) keeps the manifest, the staged shards, the final
shards, the report and the state; this engine replaces its two compute parts:

- Phase 1 (`_stage_inputs`): input files become a dataset of file paths; actor workers (each
  builds the stages from the config: stage objects hold models and are not pickled) read a file,
  decode, extract and run the per-document stages up to the first batch stage, and return the
  file's staged rows with their accounting. Results come back in input order and the driver
  writes them as staged shards, recorded in the manifest exactly as the local engine does, so an
  interrupted run resumes the same way (by either engine).
- Phase 2 (`_judge_staged`): the staged rows, numbered in input order (`_seq`), go into the object
  store and through the rest of the chain: runs of per-document stages as `map_batches` over actor
  workers; site-level repeated lines as `groupby(site).map_groups` running the stage on one site's
  documents (its per-site state lent through an actor, `pipelines.ray_state`); exact duplicates
  (`pipelines.ray_exact`) and near-duplicates (`pipelines.ray_near`) as distributed group-bys. A
  batch stage the engine has no distributed form for is run on the driver over the collected
  documents (said on stderr). Kept and rejected documents stream back to the driver, in input
  order, to be written.

Every task returns the `StatsBook` of what it did (see `pipelines.ray_frames`), which the driver
adds up, so the run report is the local engine's. Decisions are the local engine's too: same
stages, same order-dependent choices by `_seq`.

What must be visible where: `--input` paths on the driver and, under the same path, on every worker
(shared storage); the output and state directories only on the driver. Workers need the project
installed as on the driver (models ship inside the Python packages).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import ray
import ray.data
from ray.data import ActorPoolStrategy, DataContext, Dataset
from ray.data.context import ShuffleStrategy
from tqdm import tqdm

from filters.base import BatchStage, Document
from filters.exact_dedup import ExactDuplicates
from filters.near_dedup import NearDuplicates
from filters.site_repeated_lines import SiteRepeatedLines, site_of
from pipelines.accounting import StatsBook
from pipelines.chain import ChainStep, StageChain
from pipelines.config import Config
from pipelines.manifest import Manifest
from pipelines.ray_exact import exact_step
from pipelines.ray_frames import (
    GROUP,
    SEQ,
    STATS,
    alive_rows,
    build_subchain,
    docs_from_table,
    docs_to_table,
    dropped_rows,
    merge_stats,
    run_per_task,
    standard,
)
from pipelines.ray_near import near_step
from pipelines.ray_state import ActorStateStore, lend, take_back
from pipelines.readers import InputError, InputUnit
from pipelines.runner import (
    CleanRunner,
    RunResult,
    finalize,
    input_problem,
    prepare_unit,
    staged_table,
)
from pipelines.state import DiskStateStore

# Ray must not phone home (usage statistics) nor wrap workers in `uv run`.
RAY_ENVIRONMENT = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0"}
UNIT_RESULT = pa.schema(
    [
        pa.field("index", pa.int64()),
        pa.field("docs", pa.large_binary()),
        pa.field("stats", pa.string()),
        pa.field("problem_path", pa.string()),
        pa.field("problem_why", pa.string()),
    ]
)
BLOCK_ROWS = 2000  # staged rows per block of the phase-2 dataset (at most)


@dataclass
class StepTiming:
    name: str
    wall: float


@dataclass
class EngineTimings:
    """Where a run's time went on the driver's clock (for `bench/bench_engines.py`)."""

    startup: float = 0.0
    steps: list[StepTiming] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, wall: float) -> None:
        self.steps.append(StepTiming(name, wall))


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _from_ipc(blob: bytes) -> pa.Table:
    return pa.ipc.open_stream(blob).read_all()


class UnitReader:
    """Phase-1 worker: input files to staged rows (one result row per file)."""

    def __init__(self, config: Config, run_id: str, stop: int) -> None:
        self.config = config
        self.run_id = run_id
        self.chain = build_subchain(config, 0, stop, with_html=True)

    def __call__(self, batch: pa.Table) -> pa.Table:
        results = []
        for item in batch.to_pylist():
            unit = InputUnit(Path(item["path"]), item["kind"], Path(item["root"]))
            self.chain.stats = self.chain.new_stats()
            docs: list[Document] = []
            problem: InputError | None = None
            try:
                for doc in prepare_unit(unit, self.chain, self.config.extract):
                    docs.append(doc)  # what a file that breaks half-way yielded is kept, as locally
            except InputError as error:
                problem = error
            results.append(
                {
                    "index": item["index"],
                    "docs": _ipc(staged_table(docs, self.run_id)),
                    "stats": json.dumps(self.chain.stats.to_json()),
                    "problem_path": problem.path if problem else None,
                    "problem_why": problem.why if problem else None,
                }
            )
        return pa.Table.from_pylist(results, schema=UNIT_RESULT)


class TextSegment:
    """Per-document stages `text_steps[start:stop]` over a batch of documents."""

    def __init__(self, config: Config, start: int, stop: int) -> None:
        self.chain = build_subchain(config, start, stop)

    def __call__(self, table: pa.Table) -> pa.Table:
        self.chain.stats = self.chain.new_stats()
        docs, seqs = docs_from_table(table)
        for doc in docs:
            self.chain.run_text_stages(doc)
        return docs_to_table(docs, seqs, self.chain.stats)


class SiteGroups:
    """A per-site batch stage over one site's documents (`map_groups` by site)."""

    def __init__(self, config: Config, index: int, lender: Any) -> None:
        self.chain = build_subchain(config, index, index + 1)
        self.state = ActorStateStore(lender)

    def __call__(self, table: pa.Table) -> pa.Table:
        self.chain.stats = self.chain.new_stats()
        docs, seqs = docs_from_table(table)
        self.chain.run_from(docs, 0, self.state)
        return docs_to_table(docs, seqs, self.chain.stats)


def _with_site(table: pa.Table) -> pa.Table:
    """The group key of site-level stages: the stage's own site of a page ("" for none)."""
    sites = [
        site_of(Document(id="", url=url or "", text="", site=site, domain=domain)) or ""
        for url, site, domain in zip(
            table.column("url").to_pylist(),
            table.column("site").to_pylist(),
            table.column("domain").to_pylist(),
            strict=True,
        )
    ]
    return table.append_column(GROUP, pa.array(sites, pa.string()))


class RayCleanRunner(CleanRunner):
    """`CleanRunner` whose two compute phases run on Ray Data."""

    def __init__(
        self,
        config: Config,
        output: Path,
        *,
        address: str | None = None,
        num_cpus: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(config, output, **options)
        self.address = address
        self.num_cpus = num_cpus
        self.timings = EngineTimings()
        self._started_ray = False
        self._saved_context: dict[str, Any] | None = None

    def run(self, inputs: list[str | Path]) -> RunResult:
        try:
            return super().run(inputs)
        finally:
            self._disconnect()

    # -- the Ray instance ------------------------------------------------------------------------

    def _connect(self) -> None:
        if self._saved_context is not None:
            return
        started = time.monotonic()
        if not ray.is_initialized():
            for name, value in RAY_ENVIRONMENT.items():
                os.environ.setdefault(name, value)
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": not self.quiet}
            if self.address is None:  # a private instance on this machine, on loopback only
                options.update(_node_ip_address="127.0.0.1", num_cpus=self.num_cpus)
            ray.init(address=self.address, **options)
            self._started_ray = True
        context = DataContext.get_current()
        self._saved_context = {
            "enable_progress_bars": context.enable_progress_bars,
            "print_on_execution_start": context.print_on_execution_start,
            "shuffle_strategy": context.shuffle_strategy,
        }
        context.enable_progress_bars = not self.quiet and sys.stderr.isatty()
        context.print_on_execution_start = False
        # Sort-based shuffles run as plain tasks; hash shuffles start aggregator actors per
        # shuffle, seconds each on a small machine, for nothing at this engine's row sizes.
        context.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
        if self.quiet:
            logging.getLogger("ray.data").setLevel(logging.WARNING)
        self.timings.startup += time.monotonic() - started

    def _disconnect(self) -> None:
        if self._saved_context is not None:
            context = DataContext.get_current()
            for name, value in self._saved_context.items():
                setattr(context, name, value)
            self._saved_context = None
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

    def _workers(self) -> int:
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def _pool(self) -> ActorPoolStrategy:
        """Actor pool size for phase-2 steps: it grows to the cluster's CPUs but starts at one, so the
        shuffle tasks feeding a group step always find a CPU (a full pool waiting on them deadlocks)."""
        return ActorPoolStrategy(min_size=1, max_size=self._workers())

    @contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.timings.add(name, time.monotonic() - started)

    # -- phase 1 ---------------------------------------------------------------------------------

    def _stage_inputs(
        self, units: list[InputUnit], chain: StageChain, manifest: Manifest, run_id: str, work: Path
    ) -> None:
        if not units:
            return
        self._connect()
        with self._timed("read, extract, per-document stages"):
            self._stage_units(units, chain, manifest, run_id, work)

    def _stage_units(
        self, units: list[InputUnit], chain: StageChain, manifest: Manifest, run_id: str, work: Path
    ) -> None:
        workers = self._workers()
        items = [
            {"index": i, "path": str(unit.path), "kind": unit.kind, "root": str(unit.root)}
            for i, unit in enumerate(units)
        ]
        files = ray.data.from_items(items, override_num_blocks=min(len(items), workers * 8))
        files.context.execution_options.preserve_order = True
        results = files.map_batches(
            UnitReader,
            fn_constructor_args=(self.config, run_id, chain.first_batch_index),
            batch_size=1,
            batch_format="pyarrow",
            compute=ActorPoolStrategy(size=workers),
        )
        keys = [unit.key for unit in units]
        tables: list[pa.Table] = []
        consumed: list[tuple[str, str]] = []
        problems: list[dict[str, str]] = []
        stats = chain.new_stats()
        rows = 0
        shard_number = len(manifest.staged_shards(run_id))
        with tqdm(unit="doc", disable=self.quiet or not sys.stderr.isatty(), dynamic_ncols=True) as progress:
            for batch in results.iter_batches(batch_format="pyarrow", batch_size=None):
                for result in batch.to_pylist():
                    table = _from_ipc(result["docs"])
                    tables.append(table)
                    rows += table.num_rows
                    progress.update(table.num_rows)
                    stats.merge(StatsBook.from_json(json.loads(result["stats"])))
                    if result["problem_why"] is not None:
                        problems.append(
                            input_problem(InputError(result["problem_path"], result["problem_why"]))
                        )
                    unit = units[result["index"]]
                    consumed.append((keys[result["index"]], str(unit.path)))
                    if rows >= self.staged_shard_docs:
                        self._flush(
                            pa.concat_tables(tables),
                            consumed,
                            problems,
                            stats,
                            manifest,
                            run_id,
                            work,
                            shard_number,
                        )
                        shard_number += 1
                        tables, consumed, problems, stats, rows = [], [], [], chain.new_stats(), 0
        if tables or consumed:
            self._flush(
                pa.concat_tables(tables), consumed, problems, stats, manifest, run_id, work, shard_number
            )

    # -- phase 2 ---------------------------------------------------------------------------------

    def _judge_staged(
        self, chain: StageChain, shards: list[Path], state: DiskStateStore
    ) -> tuple[Iterable[Document], Iterable[Document]]:
        self._connect()
        with self._timed("load staged rows"):
            staged = self._load(shards)
        alive = staged.map_batches(alive_rows, batch_format="pyarrow")
        done = [staged.map_batches(dropped_rows, batch_format="pyarrow")]
        steps = chain.text_steps
        start = chain.first_batch_index
        rows = staged.count()
        while start < len(steps):
            stop = start + 1
            if not steps[start].is_batch:
                stop = next((j for j in range(start, len(steps)) if steps[j].is_batch), len(steps))
            names = ", ".join(step.stage.name for step in steps[start:stop])
            with self._timed(names):
                out = self._step(alive, steps, start, stop, state, rows)
                merge_stats(chain.stats, self._notes(out))
            alive = out.map_batches(alive_rows, batch_format="pyarrow")
            done.append(out.map_batches(dropped_rows, batch_format="pyarrow"))
            rows = out.count()  # materialized: known without running anything
            start = stop
        rejected = done[0].union(*done[1:]) if len(done) > 1 else done[0]
        return self._documents(alive, finish=True), self._documents(rejected, finish=False)

    def _load(self, shards: list[Path]) -> Dataset:
        """Staged shards (read by the driver, which owns the output directory) into the object store,
        in blocks small enough to spread over the workers, numbered in input order."""
        total = sum(pq.ParquetFile(path).metadata.num_rows for path in shards)
        size = max(100, min(BLOCK_ROWS, total // (self._workers() * 4) + 1))
        refs = []
        offset = 0
        for path in shards:
            table = pq.read_table(path)
            for begin in range(0, table.num_rows, size):
                block = table.slice(begin, size)
                block = block.append_column(SEQ, pa.array(range(offset, offset + block.num_rows), pa.int64()))
                block = block.append_column(STATS, pa.nulls(block.num_rows, pa.string()))
                refs.append(ray.put(block))
                offset += block.num_rows
        if not refs:
            empty = staged_table([], "")
            empty = empty.append_column(SEQ, pa.array([], pa.int64()))
            refs.append(ray.put(empty.append_column(STATS, pa.array([], pa.string()))))
        return ray.data.from_arrow_refs(refs)

    def _step(
        self, alive: Dataset, steps: list[ChainStep], start: int, stop: int, state: DiskStateStore, rows: int
    ) -> Dataset:
        """One step's output (every document it saw, standard columns), materialized."""
        pool = self._pool()
        step = steps[start]
        if not step.is_batch:
            out = alive.map_batches(
                TextSegment,
                fn_constructor_args=(self.config, start, stop),
                batch_format="pyarrow",
                compute=pool,
            )
        elif isinstance(step.stage, SiteRepeatedLines):
            lender = lend(state, step.stage.name)
            out = (
                alive.map_batches(_with_site, batch_format="pyarrow")
                .groupby(GROUP)
                .map_groups(
                    run_per_task,
                    fn_args=(SiteGroups, self.config, start, lender),
                    batch_format="pyarrow",
                )
                .materialize()
            )
            take_back(state, lender)
        elif isinstance(step.stage, ExactDuplicates):
            out = exact_step(alive, start, step.stage, self.config, state, rows)
        elif isinstance(step.stage, NearDuplicates):
            out = near_step(alive, start, step.stage, self.config, state, pool, self.timings.counts)
        else:
            out = self._on_driver(alive, step, state)
        return out.map_batches(standard, batch_format="pyarrow").materialize()

    def _on_driver(self, alive: Dataset, step: ChainStep, state: DiskStateStore) -> Dataset:
        assert isinstance(step.stage, BatchStage)
        print(
            f"govcorpus: stage {step.stage.name} has no distributed form in the ray engine; judging on the driver",
            file=sys.stderr,
        )
        tables = list(alive.iter_batches(batch_format="pyarrow", batch_size=None))
        docs, seqs = docs_from_table(pa.concat_tables(tables)) if tables else ([], [])
        chain = StageChain([step])
        chain.run_from(docs, 0, state)
        return ray.data.from_arrow(docs_to_table(docs, seqs, chain.stats))

    @staticmethod
    def _notes(out: Dataset) -> list[str | None]:
        notes: list[str | None] = []
        for batch in out.select_columns([STATS]).iter_batches(batch_format="pyarrow", batch_size=None):
            notes.extend(note for note in batch.column(STATS).to_pylist() if note)
        return notes

    def _documents(self, ds: Dataset, *, finish: bool) -> Iterator[Document]:
        """Documents of `ds` in input order, streamed to the driver for writing."""
        with self._timed("sort and stream to driver" if finish else "sort and stream rejected"):
            ordered = ds.sort(SEQ).materialize()
        for batch in ordered.iter_batches(batch_format="pyarrow", batch_size=None):
            for doc in docs_from_table(batch)[0]:
                if finish:
                    finalize(doc)
                yield doc

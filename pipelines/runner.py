"""The batch clean job: inputs in, `clean/` + `rejected/` Parquet and a run report out.

A run has two phases. Streaming: every new input file is read, decoded, extracted and passed
through the per-document stages up to the first batch stage; every few thousand documents the
result is staged to `.work/<run_id>/` and the manifest records the inputs it holds. Batch: the
staged documents of the run go through the rest of the chain (batch stages such as duplicates
need them all), then the final shards, the report, the state, and last the manifest's "done" are
written. A run killed at any point resumes where it stopped and never writes a document twice.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from filters.base import Document, MemoryStateStore, StateStore
from filters.textstats import content_hash
from pipelines import PIPELINE_VERSION
from pipelines.accounting import StatsBook
from pipelines.chain import EXTRACT, READ, ChainStep, StageChain
from pipelines.config import Config, ExtractConfig
from pipelines.documents import prepare_document
from pipelines.manifest import Manifest
from pipelines.parquet_io import dataset_files, shard_rows, write_atomic, write_table_atomic
from pipelines.readers import InputError, InputUnit, RawPage, discover_inputs
from pipelines.schema import document_to_row, row_to_document, rows_to_table
from pipelines.state import DiskStateStore

CLEAN_DIR = "clean"
REJECTED_DIR = "rejected"
REPORTS_DIR = "reports"
WORK_DIR = ".work"
MANIFEST_FILE = "manifest.sqlite"
LOCK_FILE = ".lock"


class OutputError(Exception):
    """The output directory cannot be used (not writable, locked by another run)."""


@dataclass
class RunResult:
    run_id: str | None
    status: str  # "done" or "nothing_to_do"
    report: dict[str, Any] | None = None
    report_path: Path | None = None
    unreadable: list[dict[str, str]] = field(default_factory=list)


def new_run_id() -> str:
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"


def build_chain(config: Config) -> StageChain:
    return StageChain([ChainStep(stage, stage_config) for stage, stage_config in config.build_stages()])


def count_prepared(stats: StatsBook, doc: Document) -> None:
    """Account for reading and extraction of one page (the two steps before the text stages)."""
    read = stats.stage(READ)
    read.docs_in += 1
    if doc.drop_stage == READ:
        read.record_dropped(doc.drop_reason or "", 0)
        return
    read.docs_out += 1
    if doc.drop_stage is not None and doc.drop_stage != EXTRACT:
        return  # dropped by an HTML stage, counted there
    extract = stats.stage(EXTRACT)
    extract.docs_in += 1
    if doc.drop_stage == EXTRACT:
        extract.record_dropped(doc.drop_reason or "", 0)
        return
    extract.docs_out += 1
    extract.chars_out += len(doc.text)


def finalize(doc: Document) -> None:
    if not doc.dropped and doc.content_hash is None:
        doc.content_hash = content_hash(doc.text)


def prepare_unit(unit: InputUnit, chain: StageChain, extract: ExtractConfig) -> Iterator[Document]:
    """One input file's documents: read, extracted and through the per-document stages before the
    first batch stage, counted in `chain.stats`. Raises `InputError` after the pages it could read."""
    stop = chain.first_batch_index
    for page in unit.pages():
        doc = prepare_document(page, extract, chain.run_html_stages)
        count_prepared(chain.stats, doc)
        if not doc.dropped:
            chain.run_text_stages(doc, 0, stop)
        yield doc


def input_problem(error: InputError) -> dict[str, str]:
    """An unreadable input as the report lists it (and said on stderr when it happens)."""
    print(f"govcorpus: {error.path}: {error.why}", file=sys.stderr)
    return {"path": error.path, "why": error.why}


def staged_table(docs: Sequence[Document], run_id: str) -> pa.Table:
    rows = [
        document_to_row(doc, run_id=run_id, pipeline_version=PIPELINE_VERSION, rejected=True) for doc in docs
    ]
    return rows_to_table(rows, rejected=True)


@dataclass
class OutputTally:
    """What the run report says about the written documents, counted while they are written."""

    kept: int = 0
    rejected: int = 0
    kept_chars: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    def add(self, doc: Document) -> None:
        if not doc.dropped:
            self.kept += 1
            self.kept_chars += len(doc.text)
            return
        self.rejected += 1
        self.by_reason[doc.drop_reason or ""] += 1
        if "duplicate_of" in doc.tags:
            self.duplicates.append(
                {
                    "url": doc.url,
                    "reason": doc.drop_reason,
                    "duplicate_of": doc.tags["duplicate_of"],
                    "match": doc.tags.get("near_dedup_match", "run"),
                }
            )


def clean_in_memory(
    pages: Iterable[RawPage], config: Config, state: StateStore | None = None
) -> list[Document]:
    """Every page through the whole chain, in memory: one document per page, dropped ones included."""
    chain = build_chain(config)
    docs = [prepare_document(page, config.extract, chain.run_html_stages) for page in pages]
    chain.run_from(docs, 0, state or MemoryStateStore())
    for doc in docs:
        finalize(doc)
    return docs


@contextmanager
def _locked(output: Path) -> Iterator[None]:
    try:
        output.mkdir(parents=True, exist_ok=True)
        handle = (output / LOCK_FILE).open("w")
    except OSError as error:
        raise OutputError(f"cannot write to output directory {output}: {error.strerror or error}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise OutputError(f"another clean run is using {output}") from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


class CleanRunner:
    """The clean job on this machine. Engines differ in `_stage_inputs` (phase 1) and
    `_judge_staged` (phase 2's stages); the manifest, outputs, report and state are shared."""

    def __init__(
        self,
        config: Config,
        output: Path,
        *,
        state_dir: Path | None = None,
        force: bool = False,
        quiet: bool = False,
        staged_shard_docs: int = 5000,
    ) -> None:
        self.config = config
        self.output = output
        self.state_dir = state_dir or output / "state"
        self.force = force
        self.quiet = quiet
        self.staged_shard_docs = staged_shard_docs

    def log(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr)

    def run(self, inputs: list[str | Path]) -> RunResult:
        units = discover_inputs(inputs)
        with _locked(self.output):
            if self.force:
                self._wipe()
            manifest = Manifest(self.output / MANIFEST_FILE)
            try:
                return self._run(units, manifest)
            finally:
                manifest.close()

    def _wipe(self) -> None:
        for name in (CLEAN_DIR, REJECTED_DIR, WORK_DIR, REPORTS_DIR):
            shutil.rmtree(self.output / name, ignore_errors=True)
        for name in (MANIFEST_FILE, f"{MANIFEST_FILE}-wal", f"{MANIFEST_FILE}-shm"):
            (self.output / name).unlink(missing_ok=True)
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def _run(self, units: list[InputUnit], manifest: Manifest) -> RunResult:
        known = manifest.known_inputs()
        new_units = [unit for unit in units if unit.key not in known]
        run_id = manifest.unfinished_run()
        if run_id is None and not new_units:
            self.log(
                f"govcorpus: nothing to do: all {len(units)} inputs already cleaned into {self.output} (--force rebuilds)"
            )
            return RunResult(run_id=None, status="nothing_to_do")
        if run_id is None:
            run_id = new_run_id()
            manifest.start_run(run_id, dt.datetime.now(dt.UTC).isoformat())
        else:
            self.log(f"govcorpus: resuming interrupted run {run_id}")
        started = time.monotonic()
        chain = build_chain(self.config)
        work = self.output / WORK_DIR / run_id
        self._stage_inputs(new_units, chain, manifest, run_id, work)
        return self._finish(chain, manifest, run_id, work, started)

    # -- phase 1: streaming -------------------------------------------------------------------

    def _stage_inputs(
        self, units: list[InputUnit], chain: StageChain, manifest: Manifest, run_id: str, work: Path
    ) -> None:
        buffer: list[Document] = []
        consumed: list[tuple[str, str]] = []
        problems: list[dict[str, str]] = []
        shard_number = len(manifest.staged_shards(run_id))
        counts: Counter[str] = Counter()
        with tqdm(unit="doc", disable=self.quiet or not sys.stderr.isatty(), dynamic_ncols=True) as progress:
            for unit in units:
                key = unit.key
                try:
                    for doc in prepare_unit(unit, chain, self.config.extract):
                        buffer.append(doc)
                        counts["dropped" if doc.dropped else "kept"] += 1
                        progress.update(1)
                        progress.set_postfix(counts, refresh=False)
                except InputError as error:
                    problems.append(input_problem(error))
                consumed.append((key, str(unit.path)))
                if len(buffer) >= self.staged_shard_docs:
                    table = staged_table(buffer, run_id)
                    self._flush(table, consumed, problems, chain.stats, manifest, run_id, work, shard_number)
                    chain.stats = chain.new_stats()
                    shard_number += 1
                    buffer, consumed, problems = [], [], []
        if buffer or consumed:
            table = staged_table(buffer, run_id)
            self._flush(table, consumed, problems, chain.stats, manifest, run_id, work, shard_number)
            chain.stats = chain.new_stats()

    def _flush(
        self,
        table: pa.Table,
        consumed: list[tuple[str, str]],
        problems: list[dict[str, str]],
        stats: StatsBook,
        manifest: Manifest,
        run_id: str,
        work: Path,
        number: int,
    ) -> None:
        """Write one staged shard and record it, with the inputs it holds, in the manifest."""
        shard = f"staged-{number:05d}.parquet"
        write_table_atomic(table, work / shard, self.config.output)
        manifest.record_shard(run_id, shard, consumed, stats.to_json(), problems)

    # -- phase 2: batch stages and final output ------------------------------------------------

    def _finish(
        self, chain: StageChain, manifest: Manifest, run_id: str, work: Path, started: float
    ) -> RunResult:
        staged = manifest.staged_shards(run_id)
        stats = chain.new_stats()
        problems: list[dict[str, str]] = []
        for _shard, shard_stats, shard_problems in staged:
            stats.merge(StatsBook.from_json(shard_stats))
            problems.extend(shard_problems)
        chain.stats = stats
        state = DiskStateStore(self.state_dir)
        shards = [work / shard for shard, _, _ in staged if (work / shard).exists()]
        kept, rejected = self._judge_staged(chain, shards, state)

        tally = OutputTally()
        self._write_dataset(CLEAN_DIR, kept, run_id, rejected=False, tally=tally)
        self._write_dataset(REJECTED_DIR, rejected, run_id, rejected=True, tally=tally)
        report = self._report(run_id, manifest, chain.stats, tally, problems, time.monotonic() - started)
        report_path = self.output / REPORTS_DIR / f"{run_id}.json"
        write_atomic(
            report_path, json.dumps(report, ensure_ascii=False, indent=2, default=str).encode("utf-8")
        )
        state.commit()
        manifest.finish_run(run_id, dt.datetime.now(dt.UTC).isoformat())
        shutil.rmtree(work, ignore_errors=True)
        return RunResult(
            run_id=run_id, status="done", report=report, report_path=report_path, unreadable=problems
        )

    def _judge_staged(
        self, chain: StageChain, shards: list[Path], state: DiskStateStore
    ) -> tuple[Iterable[Document], Iterable[Document]]:
        """The staged documents (shards in order) through the rest of the chain, counted in
        `chain.stats`: (kept, rejected), each in input order."""
        docs = [row_to_document(row) for path in shards for row in pq.read_table(path).to_pylist()]
        chain.run_from(docs, chain.first_batch_index, state)
        for doc in docs:
            finalize(doc)
        return [doc for doc in docs if not doc.dropped], [doc for doc in docs if doc.dropped]

    def _write_dataset(
        self, name: str, docs: Iterable[Document], run_id: str, *, rejected: bool, tally: OutputTally
    ) -> None:
        directory = self.output / name
        for stale in dataset_files(directory):
            if stale.name.startswith(f"part-{run_id}-"):
                stale.unlink()  # left by an interrupted attempt of this same run

        def rows() -> Iterator[dict[str, Any]]:
            for doc in docs:
                tally.add(doc)
                yield document_to_row(
                    doc, run_id=run_id, pipeline_version=PIPELINE_VERSION, rejected=rejected
                )

        for number, shard in enumerate(shard_rows(rows(), self.config.output)):
            write_table_atomic(
                rows_to_table(shard, rejected=rejected),
                directory / f"part-{run_id}-{number:05d}.parquet",
                self.config.output,
            )

    def _report(
        self,
        run_id: str,
        manifest: Manifest,
        stats: StatsBook,
        tally: OutputTally,
        problems: list[dict[str, str]],
        seconds: float,
    ) -> dict[str, Any]:
        return {
            "run_id": run_id,
            "pipeline_version": PIPELINE_VERSION,
            "config": self.config.source,
            "started_at": manifest.run_started_at(run_id),
            "finished_at": dt.datetime.now(dt.UTC).isoformat(),
            "wall_seconds": round(seconds, 3),
            "inputs": {"files": manifest.run_inputs(run_id), "unreadable": problems},
            "documents": {
                "in": tally.kept + tally.rejected,
                "kept": tally.kept,
                "rejected": tally.rejected,
                "kept_chars": tally.kept_chars,
            },
            "rejected_by_reason": dict(tally.by_reason.most_common()),
            "stages": stats.to_json(),
            "duplicates": tally.duplicates,
        }


def default_state_dir(output: Path) -> Path:
    return Path(os.environ.get("GOVCORPUS_STATE_DIR", output / "state"))

"""Exact duplicates on Ray Data: documents grouped by content hash across the cluster.

Every document gets its `content_hash` (`filters.textstats.content_hash`) and a coarse group
derived from it; `groupby(group).map_groups` brings all copies of a text to one task, which sorts
them by `_seq` (input order, as the local engine sees them) and lets the stage itself judge them
(`ExactDuplicates.judge_batch` keeps the first copy and lists the others in its `dup_urls`). Hashes
kept by earlier runs (the stage's state, loaded by the driver) are split by the same groups and
each task fetches only its own part: a copy of a text kept in an earlier run is dropped as a
duplicate of that run's document, unless it is that document itself, cleaned again. The texts
first kept by this run come back to the driver (hash and id: 40 bytes each), which stores the
grown set in the same state key as the local engine.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import ray
from ray.data import Dataset

from filters.base import MemoryStateStore, Verdict
from filters.exact_dedup import ExactDuplicates
from filters.textstats import content_hash
from pipelines.config import Config
from pipelines.ray_frames import (
    GROUP,
    SEQ,
    bucket_count,
    build_subchain,
    docs_from_table,
    docs_to_table,
    run_per_task,
)
from pipelines.state import DiskStateStore

HASH = "_hash"
FIRST = "_first"


def _bucket(digest: str, buckets: int) -> int:
    return int(digest[:8], 16) % buckets


def _with_hash(table: pa.Table, buckets: int) -> pa.Table:
    digests = [content_hash(text or "") for text in table.column("text").to_pylist()]
    table = table.append_column(HASH, pa.array(digests, pa.string()))
    return table.append_column(GROUP, pa.array([_bucket(d, buckets) for d in digests], pa.int64()))


def judge_copies(
    stage: ExactDuplicates, docs: list[Any], digests: list[str], kept_before: dict[bytes, str]
) -> tuple[list[Verdict], list[bool]]:
    """Verdicts for documents in input order whose hashes are all in this group, and which of them
    is the first copy of a text no earlier run kept (a new entry of the stage's state)."""
    verdicts: list[Verdict] = [Verdict() for _ in docs]
    in_run: list[int] = []
    for position, (doc, digest) in enumerate(zip(docs, digests, strict=True)):
        earlier = kept_before.get(bytes.fromhex(digest))
        if earlier is not None and earlier != doc.id:  # as in ExactDuplicates.judge_batch
            verdicts[position] = Verdict(
                drop=stage.reason("duplicate"),
                tags={"duplicate_of": earlier},
                updates={"content_hash": digest},
                overwrite=frozenset({"content_hash"}),
            )
        else:
            in_run.append(position)
    judged = stage.judge_batch([docs[p] for p in in_run], MemoryStateStore())
    first = [False] * len(docs)
    seen: set[str] = set()
    for position, verdict in zip(in_run, judged, strict=True):
        verdicts[position] = verdict
        digest = digests[position]
        if digest not in seen:
            seen.add(digest)
            first[position] = bytes.fromhex(digest) not in kept_before
    return verdicts, first


class ExactGroups:
    """`map_groups` worker: one coarse hash group per call (built per call: the stage is free to build)."""

    def __init__(self, config: Config, index: int, parts: list[Any] | None) -> None:
        self.chain = build_subchain(config, index, index + 1)
        self.step = self.chain.text_steps[0]
        self.parts = parts

    def __call__(self, table: pa.Table) -> pa.Table:
        self.chain.stats = self.chain.new_stats()
        table = table.sort_by(SEQ)
        docs, seqs = docs_from_table(table)
        digests = table.column(HASH).to_pylist()
        kept_before: dict[bytes, str] = {}
        if self.parts is not None and table.num_rows:
            kept_before = ray.get(self.parts[table.column(GROUP)[0].as_py()])
        stage = self.step.stage
        assert isinstance(stage, ExactDuplicates)
        verdicts, first = judge_copies(stage, docs, digests, kept_before)
        for doc, verdict in zip(docs, verdicts, strict=True):
            self.chain.apply(self.step, doc, verdict)
        extra = {HASH: pa.array(digests, pa.string()), FIRST: pa.array(first, pa.bool_())}
        return docs_to_table(docs, seqs, self.chain.stats, extra)


def exact_step(
    alive: Dataset,
    index: int,
    stage: ExactDuplicates,
    config: Config,
    state: DiskStateStore,
    rows: int,
) -> Dataset:
    """The step's output (all documents it judged), materialized; the stage's state updated.
    `rows` is about how many documents `alive` holds (it sizes the groups)."""
    remember = stage.remember_across_runs
    kept_before = ExactDuplicates._load(state) if remember else {}
    buckets = bucket_count(rows + len(kept_before))
    parts = None
    if kept_before:
        split: list[dict[bytes, str]] = [{} for _ in range(buckets)]
        for key, doc_id in kept_before.items():
            split[_bucket(key.hex(), buckets)][key] = doc_id
        parts = [ray.put(part) for part in split]
    out = (
        alive.map_batches(_with_hash, fn_kwargs={"buckets": buckets}, batch_format="pyarrow")
        .groupby(GROUP)
        .map_groups(run_per_task, fn_args=(ExactGroups, config, index, parts), batch_format="pyarrow")
        .materialize()
    )
    if remember:
        firsts = out.map_batches(_first_copies, batch_format="pyarrow")
        rows = sorted(
            (row for batch in firsts.iter_batches(batch_format="pyarrow") for row in batch.to_pylist()),
            key=lambda row: row[SEQ],
        )
        kept_before.update({bytes.fromhex(row[HASH]): row["id"] for row in rows})
        ExactDuplicates._save(state, kept_before)
    return out.drop_columns([HASH, FIRST])


def _first_copies(table: pa.Table) -> pa.Table:
    return table.filter(table.column(FIRST)).select([SEQ, HASH, "id"])

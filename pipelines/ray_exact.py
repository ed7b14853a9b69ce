"""Exact duplicates on Ray Data: documents grouped by content hash across the cluster.

Every document gets its `content_hash` (`filters.textstats.content_hash`) and a coarse group
derived from it. The keys alone (sequence number, hash, group) are grouped first, which finds the
documents whose text occurs more than once in the run or was kept by an earlier run (the stage's
state, loaded by the driver and split by the same groups, each task fetching only its part). Only
those documents are then brought together with `groupby(group).map_groups`, sorted by `_seq`
(input order, as the local engine sees them), and judged by the stage itself
(`ExactDuplicates.judge_batch` keeps the first copy and lists the others in its `dup_urls`); a copy
of a text kept in an earlier run is dropped as a duplicate of that run's document, unless it is that
document itself, cleaned again. Documents with a text of their own are judged where they are. The
texts first kept by this run come back to the driver (hash and id: about 40 bytes each), which
stores the grown set in the same state key as the local engine.
"""

from __future__ import annotations

from collections import Counter
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
    fetch,
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
    """One coarse hash group per call (`parts`: the earlier runs' hashes by group), or documents with
    texts of their own (`parts` None). Built per call: the stage costs nothing to build."""

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
    kept_before = ExactDuplicates.load_kept(state) if remember else {}
    buckets = bucket_count(rows + len(kept_before))
    parts = None
    if kept_before:
        split: list[dict[bytes, str]] = [{} for _ in range(buckets)]
        for key, doc_id in kept_before.items():
            split[_bucket(key.hex(), buckets)][key] = doc_id
        parts = [ray.put(part) for part in split]
    hashed = alive.map_batches(
        _with_hash, fn_kwargs={"buckets": buckets}, batch_format="pyarrow"
    ).materialize()
    # Only documents whose text occurs twice in the run, or in an earlier run, need to meet: the keys
    # are grouped first (a small shuffle), then only those documents are.
    shared = ray.put(
        {
            seq
            for batch in hashed.select_columns([SEQ, HASH, GROUP])
            .groupby(GROUP)
            .map_groups(_shared_copies, fn_args=(parts,), batch_format="pyarrow")
            .iter_batches(batch_format="pyarrow", batch_size=None)
            for seq in batch.column(SEQ).to_pylist()
        }
    )
    lone = hashed.map_batches(_keep, fn_args=(shared, False), batch_format="pyarrow").map_batches(
        run_per_task, fn_args=(ExactGroups, config, index, None), batch_format="pyarrow"
    )
    copies = (
        hashed.map_batches(_keep, fn_args=(shared, True), batch_format="pyarrow")
        .groupby(GROUP)
        .map_groups(run_per_task, fn_args=(ExactGroups, config, index, parts), batch_format="pyarrow")
    )
    out = lone.union(copies).materialize()
    if remember:
        firsts = out.map_batches(_first_copies, batch_format="pyarrow")
        rows = sorted(
            (row for batch in firsts.iter_batches(batch_format="pyarrow") for row in batch.to_pylist()),
            key=lambda row: row[SEQ],
        )
        kept_before.update({bytes.fromhex(row[HASH]): row["id"] for row in rows})
        ExactDuplicates.save_kept(state, kept_before)
    return out.drop_columns([HASH, FIRST])


def _first_copies(table: pa.Table) -> pa.Table:
    return table.filter(table.column(FIRST)).select([SEQ, HASH, "id"])


def _shared_copies(keys: pa.Table, parts: list[Any] | None) -> pa.Table:
    """Sequence numbers of this group's documents whose hash another document of the run, or an
    earlier run, has."""
    counts = Counter(keys.column(HASH).to_pylist())
    kept_before = ray.get(parts[keys.column(GROUP)[0].as_py()]) if parts is not None and keys.num_rows else {}
    shared = [
        seq
        for seq, digest in zip(keys.column(SEQ).to_pylist(), keys.column(HASH).to_pylist(), strict=True)
        if counts[digest] > 1 or bytes.fromhex(digest) in kept_before
    ]
    return pa.table({SEQ: pa.array(shared, pa.int64())})


def _keep(table: pa.Table, shared: Any, inside: bool) -> pa.Table:
    members = fetch(shared)
    return table.filter(
        pa.array([(seq in members) == inside for seq in table.column(SEQ).to_pylist()], pa.bool_())
    )

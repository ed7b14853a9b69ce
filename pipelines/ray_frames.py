"""Documents as the Arrow tables the Ray engine's datasets are made of, and the worker-side chains.

A row is the staged record (`schema.REJECTED_SCHEMA`) plus two engine columns: `_seq`, the
document's place in the run (input file, then position in it; every decision that depends on
order, such as which exact copy is first, sorts by it), and `_stats`, the JSON `StatsBook` of the
batch that produced the row, set on the first row of each output batch only, so the driver can
add up the accounting of every task exactly once without collecting documents. Step-specific
columns (a group key, a signature) are added beside these and dropped before the next step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.base import Document
from filters.registry import stage_class
from pipelines import PIPELINE_VERSION
from pipelines.accounting import StatsBook
from pipelines.chain import ChainStep, StageChain
from pipelines.config import Config, StageConfig, build_stage
from pipelines.schema import REJECTED_SCHEMA, document_to_row, row_to_document, rows_to_table

SEQ = "_seq"
STATS = "_stats"
GROUP = "_group"
DOC_COLUMNS = list(REJECTED_SCHEMA.names)
COLUMNS = [*DOC_COLUMNS, SEQ, STATS]


def text_stage_configs(config: Config) -> list[StageConfig]:
    """The configured text stages in order: what `StageChain.text_steps` holds, without building them."""
    return [sc for sc in config.stages if stage_class(sc.name).field != "html"]


def html_stage_configs(config: Config) -> list[StageConfig]:
    return [sc for sc in config.stages if stage_class(sc.name).field == "html"]


def build_subchain(config: Config, start: int, stop: int, *, with_html: bool = False) -> StageChain:
    """A chain of `text_steps[start:stop]` (and the HTML stages), built in a worker: stage objects
    hold models and cannot be pickled, so each worker builds its own from the config."""
    configs = (html_stage_configs(config) if with_html else []) + text_stage_configs(config)[start:stop]
    return StageChain([ChainStep(build_stage(sc, config.source), sc) for sc in configs])


def docs_from_table(table: pa.Table) -> tuple[list[Document], list[int]]:
    """The table's documents and their sequence numbers, sorted by sequence number."""
    if SEQ in table.column_names and table.num_rows > 1:
        table = table.sort_by(SEQ)
    docs = [row_to_document(row) for row in table.select(DOC_COLUMNS).to_pylist()]
    return docs, table.column(SEQ).to_pylist()


def docs_to_table(
    docs: Sequence[Document],
    seqs: Sequence[int],
    stats: StatsBook | None = None,
    extra: dict[str, pa.Array] | None = None,
) -> pa.Table:
    """Documents back to rows: the standard columns, then `extra` ones."""
    rows = [document_to_row(doc, run_id="", pipeline_version=PIPELINE_VERSION, rejected=True) for doc in docs]
    table = rows_to_table(rows, rejected=True)
    table = table.append_column(SEQ, pa.array(seqs, pa.int64()))
    notes: list[str | None] = [None] * len(docs)
    if stats is not None and docs:
        notes[0] = json.dumps(stats.to_json())
    table = table.append_column(STATS, pa.array(notes, pa.string()))
    for name, values in (extra or {}).items():
        table = table.append_column(name, values)
    return table


def standard(table: pa.Table) -> pa.Table:
    """Only the standard columns (datasets that are unioned must share one schema)."""
    return table.select(COLUMNS)


def alive_rows(table: pa.Table) -> pa.Table:
    return table.filter(pc.is_null(table.column("drop_reason")))


def dropped_rows(table: pa.Table) -> pa.Table:
    return table.filter(pc.is_valid(table.column("drop_reason")))


def merge_stats(book: StatsBook, notes: Sequence[str | None]) -> None:
    """Add every non-empty `_stats` note of a step's output to `book`."""
    for note in notes:
        if note:
            book.merge(StatsBook.from_json(json.loads(note)))


def bucket_count(rows: int, per_bucket: int = 1000) -> int:
    """Coarse groups for a shuffle: each holds about `per_bucket` rows, so the per-group overhead of
    `map_groups` is paid per thousand rows rather than per key, and no group outgrows a worker."""
    return max(1, min(1 << 16, rows // per_bucket + 1))


def fetch(value: Any) -> Any:
    """A value passed to a Ray Data worker by reference: top-level task and actor arguments arrive
    already resolved, references nested in containers do not."""
    return ray.get(value) if isinstance(value, ray.ObjectRef) else value


def run_per_task(table: pa.Table, worker: type, *args: Any) -> pa.Table:
    """`worker(*args)(table)`: a worker built for one batch, for stages that cost nothing to build,
    so the step runs as plain tasks instead of waiting for actors to start."""
    return worker(*args)(table)

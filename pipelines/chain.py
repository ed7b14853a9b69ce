"""The stage chain: applies stages in config order, owns all the accounting.

Stages judge; the chain applies their verdicts (`filters.base.apply_verdict`), counts documents and
characters in and out of every stage by reason, and routes dropped documents out of the flow. A
stage that raises on a document rejects that document with `<stage>_error` instead of ending the
run.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from filters.base import BatchStage, Document, Stage, StateStore, Verdict, apply_verdict
from pipelines.accounting import StageStats, StatsBook
from pipelines.config import StageConfig

READ = "read"
EXTRACT = "extract"


@dataclass(frozen=True)
class ChainStep:
    stage: Stage
    config: StageConfig

    @property
    def is_batch(self) -> bool:
        return isinstance(self.stage, BatchStage)


class StageChain:
    """The configured stages, split into the HTML stages and the ordered text stages."""

    def __init__(self, steps: Sequence[ChainStep]) -> None:
        self.html_steps = [s for s in steps if s.stage.field == "html"]
        self.text_steps = [s for s in steps if s.stage.field != "html"]
        self.stats = self.new_stats()

    def new_stats(self) -> StatsBook:
        """An empty book with every step in pipeline order: read, HTML stages, extract, text stages."""
        book = StatsBook()
        book.stage(READ)
        for step in self.html_steps:
            book.stage(step.stage.name, step.config.label_only)
        book.stage(EXTRACT)
        for step in self.text_steps:
            book.stage(step.stage.name, step.config.label_only)
        return book

    @property
    def first_batch_index(self) -> int:
        """Index of the first batch stage in `text_steps` (len if none): where streaming must stop."""
        return next((i for i, s in enumerate(self.text_steps) if s.is_batch), len(self.text_steps))

    def run_html_stages(self, doc: Document) -> None:
        for step in self.html_steps:
            if doc.dropped:
                return
            self.apply(step, doc, self._judge(step, doc))

    def run_text_stages(self, doc: Document, start: int = 0, stop: int | None = None) -> None:
        """Per-document stages `text_steps[start:stop]` (no batch stage may be in the range)."""
        for step in self.text_steps[start:stop]:
            if doc.dropped:
                return
            if step.is_batch:
                raise ValueError(f"batch stage {step.stage.name} cannot run per document")
            self.apply(step, doc, self._judge(step, doc))

    def run_from(self, docs: Sequence[Document], start: int, state: StateStore) -> None:
        """Run `text_steps[start:]` over a whole batch (per-document stages one by one)."""
        for step in self.text_steps[start:]:
            alive = [doc for doc in docs if not doc.dropped]
            if step.is_batch:
                verdicts = self._judge_batch(step, alive, state)
                for doc, verdict in zip(alive, verdicts, strict=True):
                    self.apply(step, doc, verdict)
            else:
                for doc in alive:
                    self.apply(step, doc, self._judge(step, doc))

    def _judge(self, step: ChainStep, doc: Document) -> Verdict:
        try:
            return step.stage.judge(doc)
        except Exception:
            return self._crashed(step, [doc])[0]

    def _judge_batch(self, step: ChainStep, docs: list[Document], state: StateStore) -> list[Verdict]:
        assert isinstance(step.stage, BatchStage)
        try:
            verdicts = step.stage.judge_batch(docs, state)
        except Exception:
            return self._crashed(step, docs)
        if len(verdicts) != len(docs):
            raise ValueError(
                f"stage {step.stage.name} returned {len(verdicts)} verdicts for {len(docs)} documents"
            )
        return verdicts

    def _crashed(self, step: ChainStep, docs: list[Document]) -> list[Verdict]:
        where = docs[0].url if len(docs) == 1 else f"a batch of {len(docs)} documents"
        print(f"govcorpus: stage {step.stage.name} failed on {where}; rejecting:", file=sys.stderr)
        traceback.print_exc(limit=3, file=sys.stderr)
        return [Verdict(drop=f"{step.stage.name}_error") for _ in docs]

    def apply(self, step: ChainStep, doc: Document, verdict: Verdict) -> None:
        """Apply one verdict and count it. For HTML stages the character counts are of page source.

        Public for engines that judge a batch stage in pieces (the Ray engine)."""
        stats: StageStats = self.stats.stage(step.stage.name, step.config.label_only)
        field_name = step.stage.field
        chars_in = len(getattr(doc, field_name) or "")
        stats.docs_in += 1
        stats.chars_in += chars_in
        spans_before = len(doc.removed)
        try:
            apply_verdict(doc, verdict, step.stage, label_only=step.config.label_only)
        except ValueError:  # a stage bug (overlapping or out-of-range spans): reject, do not stop the run
            apply_verdict(doc, self._crashed(step, [doc])[0], step.stage)
        if step.config.label_only and verdict.drop:
            stats.record_would_drop(verdict.drop, chars_in)
        if doc.dropped and doc.drop_stage == step.stage.name:
            stats.record_dropped(doc.drop_reason or "", chars_in)
            return
        for span in doc.removed[spans_before:]:
            stats.record_removed(span.reason, span.n_chars)
        stats.docs_out += 1
        stats.chars_out += len(getattr(doc, field_name) or "")

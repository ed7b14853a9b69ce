"""Exact duplicates: documents whose cleaned text is identical up to layout and width.

Syndicated government news is often copied verbatim between sites. The first copy seen is kept
(input order within a run, and any copy kept by an earlier run wins over later runs); each later
copy is dropped with reason `exact_dedup_duplicate` and a `duplicate_of` tag naming the kept id.
The kept document lists the copies' URLs in `dup_urls`. Runs after the first remember the hashes of
everything already kept through the runner's state store.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from filters.base import BatchStage, Document, StateStore, Verdict
from filters.textstats import content_hash

_STATE_KEY = "exact_dedup.kept"
_RECORD = np.dtype([("hash", "S16"), ("id", "S32")])


class ExactDuplicates(BatchStage):
    name = "exact_dedup"

    def __init__(self, remember_across_runs: bool = True) -> None:
        self.remember_across_runs = remember_across_runs

    def judge_batch(self, docs: Sequence[Document], state: StateStore) -> list[Verdict]:
        kept_by_hash = self.load_kept(state) if self.remember_across_runs else {}
        first_index: dict[bytes, int] = {}
        verdicts = [Verdict() for _ in docs]
        copies: dict[int, list[str]] = {}
        for index, doc in enumerate(docs):
            digest = content_hash(doc.text)
            key = bytes.fromhex(digest)
            verdicts[index].updates["content_hash"] = digest
            verdicts[index].overwrite = frozenset({"content_hash"})
            if key in kept_by_hash and kept_by_hash[key] != doc.id:  # not itself, cleaned again
                verdicts[index].drop = self.reason("duplicate")
                verdicts[index].tags["duplicate_of"] = kept_by_hash[key]
            elif key in first_index:
                kept = first_index[key]
                verdicts[index].drop = self.reason("duplicate")
                verdicts[index].tags["duplicate_of"] = docs[kept].id
                copies.setdefault(kept, []).append(doc.url)
            else:
                first_index[key] = index
        for kept, urls in copies.items():
            verdicts[kept].updates["dup_urls"] = [*docs[kept].dup_urls, *urls]
            verdicts[kept].overwrite = frozenset({"content_hash", "dup_urls"})
        if self.remember_across_runs:
            kept_by_hash.update({key: docs[index].id for key, index in first_index.items()})
            self.save_kept(state, kept_by_hash)
        return verdicts

    @staticmethod
    def load_kept(state: StateStore) -> dict[bytes, str]:
        blob = state.get(_STATE_KEY)
        if not blob:
            return {}
        records = np.frombuffer(blob, dtype=_RECORD)
        return {bytes(r["hash"]): r["id"].decode("ascii") for r in records}

    @staticmethod
    def save_kept(state: StateStore, kept_by_hash: dict[bytes, str]) -> None:
        records = np.array(
            [(key, doc_id.encode("ascii")) for key, doc_id in kept_by_hash.items()], dtype=_RECORD
        )
        state.put(_STATE_KEY, records.tobytes())

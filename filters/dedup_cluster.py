"""Verified near-duplicate links between signatures, and the clusters they form.

`link_signatures` walks a run's documents in order. Each one is looked up in a run-local datasketch
`MinHashLSH` (the documents before it) and in the index of earlier runs, then added to the run-local
LSH. A shared band only makes two documents candidates: a link needs the estimated Jaccard
similarity (signature agreement over all permutations) to reach the threshold, so the bands can be
generous for recall while precision rests on the verification.

The estimate has a standard error of about 0.035 at J = 0.8 with 128 permutations, so a pair
within a few errors of the threshold is a coin toss. Candidates of the same run whose estimate is
within `margin` of the threshold are returned apart (`Links.uncertain`) and `confirm_pairs` decides
them on the exact Jaccard similarity of their 5-gram sets, recomputed from the two texts (only the
run's texts are at hand: matches in the index of earlier runs are decided on the estimate).
`clusters` joins linked documents with a union-find.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from datasketch import MinHashLSH

from filters.dedup_index import IndexMeta, SignatureIndex, new_lsh
from filters.minhash import MinHasher, agreement, exact_jaccard


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """The best verified match of a run's document in the index of earlier runs."""

    doc_id: str
    representative: str
    similarity: float


@dataclass(slots=True)
class Links:
    """Verified links of a run: pairs within the run and matches in the stored index."""

    pairs: list[tuple[int, int]] = field(default_factory=list)
    # Candidate pairs of the run whose estimate is too close to the threshold to decide on.
    uncertain: list[tuple[int, int]] = field(default_factory=list)
    stored: dict[int, StoredMatch] = field(default_factory=dict)
    # Highest estimated Jaccard similarity among each document's LSH candidates (0 without any).
    nearest: np.ndarray = field(default_factory=lambda: np.zeros(0))


def link_signatures(
    signatures: np.ndarray,
    hasher: MinHasher,
    meta: IndexMeta,
    threshold: float,
    stored: SignatureIndex | None = None,
    margin: float = 0.0,
    ids: Sequence[str] | None = None,
) -> Links:
    """Verified links among `signatures` (rows in run order) and to the stored index.

    With `margin` > 0, pairs of the run whose estimate is within `margin` of `threshold` go to
    `Links.uncertain` instead of being linked or dismissed. With `ids`, a stored entry of the same
    document (or one whose representative it is) is not a match: a run resumed after a crash, or a
    page cleaned again, must not be dropped as a copy of itself.
    """
    links = Links(nearest=np.zeros(len(signatures)))
    run_lsh: MinHashLSH = new_lsh(meta)
    search_stored = stored is not None and len(stored) > 0
    for row, signature in enumerate(signatures):
        minhash = hasher.lean_minhash(signature)
        earlier = run_lsh.query(minhash)
        if earlier:
            similarity = agreement(signature, signatures[earlier])
            links.nearest[row] = similarity.max()
            for other, sim in zip(earlier, similarity, strict=True):
                if abs(sim - threshold) < margin:
                    links.uncertain.append((other, row))
                elif sim >= threshold:
                    links.pairs.append((other, row))
        if search_stored:
            assert stored is not None
            keys = stored.candidates(minhash)
            if keys:
                stored_signatures, stored_ids, reps = stored.entries(keys)
                similarity = agreement(signature, stored_signatures)
                if ids is not None:
                    own = ids[row]
                    similarity = np.where(
                        [i == own or r == own for i, r in zip(stored_ids, reps, strict=True)],
                        -1.0,
                        similarity,
                    )
                best = int(similarity.argmax())
                links.nearest[row] = max(links.nearest[row], similarity[best])
                if similarity[best] >= threshold:
                    links.stored[row] = StoredMatch(stored_ids[best], reps[best], float(similarity[best]))
        run_lsh.insert(row, minhash, check_duplication=False)
    return links


def confirm_pairs(
    pairs: Sequence[tuple[int, int]],
    points_of: Callable[[int], np.ndarray],
    hasher: MinHasher,
    threshold: float,
) -> list[tuple[int, int]]:
    """The pairs whose exact Jaccard similarity reaches `threshold`; `points_of(row)` gives the
    normalised code points of a document. Each document's shingle set is computed once and
    dropped after its last pair, so only the sets of documents with pairs still to check are held."""
    ordered = sorted(pairs)
    last_use = {row: position for position, pair in enumerate(ordered) for row in pair}
    sets: dict[int, np.ndarray] = {}
    confirmed = []
    for position, (a, b) in enumerate(ordered):
        for row in (a, b):
            if row not in sets:
                sets[row] = hasher.shingle_set(points_of(row))
        if exact_jaccard(sets[a], sets[b]) >= threshold:
            confirmed.append((a, b))
        for row in (a, b):
            if last_use[row] == position:
                del sets[row]
    return confirmed


def clusters(size: int, pairs: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Connected components of `pairs` over `range(size)` with more than one member, members sorted."""
    parent = list(range(size))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in pairs:
        a, b = root(left), root(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for node in sorted({node for pair in pairs for node in pair}):
        groups.setdefault(root(node), []).append(node)
    return list(groups.values())

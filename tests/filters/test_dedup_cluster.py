from __future__ import annotations

from pathlib import Path

import numpy as np

from filters.dedup_cluster import clusters, confirm_pairs, link_signatures
from filters.dedup_index import IndexMeta
from filters.dedup_text import DedupNormalizer
from filters.minhash import SCHEME, MinHasher, exact_jaccard

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "near_dedup"
HASHER = MinHasher()
META = IndexMeta(num_perm=128, seed=1, shingle_size=5, normalization=1, scheme=SCHEME, bands=12, rows=6)


def normalised(name: str) -> np.ndarray:
    return DedupNormalizer().code_points((FIXTURES / f"{name}.txt").read_text(encoding="utf-8"))


def edited(points: np.ndarray, every: int) -> np.ndarray:
    """A copy with one character in `every` replaced: lower `every`, lower similarity."""
    copy = points.copy()
    copy[every // 2 :: every] = ord("之")
    return copy


def test_close_calls_are_set_apart_and_decided_on_exact_similarity() -> None:
    base = normalised("private_economy")
    docs = [base, edited(base, 60), edited(base, 35), normalised("flood_control")]
    exact = [exact_jaccard(HASHER.shingle_set(base), HASHER.shingle_set(d)) for d in docs[1:3]]
    assert exact[0] >= 0.8 > exact[1] > 0.7  # one copy just above the threshold, one just below
    signatures = HASHER.signatures(docs)
    estimate_only = link_signatures(signatures, HASHER, META, 0.8)
    careful = link_signatures(signatures, HASHER, META, 0.8, margin=0.1)
    assert not estimate_only.uncertain
    assert {(0, 1), (0, 2)} <= set(careful.uncertain) and not careful.pairs
    assert confirm_pairs(careful.uncertain, docs.__getitem__, HASHER, 0.8) == [(0, 1)]
    assert careful.nearest[3] < 0.2


def test_clusters_join_chains_and_leave_singletons_out() -> None:
    assert clusters(7, [(0, 3), (3, 5), (1, 2)]) == [[0, 3, 5], [1, 2]]
    assert clusters(3, []) == []

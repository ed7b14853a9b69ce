from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from filters.base import MemoryStateStore
from filters.dedup_index import STATE_KEY, DiskIndex, IndexMeta
from filters.minhash import SCHEME, MinHasher

META = IndexMeta(num_perm=128, seed=1, shingle_size=5, normalization=1, scheme=SCHEME, bands=12, rows=6)
HASHER = MinHasher()


def signatures(*texts: str) -> np.ndarray:
    return HASHER.signatures([np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32) for t in texts])


def test_disk_index_round_trips_compact_arrays_through_the_state_store() -> None:
    state = MemoryStateStore()
    texts = (
        "区政协召开老旧小区改造专题协商会听取委员意见建议",
        "市政府常务会议研究部署防汛备汛工作审议应急预案",
    )
    DiskIndex(state, META).add(["a", "b"], ["a", "a"], signatures(*texts))
    blob = state.get(STATE_KEY)
    assert blob is not None and b"pickle" not in blob
    index = DiskIndex(state, META)
    index.add(["b", "c"], ["b", "c"], signatures(texts[1], "县委统战部开展民族团结进步宣传月活动"))
    reloaded = DiskIndex(state, META)
    assert len(reloaded) == 3  # "b" was stored already and keeps its first representative
    keys = reloaded.candidates(HASHER.lean_minhash(signatures(texts[1])[0]))
    stored, ids, reps = reloaded.entries(keys)
    assert ids == ["b"] and reps == ["a"] and stored.dtype == np.uint32


def test_disk_index_refuses_signatures_made_differently() -> None:
    state = MemoryStateStore()
    DiskIndex(state, META).add(["a"], ["a"], signatures("区政协召开老旧小区改造专题协商会"))
    DiskIndex(state, dataclasses.replace(META, bands=10, rows=7))  # the LSH layout is rebuilt: fine
    with pytest.raises(ValueError, match="shingle_size"):
        DiskIndex(state, dataclasses.replace(META, shingle_size=4))

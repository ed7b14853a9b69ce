"""The near-duplicate index kept across scheduled crawls: signatures of every document already judged.

A later crawl often brings another site's copy of an article that an earlier run already put in
the corpus. Each entry holds a document id, its MinHash signature (uint32 per permutation) and the
id of the representative its cluster kept; candidates come from a datasketch `MinHashLSH` over the
signatures and are verified on the stored signatures, so the index must hold both.

- `DiskIndex` (the embedded default) keeps the arrays in one `.npz` blob in the runner's state store
  (key `near_dedup.index`): ids and representatives as byte strings, signatures as one uint32
  matrix, no pickled Python objects. The runner writes state atomically (temporary file, then
  `os.replace`) and only after the run's output is on disk, so a crashed run leaves the index as it
  was. The `MinHashLSH` (in-memory dict storage) is rebuilt from the signatures when a run first
  queries it, about 60 µs and 4.5 KB per stored document: beyond a few million documents, use Redis.
- `RedisIndex` (scale-out) uses datasketch's Redis storage for the LSH buckets under
  `<basename>:lsh` and two Redis hashes beside them, `<basename>:sig` (id → signature bytes) and
  `<basename>:rep` (id → representative id). New entries are written when the stage finishes its
  batch, one pipelined session; a run that crashes after that point leaves its documents indexed.

Both record the parameters that signatures depend on (`IndexMeta`) and refuse to mix signatures
made with different ones: a changed `num_perm`, `seed`, shingle size or normalisation needs a new
index (delete the state key, or use another Redis basename).
"""

from __future__ import annotations

import io
import json
from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from filters.base import StateStore

STATE_KEY = "near_dedup.index"


@dataclass(frozen=True)
class IndexMeta:
    """Everything a stored signature depends on (and, for Redis, the bucket layout)."""

    num_perm: int
    seed: int
    shingle_size: int
    normalization: int
    scheme: str
    bands: int
    rows: int

    def check(self, stored: dict[str, object], where: str, *, layout: bool) -> None:
        ours = asdict(self)
        keys = list(ours) if layout else [k for k in ours if k not in ("bands", "rows")]
        changed = [
            f"{k}: stored {stored.get(k)!r}, configured {ours[k]!r}" for k in keys if stored.get(k) != ours[k]
        ]
        if changed:
            raise ValueError(
                f"near-duplicate index {where} was built with other parameters ({'; '.join(changed)}); "
                "its signatures cannot be compared with new ones: restore the parameters or start a new index"
            )


def new_lsh(meta: IndexMeta, storage_config: dict | None = None) -> MinHashLSH:
    return MinHashLSH(
        num_perm=meta.num_perm,
        params=(meta.bands, meta.rows),
        storage_config=storage_config,
        prepickle=False,
    )


class SignatureIndex(ABC):
    """Documents of earlier runs: LSH candidates, their signatures and their representatives."""

    def __init__(self, meta: IndexMeta) -> None:
        self.meta = meta

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def candidates(self, minhash: LeanMinHash) -> list[Hashable]:
        """Keys of stored documents sharing at least one LSH band with `minhash`."""

    @abstractmethod
    def entries(self, keys: Sequence[Hashable]) -> tuple[np.ndarray, list[str], list[str]]:
        """Signatures (len(keys), num_perm), ids and representative ids of stored keys."""

    @abstractmethod
    def add(self, ids: Sequence[str], representatives: Sequence[str], signatures: np.ndarray) -> None:
        """Store new documents (ids already stored are skipped) and persist the index."""


class DiskIndex(SignatureIndex):
    """The index as numpy arrays in the runner's state store; the LSH is rebuilt on first use."""

    def __init__(self, state: StateStore, meta: IndexMeta, key: str = STATE_KEY) -> None:
        super().__init__(meta)
        self._state = state
        self._key = key
        self._signatures = np.empty((0, meta.num_perm), dtype=np.uint32)
        self._ids = np.empty(0, dtype="S1")
        self._reps = np.empty(0, dtype="S1")
        self._lsh: MinHashLSH | None = None
        blob = state.get(key)
        if blob:
            self._load(blob)

    def _load(self, blob: bytes) -> None:
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            stored_meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
            self.meta.check(stored_meta, f"in state key {self._key!r}", layout=False)
            self._signatures = arrays["signatures"]
            self._ids = arrays["ids"]
            self._reps = arrays["reps"]

    def __len__(self) -> int:
        return len(self._ids)

    def _index(self) -> MinHashLSH:
        if self._lsh is None:
            lsh = new_lsh(self.meta)
            with lsh.insertion_session() as session:
                for row, signature in enumerate(self._signatures):
                    lean = LeanMinHash(seed=self.meta.seed, hashvalues=signature, scheme=self.meta.scheme)
                    session.insert(row, lean, check_duplication=False)
            self._lsh = lsh
        return self._lsh

    def candidates(self, minhash: LeanMinHash) -> list[Hashable]:
        return self._index().query(minhash) if len(self) else []

    def entries(self, keys: Sequence[Hashable]) -> tuple[np.ndarray, list[str], list[str]]:
        rows = np.asarray(keys, dtype=np.intp)
        ids = [value.decode("utf-8") for value in self._ids[rows]]
        reps = [value.decode("utf-8") for value in self._reps[rows]]
        return self._signatures[rows], ids, reps

    def add(self, ids: Sequence[str], representatives: Sequence[str], signatures: np.ndarray) -> None:
        known = set(self._ids.tolist())
        fresh = [i for i, doc_id in enumerate(ids) if doc_id.encode("utf-8") not in known]
        new_ids = np.array([ids[i].encode("utf-8") for i in fresh], dtype=bytes)
        new_reps = np.array([representatives[i].encode("utf-8") for i in fresh], dtype=bytes)
        self._signatures = np.concatenate((self._signatures, signatures[fresh].astype(np.uint32)))
        self._ids = np.concatenate((self._ids, new_ids)) if len(new_ids) else self._ids
        self._reps = np.concatenate((self._reps, new_reps)) if len(new_reps) else self._reps
        self._lsh = None
        buffer = io.BytesIO()
        meta = np.frombuffer(json.dumps(asdict(self.meta)).encode("utf-8"), dtype=np.uint8)
        np.savez(buffer, meta=meta, signatures=self._signatures, ids=self._ids, reps=self._reps)
        self._state.put(self._key, buffer.getvalue())


class RedisIndex(SignatureIndex):
    """The index in Redis: datasketch's Redis LSH storage plus signature and representative hashes."""

    def __init__(self, url: str, basename: str, meta: IndexMeta) -> None:
        import redis  # only needed for this backend

        super().__init__(meta)
        params = redis.connection.parse_url(url)
        self._redis = redis.Redis(**params)
        self._sig_key = f"{basename}:sig"
        self._rep_key = f"{basename}:rep"
        meta_key = f"{basename}:meta"
        stored = self._redis.hgetall(meta_key)
        if stored:
            decoded = {k.decode(): json.loads(v) for k, v in stored.items()}
            self.meta.check(decoded, f"in Redis at {basename!r}", layout=True)
        else:
            self._redis.hset(meta_key, mapping={k: json.dumps(v) for k, v in asdict(meta).items()})
        config = {"type": "redis", "basename": f"{basename}:lsh".encode(), "redis": params}
        self._lsh = new_lsh(meta, config)

    def __len__(self) -> int:
        return int(self._redis.hlen(self._sig_key))

    def candidates(self, minhash: LeanMinHash) -> list[Hashable]:
        return self._lsh.query(minhash)

    def entries(self, keys: Sequence[Hashable]) -> tuple[np.ndarray, list[str], list[str]]:
        if not keys:
            return np.empty((0, self.meta.num_perm), dtype=np.uint32), [], []
        signatures = self._redis.hmget(self._sig_key, list(keys))
        reps = self._redis.hmget(self._rep_key, list(keys))
        matrix = np.array([np.frombuffer(s, dtype="<u4") for s in signatures], dtype=np.uint32)
        return matrix, [bytes(k).decode("utf-8") for k in keys], [r.decode("utf-8") for r in reps]

    def add(self, ids: Sequence[str], representatives: Sequence[str], signatures: np.ndarray) -> None:
        keys = [doc_id.encode("utf-8") for doc_id in ids]
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.hexists(self._sig_key, key)
        exists = pipe.execute()
        with self._lsh.insertion_session() as session:
            for key, signature, known in zip(keys, signatures, exists, strict=True):
                if not known:
                    lean = LeanMinHash(seed=self.meta.seed, hashvalues=signature, scheme=self.meta.scheme)
                    session.insert(key, lean, check_duplication=False)
        for key, rep, signature, known in zip(keys, representatives, signatures, exists, strict=True):
            if not known:
                pipe.hset(self._sig_key, key, signature.astype("<u4").tobytes())
                pipe.hset(self._rep_key, key, rep.encode("utf-8"))
        pipe.execute()

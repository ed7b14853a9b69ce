"""MinHash signatures of character shingles, many documents at once, with numpy.

Chinese has no spaces, so a document's set is its character n-grams ("shingles") of the normalised
text (`filters.dedup_text`). Nothing here builds a Python object per shingle:

1. Shingle hashes come straight from the code-point array: a polynomial hash of `k` consecutive
   code points in uint64 (wrap-around arithmetic is the modulo 2^64), vectorised as `k` shifted
   slices, then folded to 32 bits with a 64-bit finaliser. A document shorter than `k` characters
   is one shingle of all its characters.
2. Signatures follow datasketch 2.0.0's `affine32` scheme: each shingle hash goes through the
   MurmurHash3 32-bit finaliser, then each permutation is `a * h + b` in uint32, where the hardware
   wrap-around is the modulo 2^32 and odd `a` makes the map a bijection (no collisions added). The
   `a` are the ones datasketch draws for the same `num_perm` and `seed`; `b` is 0, which saves one
   of the three array passes per permutation (a quarter of the time) and, as the inputs are already
   finalised hashes, estimates as well (measured: the spread of the estimate matches the binomial
   sqrt(J(1-J)/num_perm) on random inputs). A signature here equals
   `MinHash(num_perm, seed, scheme="affine32", hashfunc=<shingle hash>, permutations=self.permutations)`
   updated shingle by shingle, and goes into `LeanMinHash` / `MinHashLSH` as is.
3. The minimum per permutation is taken for a chunk of documents at once: the shingle hashes of a
   hundred-odd documents are concatenated (128k values, so the working set stays in the L2 cache),
   and each permutation is one multiply and one `np.minimum.reduceat` over the chunk with the
   documents' offsets.

`shingle_set` and `exact_jaccard` give the exact similarity of two texts' shingle sets (64-bit
hashes), for pairs whose estimate is too close to the threshold to decide on.

Signatures are `uint32` arrays of shape (documents, num_perm): 512 bytes per document at 128
permutations. The estimated Jaccard similarity of two documents is the share of permutations on
which their signatures agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash

SCHEME = "affine32"
EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's value for a permutation that saw no shingle

_U64 = np.uint64
_POLY = _U64(0x100000001B3)  # FNV-1a 64-bit prime: odd, well spread bits
_MIX = _U64(0xBF58476D1CE4E5B9)  # splitmix64 multiplier
# MurmurHash3 fmix32, as datasketch applies it before the affine permutations.
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
# Shingle hashes per chunk: 128k uint32 (512 KiB) plus uint64 temporaries stay within L2.
_CHUNK_SHINGLES = 1 << 17


def _fmix32(values: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    values ^= values >> s1
    values *= m1
    values ^= values >> s2
    values *= m2
    values ^= values >> s3
    return values


class MinHasher:
    """Character-shingle MinHash signatures compatible with datasketch's `affine32` scheme."""

    def __init__(self, num_perm: int = 128, shingle_size: int = 5, seed: int = 1) -> None:
        if num_perm < 2:
            raise ValueError("num_perm must be at least 2")
        if shingle_size < 1:
            raise ValueError("shingle_size must be at least 1")
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.seed = seed
        a, _ = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
        self._a = np.ascontiguousarray(a, dtype=np.uint32)

    @property
    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        """The (a, b) of the affine permutations, for `datasketch.MinHash(permutations=...)`."""
        return self._a, np.zeros_like(self._a)

    def shingle_hashes(self, points: np.ndarray) -> np.ndarray:
        """32-bit hashes of the `shingle_size`-grams of one code-point array (before fmix32)."""
        points = np.asarray(points, dtype=np.uint32)
        if len(points) == 0:
            return np.empty(0, dtype=np.uint32)
        k = min(self.shingle_size, len(points))
        return self._hash_windows(points, k, len(points) - k + 1)

    def shingle_set(self, points: np.ndarray) -> np.ndarray:
        """The distinct shingles of one code-point array as sorted 64-bit hashes (for exact Jaccard)."""
        points = np.asarray(points, dtype=np.uint32)
        if len(points) == 0:
            return np.empty(0, dtype=_U64)
        k = min(self.shingle_size, len(points))
        hashes = self._hash_windows64(points, k, len(points) - k + 1)
        hashes.sort()  # sort and drop repeats: cheaper than np.unique's hashing on short arrays
        return hashes[np.concatenate(([True], hashes[1:] != hashes[:-1]))]

    @staticmethod
    def _hash_windows64(points: np.ndarray, k: int, count: int) -> np.ndarray:
        """64-bit hashes of the windows `points[i : i + k]` for `i < count`."""
        wide = points.astype(_U64)
        hashes = wide[:count].copy()
        for j in range(1, k):
            hashes *= _POLY
            hashes ^= wide[j : j + count]
        hashes ^= hashes >> _U64(29)
        hashes *= _MIX
        return hashes

    @classmethod
    def _hash_windows(cls, points: np.ndarray, k: int, count: int) -> np.ndarray:
        """32-bit hashes of the windows `points[i : i + k]` for `i < count`."""
        hashes = cls._hash_windows64(points, k, count)
        hashes ^= hashes >> _U64(32)
        return hashes.astype(np.uint32)

    def signatures(self, docs: Sequence[np.ndarray]) -> np.ndarray:
        """Signatures (len(docs), num_perm) uint32 of code-point arrays; an empty one is all EMPTY."""
        out = np.full((len(docs), self.num_perm), EMPTY, dtype=np.uint32)
        chunk: list[int] = []
        pending = 0
        for index, points in enumerate(docs):
            if len(points) == 0:
                continue
            chunk.append(index)
            pending += len(points)
            if pending >= _CHUNK_SHINGLES:
                self._sign_chunk(docs, chunk, out)
                chunk, pending = [], 0
        if chunk:
            self._sign_chunk(docs, chunk, out)
        return out

    def _sign_chunk(self, docs: Sequence[np.ndarray], chunk: list[int], out: np.ndarray) -> None:
        k = self.shingle_size
        long_docs = [i for i in chunk if len(docs[i]) >= k]
        for index in (i for i in chunk if len(docs[i]) < k):  # rare: one shingle of the whole text
            self._sign_hashes(
                _fmix32(self.shingle_hashes(docs[index])), np.zeros(1, np.intp), out[index : index + 1]
            )
        if not long_docs:
            return
        lengths = np.fromiter((len(docs[i]) for i in long_docs), dtype=np.intp, count=len(long_docs))
        points = np.concatenate([np.asarray(docs[i], dtype=np.uint32) for i in long_docs])
        hashes = self._hash_windows(points, k, len(points) - k + 1)
        # Windows that start in the last k-1 characters of a document run into the next one.
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        valid = np.ones(len(hashes), dtype=bool)
        crossing = (starts + lengths)[:, None] - np.arange(1, k)[None, :]
        valid[crossing[crossing < len(hashes)]] = False
        hashes = _fmix32(hashes[valid])
        offsets = np.concatenate(([0], np.cumsum(lengths - k + 1)[:-1]))
        block = np.empty((len(long_docs), self.num_perm), dtype=np.uint32)
        self._sign_hashes(hashes, offsets, block)
        out[long_docs] = block

    def _sign_hashes(self, hashes: np.ndarray, offsets: np.ndarray, out: np.ndarray) -> None:
        """Per-permutation minima of `a * h` over each document's slice of `hashes`."""
        permuted = np.empty_like(hashes)
        for perm in range(self.num_perm):
            np.multiply(hashes, self._a[perm], out=permuted)
            out[:, perm] = np.minimum.reduceat(permuted, offsets)

    def lean_minhash(self, signature: np.ndarray) -> LeanMinHash:
        """The signature as a datasketch `LeanMinHash`, for `MinHashLSH`."""
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=SCHEME)


def exact_jaccard(left: np.ndarray, right: np.ndarray) -> float:
    """Jaccard similarity of two `MinHasher.shingle_set` results (sorted, distinct)."""
    if len(left) == 0 or len(right) == 0:
        return 1.0 if len(left) == len(right) else 0.0
    found = np.searchsorted(right, left).clip(max=len(right) - 1)
    common = int(np.count_nonzero(right[found] == left))
    return common / (len(left) + len(right) - common)


def agreement(signature: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of `signature` with each row of `others`: the share of equal values."""
    if others.size == 0:
        return np.empty(0, dtype=np.float64)
    return np.count_nonzero(others == signature, axis=-1) / signature.shape[-1]

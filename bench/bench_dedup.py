"""Near-duplicate detection: signature throughput, then time, memory and accuracy at 100k and 1M documents.

1. Signatures of ~2.5 KB Chinese documents on one core (the process is pinned to one CPU), from
   the normalised text, as ratios against the plain datasketch loop (`MinHash()`, then `update` per
   shingle; measured on a small sample), datasketch's `update_batch` and rensa's `RMinHash` per
   document, all in this run. rensa's bulk matrix API is shown too (single-threaded).
2. Scale runs, each in its own child process so its peak RSS is its own: synthetic documents of
   1-4 KB (UTF-8) are generated in chunks with numpy (timed apart), normalised, signed, linked
   (run-local datasketch `MinHashLSH`, verification) and clustered exactly as the `near_dedup`
   stage does, without keeping the texts (the runner's documents are not the stage's memory).
   About 30% of documents are planted copies of another one with edits (replaced, inserted or
   deleted spans) aiming at Jaccard 0.9-1.0 (70%), 0.8-0.9 (20%) or 0.5-0.8 (10%, related but
   not copies). Accuracy is measured against exact Jaccard of the normalised 5-gram sets on a
   sample of whole copy groups: recall = share of pairs at or above the threshold that end in
   one cluster; precision = share of verified links at or above it (links between different
   groups, all counted, are false); drop precision = share of dropped documents whose kept
   representative is at or above it.

Text is generated from the character distribution of the articles written for the tests
(`tests/fixtures/near_dedup`: Han characters, punctuation, digits and line breaks at their
frequencies). `python -m bench bench_dedup` runs everything; `BENCH_DEDUP_SIZES=100000` (or
`python -m bench.bench_dedup --sizes 100000`) skips the 1M run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from filters.dedup_cluster import clusters, confirm_pairs, link_signatures
from filters.dedup_index import DiskIndex
from filters.dedup_text import DedupNormalizer
from filters.minhash import MinHasher, agreement
from filters.near_dedup import NearDuplicates

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "near_dedup"
DEFAULT_SIZES = (100_000, 1_000_000)
CHUNK_DOCS = 10_000
THROUGHPUT_DOCS = 2_000
GIB = 1 << 30
BYTES_PER_CHAR = 2.9  # UTF-8 bytes per character of the generated text (Han 3, digits 1)


class SyntheticCorpus:
    """Seeded chunks of documents from a realistic character distribution, with planted copies."""

    def __init__(self, seed: int = 20240601, copy_share: float = 0.3) -> None:
        text = "".join(
            p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt")) if "hant" not in p.name
        )
        points, counts = np.unique(
            np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), return_counts=True
        )
        # A lookup table where each character fills slots in proportion to its frequency.
        self.table = np.repeat(
            points, np.maximum(np.round(counts / counts.sum() * (1 << 16)), 1).astype(np.intp)
        )
        self.seed = seed
        # Groups are a base plus 1-4 copies (2.5 on average) with probability q: q*2.5/(1+q*2.5) copies.
        self.group_with_copies = copy_share / (2.5 * (1 - copy_share))

    def _chars(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.table[rng.integers(0, len(self.table), n)]

    def chunk(
        self, index: int, n_docs: int, lengths: tuple[int, int] = (1024, 4096)
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """`n_docs` code-point arrays (shuffled) and their group ids (unique across chunks)."""
        rng = np.random.default_rng([self.seed, index])
        groups: list[int] = []
        docs: list[np.ndarray] = []
        sizes = (rng.uniform(*lengths, size=n_docs) / BYTES_PER_CHAR).astype(np.intp)
        bases = np.split(self._chars(rng, int(sizes.sum())), np.cumsum(sizes)[:-1])
        group = 0
        while len(docs) < n_docs:
            base = bases[len(docs)]
            members = [base]
            if rng.random() < self.group_with_copies:
                members += [self._copy(rng, base) for _ in range(rng.integers(1, 5))]
            for member in members[: n_docs - len(docs)]:
                docs.append(member)
                groups.append(index * n_docs + group)
            group += 1
        order = rng.permutation(n_docs)
        return [docs[i] for i in order], np.asarray(groups, dtype=np.int64)[order]

    def _copy(self, rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
        """A copy of `base` with edits sized for a target Jaccard similarity of 5-gram sets."""
        bucket = rng.random()
        target = (
            rng.uniform(0.9, 1.0)
            if bucket < 0.7
            else rng.uniform(0.8, 0.9)
            if bucket < 0.9
            else rng.uniform(0.5, 0.8)
        )
        budget = max(int((len(base) - 4) * (1 - target) / (1 + target)), 5)  # shingles to change
        spans = max(1, budget // 40)
        copy = base
        for _ in range(spans):
            length = max(1, budget // spans - 4)
            at = int(rng.integers(0, max(len(copy) - length, 1)))
            kind = rng.random()
            if kind < 0.6:
                copy = np.concatenate((copy[:at], self._chars(rng, length), copy[at + length :]))
            elif kind < 0.8:
                copy = np.concatenate((copy[:at], self._chars(rng, length), copy[at:]))
            else:
                copy = np.concatenate((copy[:at], copy[at + length :]))
        return copy


def texts_of(points: list[np.ndarray]) -> list[str]:
    return [p.tobytes().decode("utf-32-le") for p in points]


# ---------------------------------------------------------------------------------------------
# 1. Signature throughput on one core


def _rate(run: Callable[[], object], n_docs: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return n_docs / best


def _shingle_list(text: str, k: int = 5) -> list[str]:
    return [text[i : i + k] for i in range(len(text) - k + 1)]


def throughput() -> None:
    from datasketch import MinHash
    from rensa import RMinHash

    corpus = SyntheticCorpus(seed=7)
    raw = texts_of(corpus.chunk(0, THROUGHPUT_DOCS, lengths=(2300, 2700))[0])
    normalizer, hasher = DedupNormalizer(), MinHasher()
    normalised = [normalizer.normalize(t) for t in raw]
    size = sum(len(t.encode("utf-8")) for t in raw) / len(raw)

    def ours() -> None:
        hasher.signatures([np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32) for t in normalised])

    def ours_from_raw() -> None:
        hasher.signatures([normalizer.code_points(t) for t in raw])

    def datasketch_loop(docs: list[str]) -> None:
        for text in docs:
            minhash = MinHash(num_perm=128)
            for shingle in _shingle_list(text):
                minhash.update(shingle.encode("utf-8"))

    def datasketch_batch(docs: list[str]) -> None:
        for text in docs:
            MinHash(num_perm=128).update_batch([s.encode("utf-8") for s in _shingle_list(text)])

    def rensa_per_doc(docs: list[str]) -> None:
        for text in docs:
            minhash = RMinHash(num_perm=128, seed=1)
            minhash.update(_shingle_list(text))
            minhash.digest()

    def rensa_bulk() -> None:
        RMinHash.digest_matrix_from_token_sets([_shingle_list(t) for t in normalised], 128, 1)

    rates = {
        "numpy batched (this project)": _rate(ours, len(normalised)),
        "  the same, from raw text (with normalisation)": _rate(ours_from_raw, len(raw)),
        "datasketch MinHash loop (update per shingle)": _rate(
            lambda: datasketch_loop(normalised[:10]), 10, 1
        ),
        "datasketch update_batch": _rate(lambda: datasketch_batch(normalised[:100]), 100, 1),
        "rensa RMinHash per document": _rate(lambda: rensa_per_doc(normalised[:500]), 500),
        "rensa digest_matrix_from_token_sets (bulk)": _rate(rensa_bulk, len(normalised)),
    }
    ours_rate = rates["numpy batched (this project)"]
    print(
        f"signatures: {len(raw)} documents of {size:,.0f} bytes UTF-8, 128 permutations, 5-grams, one core (CPU time)"
    )
    for name, rate in rates.items():
        print(f"  {name:<48} {rate:>10,.0f} docs/s   ours / this = {ours_rate / rate:>8.1f}x")
    loop, rensa = rates["datasketch MinHash loop (update per shingle)"], rates["rensa RMinHash per document"]
    print(
        f"  targets: >= 100x the datasketch loop: {ours_rate / loop:.0f}x; >= 3x rensa per document: {ours_rate / rensa:.1f}x"
    )


def stage_rate(n_docs: int = 20_000) -> None:
    """The stage itself on `Document`s: normalisation, signatures, LSH, policy, index saved."""
    from filters.base import Document, MemoryStateStore

    texts = texts_of(SyntheticCorpus(seed=11).chunk(0, n_docs)[0])
    docs = [Document(id=f"{i:016x}", url=f"bench://{i}", text=t) for i, t in enumerate(texts)]
    stage = NearDuplicates()
    start = time.process_time()
    verdicts = stage.judge_batch(docs, MemoryStateStore())
    seconds = time.process_time() - start
    dropped = sum(v.drop is not None for v in verdicts)
    print(
        f"stage near_dedup.judge_batch on {n_docs:,} Documents (~30% planted copies, disk index saved): "
        f"{n_docs / seconds:,.0f} docs/s CPU, {dropped:,} dropped"
    )


# ---------------------------------------------------------------------------------------------
# 2. Scale runs (child processes)


@dataclass
class Truth:
    """Normalised texts of the sampled groups, for exact Jaccard."""

    texts: dict[int, str]
    groups: np.ndarray


def _shingle_set(text: str, k: int = 5) -> set[str]:
    return {text[i : i + k] for i in range(max(len(text) - k + 1, 1))}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def scale_run(n_docs: int, sample_docs: int = 20_000) -> dict[str, float]:
    stage = NearDuplicates()
    threshold, hasher, normalizer, meta = stage.threshold, stage.hasher, stage.normalizer, stage.meta
    corpus = SyntheticCorpus()
    sample_every = max(1, n_docs // sample_docs)
    signatures = np.empty((n_docs, hasher.num_perm), dtype=np.uint32)
    groups = np.empty(n_docs, dtype=np.int64)
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    sampled: dict[int, str] = {}
    generate_s = sign_s = 0.0
    cpu_start = time.process_time()
    with tempfile.TemporaryFile() as spool:  # the texts, as the runner would hold them, off the heap
        for chunk_index, start in enumerate(range(0, n_docs, CHUNK_DOCS)):
            count = min(CHUNK_DOCS, n_docs - start)
            began = time.perf_counter()
            points, chunk_groups = corpus.chunk(chunk_index, count)
            texts = texts_of(points)
            del points
            encoded = [t.encode("utf-8") for t in texts]
            offsets[start + 1 : start + count + 1] = offsets[start] + np.cumsum([len(e) for e in encoded])
            spool.write(b"".join(encoded))
            generate_s += time.perf_counter() - began
            began = time.perf_counter()
            normalised = [normalizer.code_points(t) for t in texts]
            signatures[start : start + count] = hasher.signatures(normalised)
            sign_s += time.perf_counter() - began
            groups[start : start + count] = chunk_groups
            for offset in np.flatnonzero(chunk_groups % sample_every == 0):
                sampled[start + int(offset)] = normalised[offset].tobytes().decode("utf-32-le")

        def points_of(row: int) -> np.ndarray:
            spool.seek(int(offsets[row]))
            return normalizer.code_points(spool.read(int(offsets[row + 1] - offsets[row])).decode("utf-8"))

        began = time.perf_counter()
        links = link_signatures(signatures, hasher, meta, threshold, margin=stage.exact_margin or 0.0)
        link_s = time.perf_counter() - began
        began = time.perf_counter()
        confirmed = confirm_pairs(links.uncertain, points_of, hasher, threshold)
        confirm_s = time.perf_counter() - began
    began = time.perf_counter()
    pairs = links.pairs + confirmed
    found = clusters(n_docs, pairs)
    cluster_s = time.perf_counter() - began
    cpu_s = time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = {
        "docs": n_docs,
        "mean_bytes": float(offsets[-1]) / n_docs,
        "generate_s": generate_s,
        "normalise_sign_s": sign_s,
        "link_s": link_s,
        "confirm_s": confirm_s,
        "cluster_s": cluster_s,
        "dedup_s": sign_s + link_s + confirm_s + cluster_s,
        "cpu_s": cpu_s,
        "peak_rss": peak,
        "links": len(pairs),
        "uncertain": len(links.uncertain),
        "clusters": len(found),
        "dropped": sum(len(c) - 1 for c in found),
    }
    result.update(_accuracy(threshold, pairs, found, groups, sampled))
    if n_docs <= 200_000:
        result.update(_index_costs(stage, signatures))
    return result


def _accuracy(
    threshold: float,
    pairs: list[tuple[int, int]],
    found: list[list[int]],
    groups: np.ndarray,
    sampled: dict[int, str],
) -> dict[str, float]:
    cluster_of = {member: c for c, members in enumerate(found) for member in members}
    shingles = {doc: _shingle_set(text) for doc, text in sampled.items()}
    by_group: dict[int, list[int]] = {}
    for doc in shingles:
        by_group.setdefault(int(groups[doc]), []).append(doc)
    bins = {"0.80-0.85": [0, 0], "0.85-0.90": [0, 0], "0.90-1.00": [0, 0]}
    true_pairs = detected = 0
    for members in by_group.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                similarity = _jaccard(shingles[a], shingles[b])
                if similarity < threshold:
                    continue
                same = a in cluster_of and cluster_of[a] == cluster_of.get(b)
                true_pairs += 1
                detected += same
                key = "0.80-0.85" if similarity < 0.85 else "0.85-0.90" if similarity < 0.9 else "0.90-1.00"
                bins[key][0] += 1
                bins[key][1] += same
    within = [(a, b) for a, b in pairs if groups[a] == groups[b]]
    cross = len(pairs) - len(within)
    checked = [(a, b) for a, b in within if a in shingles and b in shingles]
    correct = sum(_jaccard(shingles[a], shingles[b]) >= threshold for a, b in checked)
    within_precision = correct / len(checked) if checked else 1.0
    precision = within_precision * len(within) / len(pairs) if pairs else 1.0
    drops = [(m, min(members)) for members in found for m in members[1:] if m in shingles]
    drop_ok = sum(
        min(members) in shingles and _jaccard(shingles[m], shingles[k]) >= threshold for m, k in drops
    )
    result = {
        "sample_docs": len(shingles),
        "true_pairs": true_pairs,
        "recall": detected / true_pairs if true_pairs else 1.0,
        "checked_links": len(checked),
        "cross_group_links": cross,
        "precision": precision,
        "drop_precision": drop_ok / len(drops) if drops else 1.0,
    }
    for key, (total, hit) in bins.items():
        result[f"recall_{key}"] = hit / total if total else float("nan")
    return result


def _index_costs(stage: NearDuplicates, signatures: np.ndarray) -> dict[str, float]:
    """Saving the run's signatures to the disk index and rebuilding its LSH, as the next run does."""
    from filters.base import MemoryStateStore

    state = MemoryStateStore()
    ids = [f"{i:016x}" for i in range(len(signatures))]
    began = time.perf_counter()
    DiskIndex(state, stage.meta).add(ids, ids, signatures)
    save_s = time.perf_counter() - began
    blob = state.get("near_dedup.index") or b""
    began = time.perf_counter()
    index = DiskIndex(state, stage.meta)
    index.candidates(stage.hasher.lean_minhash(signatures[0]))
    rebuild_s = time.perf_counter() - began
    keys = index.candidates(stage.hasher.lean_minhash(signatures[1]))
    assert agreement(signatures[1], index.entries(keys)[0]).max() == 1.0
    return {"index_bytes": len(blob), "index_save_s": save_s, "index_rebuild_s": rebuild_s}


def run_child(n_docs: int) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.bench_dedup", "--child", str(n_docs)]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent.parent
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(result: dict[str, float]) -> None:
    n = int(result["docs"])
    print(
        f"  {n:>9,} docs of {result['mean_bytes']:,.0f} bytes: dedup {result['dedup_s']:.1f} s wall "
        f"({n / result['dedup_s']:,.0f} docs/s; normalise+sign {result['normalise_sign_s']:.1f} s, "
        f"LSH link+verify {result['link_s']:.1f} s, exact check of {result['uncertain']:,} close pairs "
        f"{result['confirm_s']:.1f} s, clusters {result['cluster_s']:.1f} s); CPU time of the whole child "
        f"{result['cpu_s']:.1f} s including generation ({result['generate_s']:.1f} s wall); "
        f"peak RSS {result['peak_rss'] / GIB:.2f} GiB"
    )
    print(
        f"    {result['links']:,} links, {result['clusters']:,} clusters, {result['dropped']:,} dropped; "
        f"sample of {result['sample_docs']:,} docs: recall {result['recall']:.4f} over {result['true_pairs']:,} pairs "
        f"(J 0.80-0.85 {result['recall_0.80-0.85']:.3f}, 0.85-0.90 {result['recall_0.85-0.90']:.3f}, "
        f"0.90-1.00 {result['recall_0.90-1.00']:.4f}); precision {result['precision']:.4f} "
        f"({result['checked_links']:,} links checked, {result['cross_group_links']} across groups); "
        f"drop precision {result['drop_precision']:.4f}"
    )
    if "index_bytes" in result:
        per_doc = result["index_bytes"] / n
        print(
            f"    disk index: {per_doc:,.0f} bytes/doc in the state blob, saved in {result['index_save_s']:.1f} s, "
            f"LSH rebuilt by the next run in {result['index_rebuild_s']:.1f} s "
            f"({result['index_rebuild_s'] / n * 1e6:.0f} us/doc)"
        )


def sizes_from(argv: list[str] | None) -> list[int]:
    parser = argparse.ArgumentParser(prog="bench.bench_dedup")
    parser.add_argument(
        "--sizes", default=os.environ.get("BENCH_DEDUP_SIZES", ",".join(map(str, DEFAULT_SIZES)))
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv or [])
    if args.child:
        print(json.dumps(scale_run(args.child)))
        sys.exit(0)
    return [int(size) for size in args.sizes.split(",") if size.strip()]


def main(argv: list[str] | None = None) -> None:
    sizes = sizes_from(argv)
    os.environ.setdefault("RAYON_NUM_THREADS", "1")  # rensa's bulk API on one thread, like the rest
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        throughput()
        stage_rate()
    finally:
        os.sched_setaffinity(0, cpus)
    print(
        f"near-duplicate detection at scale (threshold 0.8, 12 bands x 6 rows), one process each, {os.cpu_count()} CPUs:"
    )
    results = []
    for n_docs in sizes:
        results.append(run_child(n_docs))
        report(results[-1])
    if len(results) >= 2:
        small, large = results[0], results[-1]
        per_doc = (large["peak_rss"] - small["peak_rss"]) / (large["docs"] - small["docs"])
        fixed = small["peak_rss"] - per_doc * small["docs"]
        fit = (24 * GIB - fixed) / per_doc
        print(
            f"  memory: {per_doc:,.0f} bytes per document (slope between the runs) + {fixed / GIB:.2f} GiB fixed: "
            f"about {fit / 1e6:.1f} million documents fit in 24 GiB in one run"
        )
    big = [r for r in results if r["docs"] >= 1_000_000]
    for r in big:
        print(
            f"  targets for 1M: < 300 s: {r['dedup_s']:.0f} s; < 6 GiB: {r['peak_rss'] / GIB:.2f} GiB; "
            f"recall >= 0.95: {r['recall']:.4f}; precision >= 0.99: {r['precision']:.4f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])

from __future__ import annotations

from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH

from filters.dedup_text import DedupNormalizer
from filters.minhash import EMPTY, SCHEME, MinHasher, agreement

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "near_dedup"


def points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def shingles(text: str, k: int) -> list[str]:
    return [text[i : i + k] for i in range(max(len(text) - k + 1, 1))] if text else []


def exact_jaccard(a: str, b: str, k: int = 5) -> float:
    left, right = set(shingles(a, k)), set(shingles(b, k))
    return len(left & right) / len(left | right)


def test_signatures_equal_datasketch_updated_shingle_by_shingle() -> None:
    hasher = MinHasher(num_perm=64, shingle_size=5, seed=7)
    texts = [
        "市政府常务会议研究部署防汛备汛工作",
        "防汛",
        "",
        "abcde",
        "省委省政府召开民营经济发展座谈会听取意见建议",
    ]
    signatures = hasher.signatures([points(t) for t in texts])

    def shingle_hash(shingle: str) -> int:
        return int(hasher.shingle_hashes(points(shingle))[0])

    for text, signature in zip(texts, signatures, strict=True):
        expected = MinHash(
            num_perm=64, seed=7, scheme=SCHEME, hashfunc=shingle_hash, permutations=hasher.permutations
        )
        for shingle in shingles(text, 5):
            expected.update(shingle)
        assert np.array_equal(expected.hashvalues, signature), text
    assert (signatures[2] == EMPTY).all()


def test_batches_across_chunks_equal_one_document_at_a_time() -> None:
    normalizer, hasher = DedupNormalizer(), MinHasher()
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]
    # Enough documents of varied length for several chunks, with short ones in between.
    docs = [normalizer.code_points(texts[i % len(texts)][: 40 + 37 * i]) for i in range(300)]
    docs[5] = docs[5][:3]
    batch = hasher.signatures(docs)
    single = np.vstack([hasher.signatures([d]) for d in docs[:40]])
    assert np.array_equal(batch[:40], single)
    assert np.array_equal(batch[-1], hasher.signatures([docs[-1]])[0])


def test_agreement_estimates_the_jaccard_similarity() -> None:
    normalizer, hasher = DedupNormalizer(), MinHasher(num_perm=256)
    article = normalizer.normalize((FIXTURES / "private_economy.txt").read_text(encoding="utf-8"))
    edited = article.replace("融资成本偏高", "贷款门槛较高").replace("主动上门服务", "定期走访企业")
    other = normalizer.normalize((FIXTURES / "flood_control.txt").read_text(encoding="utf-8"))
    sig = hasher.signatures([points(article), points(edited), points(other)])
    estimate = agreement(sig[0], sig[1:])
    exact = exact_jaccard(article, edited)
    assert 0.85 < exact < 0.98
    assert abs(estimate[0] - exact) < 4 * np.sqrt(exact * (1 - exact) / 256)
    assert estimate[1] < 0.05


def test_signatures_feed_datasketch_lsh() -> None:
    hasher = MinHasher()
    text = (FIXTURES / "cppcc_consultation.txt").read_text(encoding="utf-8")
    sig = hasher.signatures(
        [points(text), points(text.replace("十二个街道", "十个街道")), points(text[::-1])]
    )
    lsh = MinHashLSH(num_perm=128, params=(12, 6))
    lsh.insert("a", hasher.lean_minhash(sig[0]))
    assert lsh.query(hasher.lean_minhash(sig[1])) == ["a"]
    assert lsh.query(hasher.lean_minhash(sig[2])) == []

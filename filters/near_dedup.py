"""Near-duplicates: one copy of each syndicated article, with the URLs of the others.

Government news is syndicated: a Xinhua or united-front report appears on the central site, a
province's, a city's and a party site's, under different templates, in simplified or traditional
script, with a 来源 line added or a paragraph cut. Exact deduplication (`exact_dedup`, which runs
first) misses all of these. This stage keeps one copy per cluster of near-duplicates and drops
the others with reason `near_duplicate` (the issue's name for it, not `near_dedup_...`) and a
`duplicate_of` tag naming the kept id.

Similarity is the Jaccard similarity of character 5-gram sets (Chinese has no spaces; never
whitespace tokens) of the normalised text (`filters.dedup_text`: traditional → simplified with
OpenCC, NFKC, no punctuation or whitespace, digits unified), estimated by 128-permutation MinHash
signatures (`filters.minhash`, batched numpy, datasketch's `affine32` scheme). Defaults:

- `shingle_size=5`: 2-4-grams of Chinese are mostly words and phrases that unrelated articles
  share; 5-grams are specific to a text yet short enough that one edited character changes 5
  shingles only. Jaccard 0.8 then means about 1 shingle in 9 differs: a changed sentence, a
  leftover template line or a 来源 line in a 1,000-character article stays above it; a rewritten
  paragraph does not.
- `num_perm=128`: the estimate's standard error is sqrt(J(1-J)/128), 0.035 at J = 0.8. Deciding
  on the estimate alone, a pair at true J 0.90 is linked 99.96% of the time, 0.85 94%, 0.82 72%,
  0.80 50%, and pairs at 0.75 are wrongly linked 9%, 0.70 0.5%. So within a run, a candidate
  whose estimate is within `exact_margin` (0.1, about three standard errors) of the threshold is
  decided on the exact Jaccard similarity of the two texts' 5-gram sets (`null` turns this off);
  matches in the index of earlier runs, whose texts are not kept, are decided on the estimate.
  More permutations would narrow that band at a linear cost in time and memory.
- LSH `bands=12`, `rows=6` (72 of the 128 values): a pair at similarity s becomes a candidate
  with probability 1-(1-s^6)^12: 0.974 at 0.8, 0.997 at 0.85, 0.9999 at 0.9 (false negatives),
  and 0.17 at 0.5, 0.009 at 0.3, 1e-5 at 0.1 (candidates the verification then rejects, costing a
  comparison each, never a wrong link). datasketch's own choice for 0.8 (9 bands × 13 rows)
  finds only 40% of pairs at 0.8 and 69% at 0.85. More bands would raise recall further at about
  270 bytes per document and band in datasketch's in-memory index: with 12×6 a run costs about
  4.5 KB per document in all (`make bench`: 1M documents in 4.4 GiB peak, about 5.7M per 24 GiB);
  13×7 would give 0.953 at 0.8 for about 5 KB.

Every LSH candidate is verified on the full signature (estimated Jaccard ≥ `threshold`) before it
links two documents; linked documents form clusters (union-find). The representative kept is, in
order: the earliest publication day (`published_at`, in China time; unknown dates last), then the
most authoritative site (political sites - gov, party, cppcc, united_front in `category_order` -
before media, before sites of unknown category; within those, central before provincial before
city before county, from a `site_level` tag when the runner provides one, then fewer host-name
labels, so `www.gov.cn` before `www.hubei.gov.cn` before `xx.wuhan.gov.cn`; then
`category_order`), then the longest clean text, then input order. The
kept document gets `dup_cluster` (the kept id) and `dup_urls` (URLs of the dropped copies and of
their own exact copies); every member gets `dup_cluster`.

Across scheduled crawls (`remember_across_runs`), every deduplicated document's signature and its
representative go into a persistent index (`filters.dedup_index`: the runner's state directory by
default, Redis with `backend: redis`). A later run's copy of an already stored article is dropped
as `near_duplicate` with `duplicate_of` = the stored representative and tag
`near_dedup_match=index` (the kept copy is in an earlier run's output, which is not rewritten);
copies found within the run have `near_dedup_match=run`. A stored entry of the document itself
(same id: a run resumed after a crash, or a page cleaned again) is never a match, so a document
is not dropped as a copy of itself.

Signals: `near_dedup_similarity` (highest estimated Jaccard among the LSH candidates, 0 without
any) for every compared document, `near_dedup_cluster_size` for members of a cluster. Texts with
fewer than `min_chars` normalised characters are not compared: a few dozen characters of a 会议通知
differ in a name and a date, which no similarity threshold tells from a copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import numpy as np

from filters.base import BatchStage, Document, StateStore, Verdict
from filters.dedup_cluster import Links, clusters, confirm_pairs, link_signatures
from filters.dedup_index import DiskIndex, IndexMeta, RedisIndex, SignatureIndex
from filters.dedup_text import VERSION as NORMALIZATION_VERSION
from filters.dedup_text import DedupNormalizer
from filters.minhash import SCHEME, MinHasher

REASON = "near_duplicate"
MEDIA = "media"
LEVELS = ("central", "provincial", "city", "county")
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
_SIGN_CHUNK = 4096  # documents normalised and signed at a time


class NearDuplicates(BatchStage):
    name = "near_dedup"

    def __init__(
        self,
        threshold: float = 0.8,
        shingle_size: int = 5,
        num_perm: int = 128,
        bands: int = 12,
        rows: int = 6,
        seed: int = 1,
        min_chars: int | None = 50,
        exact_margin: float | None = 0.1,
        remember_across_runs: bool = True,
        backend: Literal["disk", "redis"] = "disk",
        redis_url: str = "redis://127.0.0.1:6379/0",
        redis_basename: str = "govcorpus:near_dedup",
        category_order: tuple[str, ...] = ("gov", "party", "cppcc", "united_front", MEDIA),
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if bands < 2 or rows < 1 or bands * rows > num_perm:
            raise ValueError(
                f"bands × rows ({bands} × {rows}) must fit in num_perm ({num_perm}), with bands ≥ 2"
            )
        if backend not in ("disk", "redis"):
            raise ValueError(f"backend must be 'disk' or 'redis', not {backend!r}")
        self.threshold = threshold
        self.min_chars = min_chars
        self.exact_margin = exact_margin
        self.remember_across_runs = remember_across_runs
        self.backend = backend
        self.redis_url = redis_url
        self.redis_basename = redis_basename
        self.category_order = tuple(category_order)
        self.hasher = MinHasher(num_perm=num_perm, shingle_size=shingle_size, seed=seed)
        self.normalizer = DedupNormalizer()
        self.meta = IndexMeta(
            num_perm=num_perm,
            seed=seed,
            shingle_size=shingle_size,
            normalization=NORMALIZATION_VERSION,
            scheme=SCHEME,
            bands=bands,
            rows=rows,
        )

    def open_index(self, state: StateStore) -> SignatureIndex | None:
        if not self.remember_across_runs:
            return None
        if self.backend == "redis":
            return RedisIndex(self.redis_url, self.redis_basename, self.meta)
        return DiskIndex(state, self.meta)

    def judge_batch(self, docs: Sequence[Document], state: StateStore) -> list[Verdict]:
        verdicts = [Verdict() for _ in docs]
        rows, signatures = self.sign(docs)
        if not rows:
            return verdicts
        index = self.open_index(state)
        links = link_signatures(
            signatures,
            self.hasher,
            self.meta,
            self.threshold,
            index,
            self.exact_margin or 0.0,
            [docs[i].id for i in rows],
        )
        if links.uncertain:
            texts = [docs[i].text or "" for i in rows]
            confirmed = confirm_pairs(
                links.uncertain,
                lambda row: self.normalizer.code_points(texts[row]),
                self.hasher,
                self.threshold,
            )
            links.pairs.extend(confirmed)
        representatives = self.resolve([docs[i] for i in rows], links, [verdicts[i] for i in rows])
        for row, i in enumerate(rows):
            verdicts[i].signals["near_dedup_similarity"] = round(float(links.nearest[row]), 4)
        if index is not None:
            index.add([docs[i].id for i in rows], representatives, signatures)
        return verdicts

    def sign(self, docs: Sequence[Document]) -> tuple[list[int], np.ndarray]:
        """Positions of the documents long enough to compare, and their signatures (chunk by chunk,
        so only one chunk's normalised text is held at a time)."""
        shortest = max(self.min_chars or 0, 1)
        rows: list[int] = []
        blocks = [np.empty((0, self.meta.num_perm), dtype=np.uint32)]
        for start in range(0, len(docs), _SIGN_CHUNK):
            chunk = docs[start : start + _SIGN_CHUNK]
            points = [self.normalizer.code_points(doc.text or "") for doc in chunk]
            keep = [
                i
                for i, (doc, p) in enumerate(zip(chunk, points, strict=True))
                if len(p) >= shortest and not doc.dropped
            ]
            blocks.append(self.hasher.signatures([points[i] for i in keep]))
            rows.extend(start + i for i in keep)
        return rows, np.concatenate(blocks)

    def resolve(self, docs: list[Document], links: Links, verdicts: list[Verdict]) -> list[str]:
        """Fill the verdicts of clustered documents; return each document's representative id."""
        representatives = [doc.id for doc in docs]
        groups = clusters(len(docs), links.pairs)
        grouped = {member for members in groups for member in members}
        groups.extend([row] for row in links.stored if row not in grouped)
        for members in groups:
            matches = [links.stored[m] for m in members if m in links.stored]
            if matches:
                kept_id = max(matches, key=lambda match: match.similarity).representative
                # The stored representative may be a member cleaned again (a resumed run): it stays.
                kept_row = next((m for m in members if docs[m].id == kept_id), None)
            else:
                kept_row = min(members, key=lambda m: self.priority(docs[m], m))
                kept_id = docs[kept_row].id
            for member in members:
                representatives[member] = kept_id
                verdict = verdicts[member]
                verdict.signals["near_dedup_cluster_size"] = len(members)
                verdict.updates["dup_cluster"] = kept_id
                verdict.overwrite = frozenset({"dup_cluster"})
                if member != kept_row:
                    verdict.drop = REASON
                    verdict.tags["duplicate_of"] = kept_id
                    verdict.tags["near_dedup_match"] = "index" if matches and kept_row is None else "run"
            if kept_row is not None:
                kept = docs[kept_row]
                copies = [url for m in members if m != kept_row for url in (docs[m].url, *docs[m].dup_urls)]
                verdicts[kept_row].updates["dup_urls"] = [*kept.dup_urls, *copies]
                verdicts[kept_row].overwrite = frozenset({"dup_cluster", "dup_urls"})
        return representatives

    def priority(self, doc: Document, position: int) -> tuple:
        """Sort key of the representative policy: the smallest is kept (see the module docstring)."""
        return (_publication_day(doc.published_at), *self.authority(doc), -len(doc.text or ""), position)

    def authority(self, doc: Document) -> tuple[int, int, int, int]:
        """(political/media/unknown, level, domain depth, category rank): smaller is more authoritative."""
        category = doc.site_category
        known = category in self.category_order
        tier = 2 if not known else 1 if category == MEDIA else 0
        level = doc.tags.get("site_level")
        level_rank = LEVELS.index(level) if level in LEVELS else len(LEVELS)
        category_rank = self.category_order.index(category) if known else len(self.category_order)
        return (tier, level_rank, _domain_depth(doc.domain), category_rank)


def _publication_day(value: object) -> dt.date:
    """The publication day in China time; unknown or unreadable dates sort last."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return dt.date.max
    if isinstance(value, dt.datetime):
        return value.astimezone(CHINA_TIME).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.max


def _domain_depth(domain: str | None) -> int:
    """Labels of a host name without `www.` and the top-level domain: www.gov.cn 1, www.hubei.gov.cn 2.

    Under gov.cn this follows the administrative hierarchy (central, province or city, district);
    elsewhere it is a weak hint, which the site list's `level` (tag `site_level`) overrides.
    """
    if not domain:
        return 99
    labels = [label for label in domain.lower().strip(".").split(".") if label]
    if labels and labels[0] == "www":
        labels = labels[1:]
    return max(len(labels) - 1, 0)

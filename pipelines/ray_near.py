"""Near-duplicates (MinHash LSH) on Ray Data, deciding exactly as `filters.near_dedup` does.

1. Sign: workers normalise and sign their documents with the stage's own code (`_sign`), and look
   each one up in the index of earlier runs (`link_signatures` on one signature: the same
   candidates, verification and exclusion of the document's own entry as the local stage). With the
   Redis backend every worker queries the shared Redis index; with the disk backend the driver
   loads the index from its state directory and lends the blob to the workers (each builds its
   LSH from it: beyond a few million stored documents, use Redis).
2. Bands: each signature emits one row per LSH band (band number + the band's values), grouped
   across the cluster by a coarse hash of the band key. In each group, documents sharing a band
   are candidates; every pair (earlier, later in input order) gets its estimated Jaccard
   similarity. Pairs are then grouped by their later document: duplicates across bands go, and
   each document's highest similarity to an earlier candidate (the `near_dedup_similarity` signal)
   is taken, as the local stage's sequential LSH query does.
3. Verify: pairs at or above the threshold are links; pairs within `exact_margin` of it are decided
   on the exact Jaccard similarity of their 5-gram sets (`confirm_pairs`), in tasks that receive
   the two documents' normalised text, grouped by pair.
4. Components: the driver joins the verified links (a few per copy) with a union-find
   (`filters.dedup_cluster.clusters`) and sends back the component of each linked document.
5. Resolve: members of each component are grouped together and the stage's own representative
   policy (`_resolve`, i.e. `priority`) picks the copy to keep, with the earlier runs' matches; the
   other documents get their signal (and a drop when they match an earlier run).
6. Index: signatures and representatives of the run go into the index: Redis by the workers, the
   disk index by the driver (its state key, committed with the run).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray
from ray.data import ActorPoolStrategy, Dataset

from filters.base import Document, MemoryStateStore, Verdict
from filters.dedup_cluster import Links, StoredMatch, clusters, confirm_pairs, link_signatures
from filters.dedup_index import STATE_KEY, DiskIndex
from filters.minhash import MinHasher, agreement
from filters.near_dedup import NearDuplicates
from pipelines.config import Config
from pipelines.ray_frames import (
    GROUP,
    SEQ,
    bucket_count,
    build_subchain,
    docs_from_table,
    docs_to_table,
    fetch,
    run_per_task,
)
from pipelines.state import DiskStateStore

SIG = "_sig"
BAND = "_band"
REP = "_rep"
STORED_ID = "_stored_id"
STORED_REP = "_stored_rep"
STORED_SIM = "_stored_sim"
STORED_NEAR = "_stored_near"
SIGNED_COLUMNS = [SIG, STORED_ID, STORED_REP, STORED_SIM, STORED_NEAR]
NEAREST, LINK, UNCERTAIN = 0, 1, 2
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


class _NearWorker:
    """A worker holding the configured near-duplicate stage (normaliser, hasher, policy)."""

    def __init__(self, config: Config, index: int) -> None:
        self.chain = build_subchain(config, index, index + 1)
        self.step = self.chain.text_steps[0]
        stage = self.step.stage
        assert isinstance(stage, NearDuplicates)
        self.stage = stage


class Sign(_NearWorker):
    def __init__(self, config: Config, index: int, lookup: bool, disk_blob: Any) -> None:
        super().__init__(config, index)
        self.index = None
        if lookup:
            lent = MemoryStateStore()
            if disk_blob is not None:
                lent.put(STATE_KEY, fetch(disk_blob))
            self.index = self.stage.open_index(lent)

    def __call__(self, table: pa.Table) -> pa.Table:
        table = table.sort_by(SEQ)
        docs, _ = docs_from_table(table)
        rows, signatures = self.stage.sign(docs)
        count = len(docs)
        sig: list[bytes | None] = [None] * count
        stored_id: list[str | None] = [None] * count
        stored_rep: list[str | None] = [None] * count
        stored_sim: list[float | None] = [None] * count
        stored_near: list[float | None] = [None] * count
        for row, position in enumerate(rows):
            sig[position] = signatures[row].astype("<u4").tobytes()
            if self.index is None:
                continue
            links = link_signatures(
                signatures[row : row + 1],
                self.stage.hasher,
                self.stage.meta,
                self.stage.threshold,
                self.index,
                0.0,
                [docs[position].id],
            )
            stored_near[position] = float(links.nearest[0])
            match = links.stored.get(0)
            if match is not None:
                stored_id[position] = match.doc_id
                stored_rep[position] = match.representative
                stored_sim[position] = match.similarity
        for name, values, kind in (
            (SIG, sig, pa.binary()),
            (STORED_ID, stored_id, pa.string()),
            (STORED_REP, stored_rep, pa.string()),
            (STORED_SIM, stored_sim, pa.float64()),
            (STORED_NEAR, stored_near, pa.float64()),
        ):
            table = table.append_column(name, pa.array(values, kind))
        return table


def _signature_matrix(column: pa.ChunkedArray | pa.Array, num_perm: int) -> np.ndarray:
    blobs = column.to_pylist()
    if not blobs:
        return np.empty((0, num_perm), dtype=np.uint32)
    return np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(blobs), num_perm)


def _band_rows(table: pa.Table, num_perm: int, bands: int, rows: int, buckets: int) -> pa.Table:
    """One row per (signed document, band): the band key, its coarse group, the document and signature."""
    table = table.filter(pc.is_valid(table.column(SIG)))
    matrix = _signature_matrix(table.column(SIG), num_perm)
    seqs = table.column(SEQ).to_numpy()
    keys: list[bytes] = []
    groups: list[np.ndarray] = []
    for band in range(bands):
        block = matrix[:, band * rows : (band + 1) * rows]
        labelled = np.concatenate([np.full((len(block), 1), band, dtype="<u4"), block], axis=1)
        keys.extend(bytes(row) for row in np.ascontiguousarray(labelled, dtype="<u4"))
        mixed = (block[:, 0].astype(np.uint64) + np.uint64(band)) * _GOLDEN
        groups.append(((mixed >> np.uint64(32)) % np.uint64(buckets)).astype(np.int64))
    return pa.table(
        {
            GROUP: pa.array(np.concatenate(groups) if groups else np.empty(0, np.int64)),
            BAND: pa.array(keys, pa.binary()),
            SEQ: pa.array(np.tile(seqs, bands)),
            SIG: pa.concat_arrays(
                [table.column(SIG).combine_chunks()] * bands if bands else [pa.array([], pa.binary())]
            ),
        }
    )


def _band_pairs(table: pa.Table, num_perm: int, buckets: int) -> pa.Table:
    """Every pair of documents sharing a band key in this group, with its estimated similarity."""
    members: dict[bytes, list[int]] = {}
    for position, key in enumerate(table.column(BAND).to_pylist()):
        members.setdefault(key, []).append(position)
    seqs = table.column(SEQ).to_numpy()
    sig_column = table.column(SIG)
    earlier: list[np.ndarray] = []
    later: list[np.ndarray] = []
    similarity: list[np.ndarray] = []
    for positions in members.values():
        if len(positions) < 2:
            continue
        positions.sort(key=lambda p: seqs[p])
        ordered = seqs[positions]
        matrix = _signature_matrix(sig_column.take(positions), num_perm)
        for j in range(1, len(positions)):
            earlier.append(ordered[:j])
            later.append(np.full(j, ordered[j]))
            similarity.append(agreement(matrix[j], matrix[:j]))
    a = np.concatenate(earlier) if earlier else np.empty(0, np.int64)
    b = np.concatenate(later) if later else np.empty(0, np.int64)
    return pa.table(
        {
            GROUP: pa.array(b % buckets, pa.int64()),
            "a": pa.array(a, pa.int64()),
            "b": pa.array(b, pa.int64()),
            "sim": pa.array(np.concatenate(similarity) if similarity else np.empty(0), pa.float64()),
        }
    )


def _reduce_pairs(table: pa.Table, threshold: float, margin: float) -> pa.Table:
    """Distinct pairs of this group's later documents: their nearest similarity, links, uncertain pairs."""
    pairs = table.group_by(["a", "b"]).aggregate([("sim", "max")])
    pairs = pairs.select(["a", "b", "sim_max"]).rename_columns(["a", "b", "sim"])
    nearest = pairs.group_by("b").aggregate([("sim", "max")])
    nearest = nearest.select(["b", "sim_max"]).rename_columns(["b", "sim"])
    sim = pairs.column("sim")
    uncertain = pc.less(pc.abs(pc.subtract(sim, threshold)), margin)
    linked = pc.and_(pc.invert(uncertain), pc.greater_equal(sim, threshold))
    parts = [
        nearest.append_column("kind", pa.array(np.full(nearest.num_rows, NEAREST), pa.int8()))
        .append_column("a", pa.array(np.full(nearest.num_rows, -1), pa.int64()))
        .select(["kind", "a", "b", "sim"]),
    ]
    for kind, mask in ((LINK, linked), (UNCERTAIN, uncertain)):
        chosen = pairs.filter(mask)
        parts.append(
            chosen.append_column("kind", pa.array(np.full(chosen.num_rows, kind), pa.int8())).select(
                ["kind", "a", "b", "sim"]
            )
        )
    return pa.concat_tables(parts)


class EmitPoints(_NearWorker):
    """Rows for the exact check: one per (uncertain pair, member) with the member's normalised text."""

    def __init__(self, config: Config, index: int, pairs_of: Any, buckets: int) -> None:
        super().__init__(config, index)
        self.pairs_of: dict[int, list[int]] = fetch(pairs_of)
        self.buckets = buckets

    def __call__(self, table: pa.Table) -> pa.Table:
        pair_ids: list[int] = []
        seqs: list[int] = []
        points: list[bytes] = []
        for seq, text in zip(table.column(SEQ).to_pylist(), table.column("text").to_pylist(), strict=True):
            wanted = self.pairs_of.get(seq)
            if not wanted:
                continue
            normalised = self.stage.normalizer.code_points(text or "").astype("<u4").tobytes()
            for pair in wanted:
                pair_ids.append(pair)
                seqs.append(seq)
                points.append(normalised)
        return pa.table(
            {
                GROUP: pa.array([p % self.buckets for p in pair_ids], pa.int64()),
                "pair": pa.array(pair_ids, pa.int64()),
                SEQ: pa.array(seqs, pa.int64()),
                "points": pa.array(points, pa.binary()),
            }
        )


def _confirm(table: pa.Table, num_perm: int, shingle_size: int, seed: int, threshold: float) -> pa.Table:
    """The uncertain pairs of this group whose exact 5-gram Jaccard similarity reaches the threshold."""
    by_pair: dict[int, list[tuple[int, bytes]]] = {}
    for pair, seq, blob in zip(
        table.column("pair").to_pylist(),
        table.column(SEQ).to_pylist(),
        table.column("points").to_pylist(),
        strict=True,
    ):
        by_pair.setdefault(pair, []).append((seq, blob))
    members: list[tuple[int, bytes]] = []
    local: list[tuple[int, int]] = []
    for rows in by_pair.values():
        if len(rows) != 2:
            continue
        rows.sort()
        local.append((len(members), len(members) + 1))
        members.extend(rows)
    hasher = MinHasher(num_perm=num_perm, shingle_size=shingle_size, seed=seed)
    confirmed = confirm_pairs(
        local, lambda row: np.frombuffer(members[row][1], dtype="<u4"), hasher, threshold
    )
    return pa.table(
        {
            "a": pa.array([members[x][0] for x, _ in confirmed], pa.int64()),
            "b": pa.array([members[y][0] for _, y in confirmed], pa.int64()),
        }
    )


def _stored_match(row: dict[str, Any]) -> StoredMatch | None:
    if row[STORED_ID] is None:
        return None
    return StoredMatch(row[STORED_ID], row[STORED_REP], row[STORED_SIM])


class _Resolver(_NearWorker):
    def __init__(self, config: Config, index: int, component_of: Any, nearest_of: Any) -> None:
        super().__init__(config, index)
        self.component_of: dict[int, int] = fetch(component_of)
        self.nearest_of: dict[int, float] = fetch(nearest_of)

    def resolve(
        self, docs: list[Document], seqs: list[int], extras: list[dict[str, Any]], linked: bool
    ) -> list[str | None]:
        """Verdicts for `docs` (one component when `linked`, else unlinked documents), applied;
        returns each signed document's representative."""
        verdicts = [Verdict() for _ in docs]
        signed = [k for k, extra in enumerate(extras) if extra[SIG] is not None]
        reps: list[str | None] = [None] * len(docs)
        if linked:
            stored = {k: m for k, extra in enumerate(extras) if (m := _stored_match(extra)) is not None}
            links = Links(pairs=[(k, k + 1) for k in range(len(docs) - 1)], stored=stored)
            for k, rep in enumerate(self.stage.resolve(docs, links, verdicts)):
                reps[k] = rep
        else:
            for k in signed:
                match = _stored_match(extras[k])
                links = Links(stored={0: match} if match is not None else {})
                reps[k] = self.stage.resolve([docs[k]], links, [verdicts[k]])[0]
        for k in signed:
            nearest = max(self.nearest_of.get(seqs[k], 0.0), extras[k][STORED_NEAR] or 0.0)
            verdicts[k].signals["near_dedup_similarity"] = round(float(nearest), 4)
        for doc, verdict in zip(docs, verdicts, strict=True):
            self.chain.apply(self.step, doc, verdict)
        return reps

    def output(
        self, docs: list[Document], seqs: list[int], extras: list[dict[str, Any]], reps: list
    ) -> pa.Table:
        return docs_to_table(
            docs,
            seqs,
            self.chain.stats,
            {SIG: pa.array([e[SIG] for e in extras], pa.binary()), REP: pa.array(reps, pa.string())},
        )


class ResolveComponents(_Resolver):
    """`map_groups` worker: the components of one coarse group, each resolved on its own."""

    def __call__(self, table: pa.Table) -> pa.Table:
        self.chain.stats = self.chain.new_stats()
        table = table.sort_by(SEQ)
        docs, seqs = docs_from_table(table)
        extras = table.select(SIGNED_COLUMNS).to_pylist()
        components: dict[int, list[int]] = {}
        for k, seq in enumerate(seqs):
            components.setdefault(self.component_of[seq], []).append(k)
        reps: list[str | None] = [None] * len(docs)
        for members in components.values():
            resolved = self.resolve(
                [docs[k] for k in members], [seqs[k] for k in members], [extras[k] for k in members], True
            )
            for k, rep in zip(members, resolved, strict=True):
                reps[k] = rep
        return self.output(docs, seqs, extras, reps)


class ResolveUnlinked(_Resolver):
    """Documents in no component: the similarity signal, and a drop when an earlier run has them."""

    def __call__(self, table: pa.Table) -> pa.Table:
        self.chain.stats = self.chain.new_stats()
        table = table.sort_by(SEQ)
        keep = [seq not in self.component_of for seq in table.column(SEQ).to_pylist()]
        table = table.filter(pa.array(keep, pa.bool_()))
        docs, seqs = docs_from_table(table)
        extras = table.select(SIGNED_COLUMNS).to_pylist()
        reps = self.resolve(docs, seqs, extras, False)
        return self.output(docs, seqs, extras, reps)


def _in_components(table: pa.Table, component_of: Any, buckets: int) -> pa.Table:
    components = fetch(component_of)
    seqs = table.column(SEQ).to_pylist()
    keep = [seq in components for seq in seqs]
    table = table.filter(pa.array(keep, pa.bool_()))
    groups = [components[seq] % buckets for seq in table.column(SEQ).to_pylist()]
    return table.append_column(GROUP, pa.array(groups, pa.int64()))


class RedisAdd(_NearWorker):
    def __call__(self, table: pa.Table) -> pa.Table:
        table = table.filter(pc.is_valid(table.column(SIG))).sort_by(SEQ)
        if table.num_rows:
            index = self.stage.open_index(MemoryStateStore())
            assert index is not None
            matrix = _signature_matrix(table.column(SIG), self.stage.meta.num_perm)
            index.add(table.column("id").to_pylist(), table.column(REP).to_pylist(), matrix)
        return pa.table({"added": pa.array([table.num_rows], pa.int64())})


def _collect(ds: Dataset) -> pa.Table | None:
    tables = [batch for batch in ds.iter_batches(batch_format="pyarrow", batch_size=None)]
    return pa.concat_tables(tables) if tables else None


def near_step(
    alive: Dataset,
    index: int,
    stage: NearDuplicates,
    config: Config,
    state: DiskStateStore,
    pool: ActorPoolStrategy,
    counts: dict[str, int] | None = None,
) -> Dataset:
    """The step's output (every document it judged), materialized; the index updated. `counts`
    receives the sizes of the intermediate results (pairs, links, components)."""
    counts = counts if counts is not None else {}
    stored = stage.open_index(state)
    lookup = stored is not None and len(stored) > 0
    disk_blob = ray.put(state.get(STATE_KEY)) if lookup and isinstance(stored, DiskIndex) else None
    meta = stage.meta
    if disk_blob is None:  # the stage is cheap to build: plain tasks, no actors to start
        signed = alive.map_batches(
            run_per_task, fn_args=(Sign, config, index, lookup, None), batch_format="pyarrow"
        ).materialize()
    else:  # each actor builds the lent index's LSH once
        signed = alive.map_batches(
            Sign,
            fn_constructor_args=(config, index, lookup, disk_blob),
            batch_format="pyarrow",
            compute=pool,
        ).materialize()
    buckets = bucket_count(signed.count() * meta.bands)
    found = _collect(
        signed.map_batches(
            _band_rows,
            fn_kwargs={"num_perm": meta.num_perm, "bands": meta.bands, "rows": meta.rows, "buckets": buckets},
            batch_format="pyarrow",
        )
        .groupby(GROUP)
        .map_groups(
            _band_pairs, fn_kwargs={"num_perm": meta.num_perm, "buckets": buckets}, batch_format="pyarrow"
        )
        .groupby(GROUP)
        .map_groups(
            _reduce_pairs,
            fn_kwargs={"threshold": stage.threshold, "margin": stage.exact_margin or 0.0},
            batch_format="pyarrow",
        )
    )
    edges: list[tuple[int, int]] = []
    nearest_of: dict[int, float] = {}
    if found is not None:
        kinds = found.column("kind").to_numpy()
        a, b, sim = (found.column(name).to_numpy() for name in ("a", "b", "sim"))
        nearest_of = dict(zip(b[kinds == NEAREST].tolist(), sim[kinds == NEAREST].tolist(), strict=True))
        edges = list(zip(a[kinds == LINK].tolist(), b[kinds == LINK].tolist(), strict=True))
        uncertain = list(zip(a[kinds == UNCERTAIN].tolist(), b[kinds == UNCERTAIN].tolist(), strict=True))
        counts["near_dedup links"] = len(edges)
        counts["near_dedup uncertain pairs"] = len(uncertain)
        if uncertain:
            confirmed = _confirmed(signed, uncertain, index, stage, config)
            counts["near_dedup confirmed pairs"] = len(confirmed)
            edges.extend(confirmed)

    component_of = _components(edges)
    counts["near_dedup linked documents"] = len(component_of)
    component_ref, nearest_ref = ray.put(component_of), ray.put(nearest_of)
    resolver_args = (config, index, component_ref, nearest_ref)
    parts = [
        signed.map_batches(run_per_task, fn_args=(ResolveUnlinked, *resolver_args), batch_format="pyarrow")
    ]
    if component_of:
        groups = bucket_count(len(component_of))
        parts.append(
            signed.map_batches(_in_components, fn_args=(component_ref, groups), batch_format="pyarrow")
            .groupby(GROUP)
            .map_groups(run_per_task, fn_args=(ResolveComponents, *resolver_args), batch_format="pyarrow")
        )
    out = (parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]).materialize()
    if stored is not None:
        _add_to_index(out, stored, stage, config, index)
    return out.drop_columns([SIG, REP])


def _confirmed(
    signed: Dataset,
    uncertain: list[tuple[int, int]],
    index: int,
    stage: NearDuplicates,
    config: Config,
) -> list[tuple[int, int]]:
    pairs_of: dict[int, list[int]] = {}
    for pair, (a, b) in enumerate(uncertain):
        pairs_of.setdefault(a, []).append(pair)
        pairs_of.setdefault(b, []).append(pair)
    buckets = bucket_count(len(uncertain), per_bucket=200)
    confirmed = _collect(
        signed.map_batches(
            run_per_task,
            fn_args=(EmitPoints, config, index, ray.put(pairs_of), buckets),
            batch_format="pyarrow",
        )
        .groupby(GROUP)
        .map_groups(
            _confirm,
            fn_kwargs={
                "num_perm": stage.meta.num_perm,
                "shingle_size": stage.meta.shingle_size,
                "seed": stage.meta.seed,
                "threshold": stage.threshold,
            },
            batch_format="pyarrow",
        )
    )
    if confirmed is None:
        return []
    return list(zip(confirmed.column("a").to_pylist(), confirmed.column("b").to_pylist(), strict=True))


def _components(edges: list[tuple[int, int]]) -> dict[int, int]:
    """Each linked document's component, named by its first member (union-find on the driver: the
    links are a few per copy, not per document)."""
    nodes = sorted({node for edge in edges for node in edge})
    position = {node: k for k, node in enumerate(nodes)}
    groups = clusters(len(nodes), [(position[a], position[b]) for a, b in edges])
    return {nodes[member]: nodes[members[0]] for members in groups for member in members}


def _add_to_index(out: Dataset, stored: Any, stage: NearDuplicates, config: Config, index: int) -> None:
    if isinstance(stored, DiskIndex):
        table = _collect(out.select_columns([SEQ, "id", REP, SIG]))
        if table is None:
            return
        table = table.filter(pc.is_valid(table.column(SIG))).sort_by(SEQ)
        if table.num_rows:
            matrix = _signature_matrix(table.column(SIG), stage.meta.num_perm)
            stored.add(table.column("id").to_pylist(), table.column(REP).to_pylist(), matrix)
        return
    out.select_columns([SEQ, "id", REP, SIG]).map_batches(
        run_per_task, fn_args=(RedisAdd, config, index), batch_format="pyarrow"
    ).materialize()

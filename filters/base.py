"""The stage interface and the one function that applies a stage's verdict to a document.

A stage judges; it never edits a document, counts, or touches files. It returns a `Verdict`:
spans to remove or replace (each with a stage-prefixed reason), signals to record, metadata
values it found, or a drop with a reason. `apply_verdict` is the only code that changes a
document, so every removed character is accounted for in `Document.removed`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

SignalValue = float | int | bool
Field = Literal["text", "html"]

SNIPPET_CHARS = 200


@dataclass(frozen=True, slots=True)
class Removal:
    """A span `[start, end)` of the judged field to remove, or to replace with `replacement`."""

    start: int
    end: int
    reason: str
    replacement: str = ""
    # For removals from markup: the text a reader would have seen, recorded instead of the markup.
    visible_text: str | None = None


@dataclass(frozen=True, slots=True)
class RemovedSpan:
    """What `apply_verdict` records for each removal: kept in the `removed` column."""

    stage: str
    reason: str
    n_chars: int
    snippet: str


@dataclass(slots=True)
class Verdict:
    """A stage's judgement of one document.

    `drop` names the reason to reject the whole document; `removals` are applied otherwise.
    `signals` are numeric measurements recorded for every document (kept or not); `tags` are
    categorical findings (which detector decided, an editor's name). `updates` sets record fields
    (`author`, `source_name`, `lang`, ...), filling only what is empty unless the field is listed in
    `overwrite`.
    """

    removals: list[Removal] = field(default_factory=list)
    signals: dict[str, SignalValue] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    updates: dict[str, Any] = field(default_factory=dict)
    overwrite: frozenset[str] = frozenset()
    drop: str | None = None


KEEP = Verdict()


@dataclass(slots=True)
class Document:
    """One page on its way through the stages: the record fields plus the working text."""

    id: str
    url: str
    text: str
    html: str | None = None
    domain: str | None = None
    site: str | None = None
    crawl_id: str | None = None
    fetched_at: Any = None
    title: str | None = None
    published_at: Any = None
    source_name: str | None = None
    author: str | None = None
    lang: str | None = None
    lang_score: float | None = None
    script: str | None = None
    text_hans: str | None = None
    site_category: str | None = None
    removed: list[RemovedSpan] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    dup_cluster: str | None = None
    dup_urls: list[str] = field(default_factory=list)
    content_hash: str | None = None
    source_path: str | None = None
    drop_stage: str | None = None
    drop_reason: str | None = None

    @property
    def dropped(self) -> bool:
        return self.drop_reason is not None


# Record fields a stage may set through `Verdict.updates`.
UPDATABLE_FIELDS = frozenset(
    {
        "title",
        "published_at",
        "source_name",
        "author",
        "lang",
        "lang_score",
        "script",
        "text_hans",
        "dup_cluster",
        "dup_urls",
        "content_hash",
    }
)


class Stage(ABC):
    """A filter that judges one document at a time.

    Subclasses set a stable `name` (the prefix of every reason they emit) and take their thresholds
    as typed constructor arguments with defaults; `None` turns a check off. `field` says which
    text the removals' offsets refer to: `"html"` stages run before extraction.
    """

    name: ClassVar[str]
    field: ClassVar[Field] = "text"

    @abstractmethod
    def judge(self, doc: Document) -> Verdict:
        """Judge one document; never mutate it."""

    def reason(self, what: str) -> str:
        return f"{self.name}_{what}"


class BatchStage(Stage):
    """A stage that needs the whole batch (near-duplicates, site-level repeated lines).

    `judge_batch` returns one verdict per document, in order. `state` is a key/value store that the
    runner persists between runs (for indexes kept across scheduled crawls); stages that do not need
    it ignore it.
    """

    def judge(self, doc: Document) -> Verdict:  # a batch stage judges documents only together
        raise TypeError(f"{self.name} is a batch stage; call judge_batch")

    @abstractmethod
    def judge_batch(self, docs: Sequence[Document], state: StateStore) -> list[Verdict]:
        """Judge all documents of a run together."""


class StateStore(ABC):
    """Bytes by key, persisted by the runner between runs (written atomically)."""

    @abstractmethod
    def get(self, key: str) -> bytes | None: ...

    @abstractmethod
    def put(self, key: str, value: bytes) -> None: ...

    @property
    def directory(self) -> str | None:
        """A directory a stage may keep larger state in, if the store is disk-backed."""
        return None


class MemoryStateStore(StateStore):
    """A state store that forgets everything when the run ends."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def put(self, key: str, value: bytes) -> None:
        self._data[key] = value


def validate_removals(removals: Sequence[Removal], length: int, stage: str) -> list[Removal]:
    """Sort removals and check they are in bounds and do not overlap."""
    ordered = sorted(removals, key=lambda r: (r.start, r.end))
    previous_end = 0
    for removal in ordered:
        if not 0 <= removal.start <= removal.end <= length:
            raise ValueError(f"stage {stage}: removal {removal} outside text of length {length}")
        if removal.start < previous_end:
            raise ValueError(f"stage {stage}: removal {removal} overlaps an earlier one")
        previous_end = removal.end
    return ordered


def merge_removals(removals: Sequence[Removal]) -> list[Removal]:
    """Resolve overlaps between a stage's own removals: the earlier-starting span wins.

    For stages that find spans with several independent rules.
    """
    merged: list[Removal] = []
    for removal in sorted(removals, key=lambda r: (r.start, -r.end)):
        if merged and removal.start < merged[-1].end:
            last = merged[-1]
            if removal.end > last.end and not last.replacement and not removal.replacement:
                merged[-1] = Removal(last.start, removal.end, last.reason)
            continue
        merged.append(removal)
    return merged


def splice(text: str, removals: Sequence[Removal]) -> str:
    """The text with `removals` (sorted, non-overlapping) cut out or replaced."""
    pieces: list[str] = []
    cursor = 0
    for removal in removals:
        pieces.append(text[cursor : removal.start])
        pieces.append(removal.replacement)
        cursor = removal.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def apply_verdict(doc: Document, verdict: Verdict, stage: Stage, *, label_only: bool = False) -> int:
    """Apply a verdict to `doc` in place and return how many characters it removed.

    In label-only mode signals and tags are recorded, would-be removals are counted as signals
    (`<stage>_would_remove_chars`) and a would-be drop as a tag, but the text is untouched.
    """
    for key, value in verdict.signals.items():
        doc.signals[key] = float(value)
    doc.tags.update(verdict.tags)
    for key, value in verdict.updates.items():
        if key not in UPDATABLE_FIELDS:
            raise ValueError(f"stage {stage.name} may not set field {key!r}")
        if key in verdict.overwrite or getattr(doc, key) in (None, "", []):
            setattr(doc, key, value)

    source: str = getattr(doc, stage.field) or ""
    removals = validate_removals(verdict.removals, len(source), stage.name)
    spans = [_removed_span(stage.name, source, removal) for removal in removals]
    removed_chars = sum(span.n_chars for span in spans)
    if label_only:
        if spans:
            doc.signals[f"{stage.name}_would_remove_chars"] = float(removed_chars)
        if verdict.drop:
            doc.tags[f"{stage.name}_would_drop"] = verdict.drop
        return 0

    if verdict.drop:
        doc.drop_stage = stage.name
        doc.drop_reason = verdict.drop
        return 0
    if removals:
        doc.removed.extend(spans)
        setattr(doc, stage.field, splice(source, removals))
    return removed_chars


def _removed_span(stage: str, source: str, removal: Removal) -> RemovedSpan:
    if removal.visible_text is not None:
        return RemovedSpan(
            stage, removal.reason, len(removal.visible_text), removal.visible_text[:SNIPPET_CHARS]
        )
    return RemovedSpan(
        stage=stage,
        reason=removal.reason,
        n_chars=(removal.end - removal.start) - len(removal.replacement),
        snippet=source[removal.start : removal.end][:SNIPPET_CHARS],
    )

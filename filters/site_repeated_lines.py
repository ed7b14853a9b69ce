"""Site-level repeated lines: a line that recurs across many pages of one site is that site's template.

After CCNet: navigation, widget and footer lines that the extractor and the generic debris rules let
through (`打印本页 关闭窗口`, `扫一扫在手机打开当前页`, a site's own footer or sidebar heading) are
recognised because they repeat across the site's pages, and are removed from every page of the site
with reason `site_repeated_lines_template`. Pages are grouped by `site`, else `domain`, else the
URL's host; a page with none of them is left alone.

Lines are compared by a key: NFKC, lower case, every digit folded to 0, whitespace, punctuation and
symbols dropped (`浏览次数：123` and `浏览次数:4567` share a key). A line is template when it occurs
in at least `max(min_docs, fraction * n)` distinct pages of its site, where `n` is the number of the
site's pages seen so far (this run and earlier ones); the same rule also runs on this run's pages
alone, so a redesign or a sidebar of this week's headlines is caught before it dominates the
history. A site with fewer than `min_site_docs` pages is left alone: with four pages there is no
telling a template from a sentence two syndicated articles share.

Never treated as template at the ordinary threshold, because sharing them is ordinary:
- prose: lines of more than `max_line_chars` Han characters, complete sentences (ending with
  。！？；…) and outline headings (`一、总体要求`, `（三）加强组织保障`, `第二条`). They count as template
  only in at least `max(prose_min_docs, prose_fraction * n)` pages (default: 20 pages and half the
  site), which a footer paragraph on every page reaches and syndicated or formulaic sentences
  (特此通知。, a quoted speech) do not; `prose_min_docs: null` never removes them;
- lines whose key is only a number format (`2024年3月12日`, `10:30`): what repeats is the format;
- data lines (once dates and times are set aside: a decimal, a percentage, or three or more
  figures of up to six digits; longer numbers are identifiers such as ICP备案号): a monthly
  bulletin's `规模以上工业增加值 215.6 6.8` folds to the same key every month; and lines holding a
  document number (文号, `临政发〔2024〕12号`);
- the page's own title line, when the page comes back in a sidebar list of other pages.

Lines of only punctuation (`>`, `|`, `——`) between or next to removed template lines go with them.

State (through the runner's `StateStore`, when `remember_across_runs`): one key per site,
`site_repeated_lines.<site>` (the site name, or its 64-bit xxh3 hex when it has characters outside
`[A-Za-z0-9._-]`), holding a small header and three little-endian arrays: the 64-bit xxh3 of the
ids of the pages counted (a page re-cleaned from the same capture is not counted twice), and the
64-bit xxh3 of each line key with its page count (uint32). Counts are capped at `max_keys_per_site`
keys (the most frequent are kept: template lines have high counts, the tail is prose), so a site
costs at most 12 bytes per kept key plus 8 bytes per page ever counted.
"""

from __future__ import annotations

import math
import re
import struct
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xxhash

from filters.base import BatchStage, Document, Removal, StateStore, Verdict
from filters.textstats import count_han, ends_sentence, iter_lines

_STATE_PREFIX = "site_repeated_lines."
_STATE_MAGIC = b"SRL1"
_HEADER = struct.Struct("<4sQQ")
_SAFE_SITE_RE = re.compile(r"[A-Za-z0-9._-]{1,100}")

_KEY_DROP_RE = re.compile(r"[\W_]+")
_BARE_RE = re.compile(r"[\W_]*")
_DIGIT_RE = re.compile(r"\d")
# Keys that are only a number format: what repeats is the format, not the line.
_FORMAT_ONLY_RE = re.compile(r"[0年月日时分秒]*")
# An official document number (文号), e.g. 临政发〔2024〕12号.
_DOCUMENT_NUMBER_RE = re.compile(r"[〔\[(（【]\s*(?:19|20)\d{2}\s*[〕\])）】]\s*第?\s*\d+\s*号")
_DATE_TIME_RE = re.compile(
    r"\d{2,4}\s*[年/.\-／．－]\s*\d{1,2}\s*[月/.\-／．－]\s*\d{1,2}\s*日?|\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?"
)
_DECIMAL_OR_PERCENT_RE = re.compile(r"\d[.．]\d|\d\s*[%％‰]")
# Figures have at most six digits; longer numbers are identifiers (ICP备案号, 网站标识码, phone numbers).
_FIGURE_RE = re.compile(r"(?<!\d)\d{1,6}(?!\d)")
# Outline headings of official documents. Narrower than `textstats.LIST_ITEM_RE` on purpose: bullets
# and 1./1、 numbering also mark sidebar link lists, which are template.
_OUTLINE_RE = re.compile(
    r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十百零〇\d]+[章节条部分])"
)
_MIN_KEY_CHARS = 2


@dataclass(slots=True)
class _SiteCounts:
    """What is remembered of one site: ids of the pages counted, and page counts per line key."""

    doc_ids: set[int]
    counts: dict[int, int]


@dataclass(frozen=True, slots=True)
class _LineKey:
    index: int
    text: str  # the normalised key
    key: int  # its hash, what is counted
    prose: bool


class SiteRepeatedLines(BatchStage):
    name = "site_repeated_lines"

    def __init__(
        self,
        min_site_docs: int = 5,
        min_docs: int = 4,
        fraction: float = 0.1,
        max_line_chars: int = 50,
        prose_min_docs: int | None = 20,
        prose_fraction: float = 0.5,
        max_keys_per_site: int = 20_000,
        remember_across_runs: bool = True,
    ) -> None:
        if min_site_docs < 1 or min_docs < 2 or (prose_min_docs is not None and prose_min_docs < 2):
            raise ValueError("min_site_docs must be at least 1, min_docs and prose_min_docs at least 2")
        if not 0 <= fraction <= 1 or not 0 <= prose_fraction <= 1:
            raise ValueError("fraction and prose_fraction must be between 0 and 1")
        self.min_site_docs = min_site_docs
        self.min_docs = min_docs
        self.fraction = fraction
        self.max_line_chars = max_line_chars
        self.prose_min_docs = prose_min_docs
        self.prose_fraction = prose_fraction
        self.max_keys_per_site = max_keys_per_site
        self.remember_across_runs = remember_across_runs

    def judge_batch(self, docs: Sequence[Document], state: StateStore) -> list[Verdict]:
        verdicts = [Verdict() for _ in docs]
        by_site: dict[str, list[int]] = {}
        for index, doc in enumerate(docs):
            site = site_of(doc)
            if site is not None and not doc.dropped:
                by_site.setdefault(site, []).append(index)
        for site, indexes in by_site.items():
            self._judge_site(site, [docs[i] for i in indexes], [verdicts[i] for i in indexes], state)
        return verdicts

    def _judge_site(
        self, site: str, docs: list[Document], verdicts: list[Verdict], state: StateStore
    ) -> None:
        history = self._load(state, site) if self.remember_across_runs else _SiteCounts(set(), {})
        batch_counts: Counter[int] = Counter()
        batch_ids: set[int] = set()
        line_keys = [self._line_keys(doc.text or "") for doc in docs]
        for doc, keys in zip(docs, line_keys, strict=True):
            doc_id = xxhash.xxh3_64_intdigest(doc.id.encode("utf-8", "surrogatepass"))
            if doc_id in batch_ids:
                continue
            batch_ids.add(doc_id)
            distinct = {line.key for line in keys}
            batch_counts.update(distinct)
            if doc_id not in history.doc_ids:
                history.doc_ids.add(doc_id)
                for key in distinct:
                    history.counts[key] = history.counts.get(key, 0) + 1
        windows = [(batch_counts, len(batch_ids)), (history.counts, len(history.doc_ids))]
        for doc, keys, verdict in zip(docs, line_keys, verdicts, strict=True):
            title_key = _key(doc.title or "")
            template = {
                line.index
                for line in keys
                if any(self._is_template(line, counts, n) for counts, n in windows)
                and not _is_title(line.text, title_key)
            }
            remove = sorted(_with_bare_separators((doc.text or "").split("\n"), template))
            verdict.removals = _line_removals(doc.text or "", remove, self.reason("template"))
            verdict.signals = {
                "site_repeated_lines_removed": len(remove),
                "site_repeated_lines_site_docs": len(history.doc_ids),
            }
        if self.remember_across_runs:
            self._save(state, site, history)

    def _is_template(self, line: _LineKey, counts: dict[int, int] | Counter[int], n_docs: int) -> bool:
        if n_docs < self.min_site_docs:
            return False
        count = counts.get(line.key, 0)
        if line.prose:
            if self.prose_min_docs is None:
                return False
            return count >= max(self.prose_min_docs, math.ceil(self.prose_fraction * n_docs))
        return count >= max(self.min_docs, math.ceil(self.fraction * n_docs))

    def _line_keys(self, text: str) -> list[_LineKey]:
        keys: list[_LineKey] = []
        for index, raw in enumerate(text.split("\n")):
            line = raw.strip()
            key = _key(line)
            if (
                len(key.replace("0", "")) < _MIN_KEY_CHARS
                or _FORMAT_ONLY_RE.fullmatch(key)
                or _is_metadata(line)
            ):
                continue
            digest = xxhash.xxh3_64_intdigest(key.encode("utf-8", "surrogatepass"))
            keys.append(_LineKey(index, key, digest, self._prose(line)))
        return keys

    def _prose(self, line: str) -> bool:
        return (
            ends_sentence(line)
            or _OUTLINE_RE.match(line) is not None
            or (len(line) > self.max_line_chars and count_han(line) > self.max_line_chars)
        )

    def _load(self, state: StateStore, site: str) -> _SiteCounts:
        blob = state.get(_state_key(site))
        empty = _SiteCounts(set(), {})
        if not blob or len(blob) < _HEADER.size:
            return empty
        magic, n_ids, n_keys = _HEADER.unpack_from(blob)
        if magic != _STATE_MAGIC or len(blob) != _HEADER.size + 8 * n_ids + 12 * n_keys:
            return empty  # unreadable state is forgotten, not fatal
        offset = _HEADER.size
        ids = np.frombuffer(blob, dtype="<u8", count=n_ids, offset=offset)
        offset += 8 * n_ids
        keys = np.frombuffer(blob, dtype="<u8", count=n_keys, offset=offset)
        counts = np.frombuffer(blob, dtype="<u4", count=n_keys, offset=offset + 8 * n_keys)
        return _SiteCounts(set(ids.tolist()), dict(zip(keys.tolist(), counts.tolist(), strict=True)))

    def _save(self, state: StateStore, site: str, history: _SiteCounts) -> None:
        keys = np.fromiter(history.counts.keys(), dtype="<u8", count=len(history.counts))
        counts = np.fromiter(history.counts.values(), dtype="<u4", count=len(history.counts))
        if len(keys) > self.max_keys_per_site:
            keep = np.argsort(-counts.astype(np.int64), kind="stable")[: self.max_keys_per_site]
            keys, counts = keys[keep], counts[keep]
        ids = np.fromiter(history.doc_ids, dtype="<u8", count=len(history.doc_ids))
        header = _HEADER.pack(_STATE_MAGIC, len(ids), len(keys))
        state.put(_state_key(site), header + ids.tobytes() + keys.tobytes() + counts.tobytes())


def _key(line: str) -> str:
    """The comparison key of a line: NFKC, lower case, digits as 0, only letters and digits.

    Punctuation goes first, so NFKC (slow on full-width punctuation) mostly meets pure Han and is
    skipped by its quick check.
    """
    key = _KEY_DROP_RE.sub("", line)
    if not unicodedata.is_normalized("NFKC", key):
        key = _KEY_DROP_RE.sub("", unicodedata.normalize("NFKC", key))
    return _DIGIT_RE.sub("0", key.lower())


def _is_title(key: str, title_key: str) -> bool:
    """The page's own title line (the title field may carry a `_站点名` suffix)."""
    return len(title_key) >= _MIN_KEY_CHARS and (
        key == title_key or (len(key) >= 4 and title_key.startswith(key))
    )


def _is_metadata(line: str) -> bool:
    """Figures or a document number: the numbers are the content, however often the labels repeat."""
    if not _DIGIT_RE.search(line):
        return False
    if _DOCUMENT_NUMBER_RE.search(line):
        return True
    rest = _DATE_TIME_RE.sub(" ", line)
    return _DECIMAL_OR_PERCENT_RE.search(rest) is not None or len(_FIGURE_RE.findall(rest)) >= 3


def _with_bare_separators(lines: list[str], template: set[int]) -> set[int]:
    """Lines of only punctuation (`>`, `|`, `——`) between template lines go with them."""
    if not template:
        return template
    result = set(template)
    index = 0
    while index < len(lines):
        if index in template or not _BARE_RE.fullmatch(lines[index]):
            index += 1
            continue
        end = index
        while end < len(lines) and end not in template and _BARE_RE.fullmatch(lines[end]):
            end += 1
        before, after = index - 1 in template, end in template
        if (before or index == 0) and (after or end == len(lines)) and (before or after):
            result.update(range(index, end))
        index = end
    return result


def site_of(doc: Document) -> str | None:
    if doc.site:
        return doc.site
    if doc.domain:
        return doc.domain
    try:
        host = urllib.parse.urlsplit(doc.url or "").hostname
    except ValueError:
        return None
    return host or None


def _state_key(site: str) -> str:
    if _SAFE_SITE_RE.fullmatch(site):
        return _STATE_PREFIX + site
    return _STATE_PREFIX + xxhash.xxh3_64_hexdigest(site.encode("utf-8", "surrogatepass"))


def _line_removals(text: str, indexes: list[int], reason: str) -> list[Removal]:
    """Whole lines, with their newline; runs of adjacent lines become one removal."""
    if not indexes:
        return []
    lines = iter_lines(text)
    removals: list[Removal] = []
    run_start = run_end = indexes[0]
    for index in [*indexes[1:], None]:
        if index is not None and index == run_end + 1:
            run_end = index
            continue
        first, last = lines[run_start], lines[run_end]
        start = first.start
        if last.end_nl == last.end and start > 0:
            start -= 1  # the text's last line: take the newline before it instead
        removals.append(Removal(start, last.end_nl, reason))
        if index is not None:
            run_start = run_end = index
    return removals

"""`make eval`: run the real pipeline on the gold set and score what it keeps and removes.

The gold set (tests/fixtures/gold/, format in `pipelines.gold` and the README there) labels every
line a reader sees on each page: article (`keep`), noise by category (`remove:<cat>`, plus inline
`⟦cat|…⟧` spans such as injected pinyin), or unscored (`any:`). Every gold page goes through
`pipelines.runner.clean_in_memory` with the default config, exactly as `govcorpus clean` would run
it. The output text of each page is then aligned to its labelled text character by character
(difflib's SequenceMatcher, whitespace ignored, NFKC-folded), so a kept character is one that
survives in the output in order, whatever the pipeline did to line breaks: a rejoined page-break
line scores as kept, a stripped pinyin reading as removed. The pipes of markdown table rows that the
extractor writes (`| a | b |`, `|---|`) are not output characters: labels hold a row as its cells. A
dropped page keeps nothing. A headline that left the text but became the record's `title` counts as
kept; found whole in the title and not in the text, it is scored there only and left out of the
text alignment.

Figures, per category and per page:
  article kept   = article characters surviving / article characters labelled
  noise removed  = characters of a noise category gone from the output / labelled
  joins          = page-break continuations (`keep:join`) joined to the line they continue
  false joins    = headings and headlines run together with a neighbouring line

Thresholds (the run fails below any of them), and why:
  * article kept >= 0.98 overall. The corpus exists for the article text; 2% leaves room for the
    genuinely ambiguous (a signature line, a bare date under a notice) but not for a lost paragraph
    on a few pages, which shows up at once above 2% on a set of ~40 pages.
  * every page with article text keeps >= 0.90 of it and is not dropped. One paragraph is 10-25% of
    a page: below 0.90 a reader of that page has lost a paragraph.
  * hard negatives (news about 扫黄打非, gambling trials, illegal lotteries, statistics, name lists,
    short notices, authors' glosses) keep >= 0.95: the spam lexicon and the quality signals must not
    cost them any paragraph, only at most a stray short line.
  * noise removed >= 0.90 per category with at least 40 labelled characters, >= 0.95 for `spam` and
    `hidden` (planted porn and gambling text left in a corpus is the worst outcome for its users) and
    for `pinyin` (a mechanical pattern: whatever survives pollutes every sentence).
  * joins >= 0.75 of page-break continuations, and no false join at all: a missed join leaves a
    line break inside a sentence (cosmetic), a false join fuses a heading into a paragraph.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from filters.base import Document
from pipelines.config import DEFAULT_CONFIG_PATH, load_config
from pipelines.gold import ARTICLE, GoldLine, GoldPage, coverage_problem, load_gold, squeeze
from pipelines.readers import read_inputs
from pipelines.runner import clean_in_memory

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "tests" / "fixtures" / "gold"
RESULT_PATH = ROOT / "data" / "eval" / "latest.json"

HARD_NEGATIVE = "hard-negative"
_TABLE_ROW_RE = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.MULTILINE)
_TABLE_SEPARATOR_RE = re.compile(r"[\s|:\-]+")


@dataclass(frozen=True)
class Thresholds:
    article_kept: float = 0.98
    page_article_kept: float = 0.90
    hard_negative_kept: float = 0.95
    noise_removed: float = 0.90
    strict_noise_removed: float = 0.95
    strict_categories: tuple[str, ...] = ("spam", "hidden", "pinyin")
    min_category_chars: int = 40
    join_rate: float = 0.75
    max_false_joins: int = 0


@dataclass
class LineResult:
    index: int
    label: str
    text: str
    counts: dict[str, list[int]]  # category -> [labelled chars, surviving chars]
    blame: str | None = None


@dataclass
class PageScore:
    name: str
    kind: str
    dropped: str | None
    counts: dict[str, list[int]] = field(default_factory=dict)
    joins_expected: int = 0
    joins_made: int = 0
    heading_boundaries: int = 0
    false_joins: list[str] = field(default_factory=list)
    missed_joins: list[str] = field(default_factory=list)
    lines: list[LineResult] = field(default_factory=list)

    def kept(self, category: str) -> float | None:
        total, surviving = self.counts.get(category, [0, 0])
        return surviving / total if total else None

    @property
    def article_kept(self) -> float | None:
        return self.kept(ARTICLE)

    @property
    def noise_removed(self) -> float | None:
        total = sum(c[0] for k, c in self.counts.items() if k != ARTICLE)
        surviving = sum(c[1] for k, c in self.counts.items() if k != ARTICLE)
        return 1 - surviving / total if total else None


def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def _table_markup(text: str) -> set[int]:
    """Positions of markdown table markup in `text`: the pipes of `| a | b |` rows, whole `|---|` rows.

    The extractor writes tables as markdown; labels hold a row as its cells. Left in, the pipes
    interleave every cell with a character the reference lacks and pull short rows out of line.
    """
    positions: set[int] = set()
    for row in _TABLE_ROW_RE.finditer(text):
        separator = _TABLE_SEPARATOR_RE.fullmatch(row.group()) is not None
        positions.update(
            position for position in range(row.start(), row.end()) if separator or text[position] == "|"
        )
    return positions


def _squeezed(text: str) -> tuple[str, list[int]]:
    """`text` without whitespace or table pipes, NFKC-folded per character, and each character's index
    in `text`."""
    markup = _table_markup(text) if "|" in text else set()
    chars: list[str] = []
    index: list[int] = []
    for position, char in enumerate(text):
        if not char.isspace() and position not in markup:
            chars.append(_fold(char))
            index.append(position)
    return "".join(chars), index


def align(reference: str, output: str) -> list[int]:
    """For each character of `reference`, the index of the output character it survives as, or -1."""
    matched = [-1] * len(reference)
    matcher = SequenceMatcher(None, reference, output, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            matched[block.a + offset] = block.b + offset
    return matched


@dataclass(frozen=True, slots=True)
class RefChar:
    char: str  # NFKC-folded
    category: str | None  # article, a noise category, or None (not scored)
    inline: bool  # inside a ⟦cat|…⟧ mark


def _reference(line: GoldLine) -> list[RefChar]:
    """The line's characters (folded, no whitespace), each with its scoring category."""
    return [
        RefChar(_fold(char), segment.category or line.category, segment.category is not None)
        for segment in line.segments
        for char in squeeze(segment.text)
    ]


def survival(reference: Sequence[RefChar], output: str) -> list[int]:
    """For each reference character, the index of the output character it survives as, or -1.

    Characters outside inline marks are aligned first, in one pass: they come in long runs that
    anchor the alignment. A run of marked characters (a pinyin reading, a garbled span) is then
    looked for only in the output between the output positions of its surviving neighbours, so
    that short, repetitive marks cannot pull the alignment of the article out of place.
    """
    hits = [-1] * len(reference)
    plain = [i for i, ref in enumerate(reference) if not ref.inline]
    for i, hit in zip(plain, align("".join(reference[i].char for i in plain), output), strict=True):
        hits[i] = hit
    next_hit = [len(output)] * (len(reference) + 1)
    for i in range(len(reference) - 1, -1, -1):
        next_hit[i] = hits[i] if hits[i] >= 0 else next_hit[i + 1]
    previous_hit = -1
    i = 0
    while i < len(reference):
        if not reference[i].inline:
            previous_hit = hits[i] if hits[i] >= 0 else previous_hit
            i += 1
            continue
        end = i
        while end < len(reference) and reference[end].inline:
            end += 1
        gap_start = previous_hit + 1
        gap = output[gap_start : next_hit[end]]
        for offset, hit in enumerate(align("".join(r.char for r in reference[i:end]), gap)):
            hits[i + offset] = gap_start + hit if hit >= 0 else -1
        i = end
    return hits


def _count(reference: Sequence[RefChar], hits: Sequence[int]) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    for ref, hit in zip(reference, hits, strict=True):
        if ref.category is not None:
            bucket = counts.setdefault(ref.category, [0, 0])
            bucket[0] += 1
            bucket[1] += hit >= 0
    return counts


def score_output(
    name: str,
    kind: str,
    lines: Sequence[GoldLine],
    text: str,
    title: str | None = None,
    dropped: str | None = None,
) -> PageScore:
    """Score one page's output (`text`, `title`, drop reason) against its labelled lines."""
    score = PageScore(name=name, kind=kind, dropped=dropped)
    raw = "" if dropped else text
    output, out_index = _squeezed(raw)
    references = [_reference(line) for line in lines]
    in_title = _title_counts(lines, references, title if not dropped else None)
    # A headline found whole in the title field but not in the text is scored there only: aligned
    # against the text, its words would match the same words in the body (a table header, the
    # first paragraph) and pull those lines out of place.
    title_only = {
        n
        for n, counts in in_title.items()
        if _whole(counts) and "".join(ref.char for ref in references[n] if not ref.inline) not in output
    }
    owners = [n for n, reference in enumerate(references) if n not in title_only for _ in reference]
    flat = [ref for n, reference in enumerate(references) if n not in title_only for ref in reference]
    hits = survival(flat, output)

    first: list[int | None] = [None] * len(lines)
    last: list[int | None] = [None] * len(lines)
    line_hits: list[list[int]] = [[] for _ in lines]
    for number, ref, hit in zip(owners, flat, hits, strict=True):
        line_hits[number].append(hit)
        if hit >= 0 and not ref.inline:
            first[number] = out_index[hit] if first[number] is None else first[number]
            last[number] = out_index[hit]

    for number, line in enumerate(lines):
        if number in title_only:
            counts = in_title[number]
        else:
            counts = _count(references[number], line_hits[number])
            # A headline may leave the text for the record's title field: it counts as kept there.
            if number in in_title and _surviving(in_title[number]) > _surviving(counts):
                counts = in_title[number]
        for category, (total, surviving) in counts.items():
            bucket = score.counts.setdefault(category, [0, 0])
            bucket[0] += total
            bucket[1] += surviving
        score.lines.append(LineResult(number, line.label, line.text, counts))

    previous_keep: int | None = None
    for number, line in enumerate(lines):
        if line.kind != "keep":
            continue
        if previous_keep is not None:
            before, after = last[previous_keep], first[number]
            joined = (
                before is not None and after is not None and before < after and "\n" not in raw[before:after]
            )
            if line.tag == "join":
                score.joins_expected += 1
                score.joins_made += joined
                if not joined:
                    score.missed_joins.append(f"{lines[previous_keep].text[-20:]}|{line.text[:20]}")
            elif {line.tag, lines[previous_keep].tag} & {"title", "heading"}:
                score.heading_boundaries += 1
                if joined:
                    score.false_joins.append(f"{lines[previous_keep].text[:20]}|{line.text[:20]}")
        previous_keep = number
    return score


def _title_counts(
    lines: Sequence[GoldLine], references: Sequence[list[RefChar]], title: str | None
) -> dict[int, dict[str, list[int]]]:
    """The counts of each `keep:title` line scored against the record's title field alone."""
    if not title:
        return {}
    squeezed_title = _squeezed(title)[0]
    return {
        number: _count(references[number], survival(references[number], squeezed_title))
        for number, line in enumerate(lines)
        if line.kind == "keep" and line.tag == "title"
    }


def _surviving(counts: dict[str, list[int]]) -> int:
    return counts.get(ARTICLE, [0, 0])[1]


def _whole(counts: dict[str, list[int]]) -> bool:
    total, surviving = counts.get(ARTICLE, [0, 0])
    return total > 0 and surviving == total


def blame(line: LineResult, doc: Document) -> str | None:
    """Which stage (by its removed spans) took a lost article line, or kept a noise line."""
    if doc.dropped:
        return f"dropped by {doc.drop_stage}: {doc.drop_reason}"
    article = line.counts.get(ARTICLE)
    if article and article[1] < article[0]:
        probe = squeeze(line.text)
        for span in doc.removed:
            snippet = squeeze(span.snippet)
            if len(snippet) >= 4 and (snippet[:12] in probe or probe[:12] in snippet):
                return f"{span.stage}: {span.reason}"
        return "not in the extracted text (extraction) or cut by an unrecorded change"
    return None


def run_pipeline(pages: Sequence[GoldPage], config_path: Path | None) -> list[Document]:
    raw_pages = []
    for page in pages:
        found = list(read_inputs([page.input_path]))
        if len(found) != 1:
            raise RuntimeError(f"{page.input_path}: expected one page, read {len(found)}")
        raw = found[0]
        if page.url:
            raw.url = page.url
        raw_pages.append(raw)
    return clean_in_memory(raw_pages, load_config(config_path))


def evaluate(
    pages: Sequence[GoldPage], docs: Sequence[Document], thresholds: Thresholds
) -> tuple[list[PageScore], dict[str, list[int]], list[str]]:
    scores: list[PageScore] = []
    totals: dict[str, list[int]] = {}
    for page, doc in zip(pages, docs, strict=True):
        score = score_output(page.name, page.kind, page.lines, doc.text, doc.title, doc.drop_reason)
        for line in score.lines:
            line.blame = blame(line, doc) if _missed(line) else None
        for category, (total, surviving) in score.counts.items():
            bucket = totals.setdefault(category, [0, 0])
            bucket[0] += total
            bucket[1] += surviving
        scores.append(score)
    return scores, totals, check(scores, totals, thresholds)


def _missed(line: LineResult) -> bool:
    """An article line that lost over a tenth, or a noise line that kept over half of itself."""
    for category, (total, surviving) in line.counts.items():
        if category == ARTICLE and surviving < 0.9 * total:
            return True
        if category != ARTICLE and surviving > 0.5 * total:
            return True
    return False


def check(scores: Sequence[PageScore], totals: dict[str, list[int]], limits: Thresholds) -> list[str]:
    failures: list[str] = []
    total, surviving = totals.get(ARTICLE, [0, 0])
    if total and surviving / total < limits.article_kept:
        failures.append(f"article kept {surviving / total:.3f} < {limits.article_kept} overall")
    for score in scores:
        kept = score.article_kept
        if kept is None:
            continue
        floor = limits.hard_negative_kept if score.kind == HARD_NEGATIVE else limits.page_article_kept
        if score.dropped:
            failures.append(f"{score.name}: page with article text dropped ({score.dropped})")
        elif kept < floor:
            failures.append(f"{score.name}: article kept {kept:.3f} < {floor}")
    for category, (total, surviving) in sorted(totals.items()):
        if category == ARTICLE or total < limits.min_category_chars:
            continue
        floor = limits.strict_noise_removed if category in limits.strict_categories else limits.noise_removed
        removed = 1 - surviving / total
        if removed < floor:
            failures.append(f"{category}: removed {removed:.3f} < {floor}")
    expected = sum(s.joins_expected for s in scores)
    made = sum(s.joins_made for s in scores)
    if expected and made / expected < limits.join_rate:
        failures.append(f"joins {made}/{expected} < {limits.join_rate}")
    false_joins = [f"{s.name}: {j}" for s in scores for j in s.false_joins]
    if len(false_joins) > limits.max_false_joins:
        failures.append(f"{len(false_joins)} false joins (max {limits.max_false_joins}): {false_joins[:5]}")
    return failures


def _fraction(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def report(
    scores: Sequence[PageScore], totals: dict[str, list[int]], failures: Sequence[str], lines: bool
) -> str:
    out = ["", "per category (characters)", f"  {'category':<10} {'labelled':>9} {'surviving':>9}  figure"]
    for category, (total, surviving) in sorted(totals.items(), key=lambda kv: (kv[0] != ARTICLE, kv[0])):
        if category == ARTICLE:
            figure = f"article kept  {surviving / total:.3f}"
        else:
            figure = f"noise removed {1 - surviving / total:.3f}"
        out.append(f"  {category:<10} {total:>9} {surviving:>9}  {figure}")
    noise_total = sum(c[0] for k, c in totals.items() if k != ARTICLE)
    noise_left = sum(c[1] for k, c in totals.items() if k != ARTICLE)
    if noise_total:
        out.append(
            f"  {'all noise':<10} {noise_total:>9} {noise_left:>9}  noise removed {1 - noise_left / noise_total:.3f}"
        )
    expected = sum(s.joins_expected for s in scores)
    made = sum(s.joins_made for s in scores)
    boundaries = sum(s.heading_boundaries for s in scores)
    false_joins = sum(len(s.false_joins) for s in scores)
    out.append(f"  joins {made}/{expected}; false joins {false_joins} of {boundaries} heading boundaries")
    out += ["", "per page", f"  {'page':<40} {'kind':<13} {'kept':>6} {'removed':>7}  dropped"]
    for score in scores:
        out.append(
            f"  {score.name[:40]:<40} {score.kind:<13} {_fraction(score.article_kept)} "
            f"{_fraction(score.noise_removed):>7}  {score.dropped or ''}"
        )
    if lines:
        out += ["", "lines missed (article lost >10%, noise kept >50%)"]
        for score in scores:
            for line in score.lines:
                if line.blame is not None or _missed(line):
                    survived = {k: f"{v[1]}/{v[0]}" for k, v in line.counts.items()}
                    out.append(
                        f"  {score.name} #{line.index} {line.label} {survived} {line.text[:50]!r} <- {line.blame or 'kept'}"
                    )
            out += [f"  {score.name} join missed: {join}" for join in score.missed_joins]
            out += [f"  {score.name} false join: {join}" for join in score.false_joins]
    out += ["", "thresholds: " + ("all met" if not failures else "FAILED")]
    out += [f"  - {failure}" for failure in failures]
    return "\n".join(out)


def result_json(
    scores: Sequence[PageScore],
    totals: dict[str, list[int]],
    failures: Sequence[str],
    config: Path,
    limits: Thresholds,
) -> dict[str, Any]:
    return {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": str(config),
        "thresholds": asdict(limits),
        "passed": not failures,
        "failures": list(failures),
        "categories": {k: {"labelled": v[0], "surviving": v[1]} for k, v in sorted(totals.items())},
        "joins": {
            "expected": sum(s.joins_expected for s in scores),
            "made": sum(s.joins_made for s in scores),
            "false_joins": [f"{s.name}: {j}" for s in scores for j in s.false_joins],
        },
        "pages": [
            {
                "name": s.name,
                "kind": s.kind,
                "dropped": s.dropped,
                "article_kept": s.article_kept,
                "noise_removed": s.noise_removed,
                "counts": s.counts,
                "joins": {"expected": s.joins_expected, "made": s.joins_made, "missed": s.missed_joins},
                "false_joins": s.false_joins,
                "missed_lines": [
                    {
                        "line": line.index,
                        "label": line.label,
                        "counts": line.counts,
                        "text": line.text[:80],
                        "blame": line.blame,
                    }
                    for line in s.lines
                    if line.blame is not None or _missed(line)
                ],
            }
            for s in scores
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD_DIR, help="gold set directory")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH, help="pipeline config")
    parser.add_argument("--json", type=Path, default=RESULT_PATH, help="where to write the result")
    parser.add_argument("--lines", action="store_true", help="list every missed line and the stage to blame")
    args = parser.parse_args(argv)

    pages = load_gold(args.gold)
    problems = [p for p in (coverage_problem(page) for page in pages) if p]
    if not pages or problems:
        print("gold set unusable:", *(problems or [f"no labels in {args.gold}"]), sep="\n  ", file=sys.stderr)
        return 2
    limits = Thresholds()
    docs = run_pipeline(pages, args.config)
    scores, totals, failures = evaluate(pages, docs, limits)
    stages = ", ".join(stage.name for stage in load_config(args.config).stages)
    print(f"gold set: {len(pages)} pages from {args.gold}; config {args.config}\nstages: {stages}")
    print(report(scores, totals, failures, args.lines))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(result_json(scores, totals, failures, args.config, limits), ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    print(f"\nresult written to {args.json}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

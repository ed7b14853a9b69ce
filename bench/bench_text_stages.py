"""The stage chain's cost against extraction's, on the same 3,000 pages, in one process on one core.

Pages are built (seeded) from the gold set (tests/fixtures/gold): each takes the HTML of one gold page
as its template (navigation, footers, widgets, hidden link farms and spam blocks included) and
replaces the page's run of article paragraphs with 4-10 article paragraphs drawn from all gold pages'
labels, digits varied, so the pages are distinct but every template line recurs on its "site" (one
site per template). Each page then goes the way `govcorpus clean` takes it, timed step by step:

  html stages   the config's stages that judge the HTML (hidden elements), before extraction
  extraction    `pipelines.extract.extract` (trafilatura plus the Chinese metadata pass)
  text stages   every other stage of the default config, batch stages included, through the chain
                that `pipelines.runner.clean_in_memory` uses, on the extracted text (one stage at a
                time, in config order, so that each stage's share is printed too)

Figures are MB of input per CPU second (one core) and the ratio of all stages' time to
extraction's. Target: stages / extraction < 1 (cleaning must cost less than extracting).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from pathlib import Path

from filters.base import Document, MemoryStateStore
from pipelines.chain import StageChain
from pipelines.config import load_config
from pipelines.documents import prepare_document
from pipelines.extract import extract
from pipelines.gold import GoldPage, load_gold
from pipelines.readers import RawPage
from pipelines.runner import build_chain

GOLD = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "gold"
N_PAGES = 3000
SEED = 20240611
PARAGRAPH_RE = re.compile(r"<p\b[^>]*>.*?</p>", re.DOTALL | re.IGNORECASE)
DIGIT_RE = re.compile(r"\d")
MIN_PARAGRAPH_CHARS = 30


def _article_run(html: str) -> tuple[int, int]:
    """Span of the longest run of adjacent `<p>` elements (the article body); (end of body) if none."""
    best = (0, 0)
    run_start = run_end = -1
    for match in PARAGRAPH_RE.finditer(html):
        if run_end >= 0 and not html[run_end : match.start()].strip():
            run_end = match.end()
        else:
            run_start, run_end = match.start(), match.end()
        if run_end - run_start > best[1] - best[0]:
            best = (run_start, run_end)
    if best == (0, 0):
        at = html.lower().rfind("</body>")
        return (at, at) if at >= 0 else (len(html), len(html))
    return best


def build_pages(n: int = N_PAGES, seed: int = SEED) -> list[tuple[str, str]]:
    """(url, html) pages built from the gold set's HTML templates and article paragraphs."""
    rng = random.Random(seed)
    gold: list[GoldPage] = load_gold(GOLD)
    templates = [
        page.input_path.read_bytes().decode(page.meta.get("encoding", "utf-8"))
        for page in gold
        if page.input_path.suffix == ".html"
    ]
    pool = [
        line.text
        for page in gold
        for line in page.lines
        if line.kind == "keep" and line.tag == "" and len(line.text) >= MIN_PARAGRAPH_CHARS
    ]
    pages = []
    for index in range(n):
        site = index % len(templates)
        template = templates[site]
        start, end = _article_run(template)
        paragraphs = rng.sample(pool, rng.randint(4, 10))
        body = "\n".join(f"<p>{DIGIT_RE.sub(lambda _: str(rng.randrange(10)), p)}</p>" for p in paragraphs)
        pages.append(
            (f"http://site{site:02d}.bench.gov.cn/art/{index}.html", template[:start] + body + template[end:])
        )
    return pages


def _timed(action: Callable[[], None]) -> float:
    start = time.process_time()  # CPU time: one core's work, whatever else the machine runs
    action()
    return time.process_time() - start


def main(config_path: Path | None = None) -> None:
    config = load_config(config_path)
    chain = build_chain(config)
    pages = build_pages()
    html_docs = [Document(id=str(i), url=url, text="", html=html) for i, (url, html) in enumerate(pages)]
    html_mb = sum(len(d.html.encode("utf-8")) for d in html_docs if d.html) / 1e6

    def run_html_stages() -> None:
        for doc in html_docs:
            chain.run_html_stages(doc)

    texts: list[str] = []

    def run_extraction() -> None:
        for doc in html_docs:
            texts.append(extract(doc.html or "", doc.url, config.extract).text)

    html_seconds = _timed(run_html_stages)
    extract_seconds = _timed(run_extraction)

    raw_pages = [
        RawPage(url=doc.url, source_path="bench", text=text)
        for doc, text in zip(html_docs, texts, strict=True)
    ]
    text_docs = [prepare_document(page, config.extract, chain.run_html_stages) for page in raw_pages]
    text_mb = sum(len(d.text.encode("utf-8")) for d in text_docs) / 1e6
    # One step at a time through the same chain machinery, to see what each stage costs.
    state = MemoryStateStore()
    per_stage = [
        (step.stage.name, _timed(lambda step=step: StageChain([step]).run_from(text_docs, 0, state)))
        for step in chain.text_steps
    ]
    text_seconds = sum(seconds for _, seconds in per_stage)

    kept = sum(not d.dropped for d in text_docs)
    stages = [s.stage.name for s in chain.html_steps + chain.text_steps]
    print(
        f"pages: {len(pages)} built on {GOLD.name}/ templates; {html_mb:.1f} MB HTML, {text_mb:.1f} MB text"
    )
    print(f"stages ({len(stages)}): {', '.join(stages)}")
    print(_row("html stages", html_seconds, html_mb, "MB/s of HTML per core"))
    print(_row("extraction", extract_seconds, html_mb, "MB/s of HTML per core"))
    print(_row("text stages", text_seconds, text_mb, "MB/s of text per core"))
    for name, seconds in per_stage:
        print(_row(f"  {name}", seconds, text_mb, "MB/s"))
    ratio = (html_seconds + text_seconds) / max(extract_seconds, 1e-9)
    verdict = "met" if ratio < 1 else "NOT met"
    print(
        f"all stages / extraction: {ratio:.2f}x (target < 1: {verdict}); {kept}/{len(text_docs)} documents kept"
    )


def _row(label: str, seconds: float, megabytes: float, unit: str) -> str:
    return f"{label:<22} {seconds:7.2f} s  {megabytes / max(seconds, 1e-9):9.2f} {unit}"


if __name__ == "__main__":
    main()

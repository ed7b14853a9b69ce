"""Language ID throughput: the `language` stage on fastText against the same stage on langdetect.

Documents of about 2 KB are built (seeded) from the paragraphs of the bundled sample documents
(`data/sample/seeds`: simplified and traditional pages), each from one source so a traditional page
stays traditional, one in ten with an English abstract. Both runs are in this process, on one core;
the figure to watch is documents per second of the fastText path (target: 3,000) and its ratio to
langdetect. The run with `add_text_hans` shows what the simplified-text column costs.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from filters.base import Document
from filters.language import Language

SEEDS = Path(__file__).resolve().parent.parent / "data" / "sample" / "seeds"
N_DOCUMENTS = 3000
N_LANGDETECT = 300  # langdetect takes milliseconds a document
DOCUMENT_CHARS = 2000 // 3  # ~2 KB of UTF-8 Chinese
ENGLISH_ABSTRACTS = [
    "Abstract: This paper reviews how county governments organise consultation with non-party "
    "representatives, and argues that regular briefings improve the quality of proposals.",
    "Abstract: Based on survey data from twelve cities, the study finds that grassroots united front "
    "work has expanded its coverage of new social groups since 2018.",
]


def build_documents(n: int = N_DOCUMENTS, seed: int = 20240601) -> list[Document]:
    rng = random.Random(seed)
    sources = [
        [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for path in sorted(SEEDS.glob("*.txt"))
    ]
    if not sources:
        raise FileNotFoundError(f"no sample documents in {SEEDS}")
    documents = []
    for index in range(n):
        paragraphs = sources[index % len(sources)]
        chosen = [rng.choice(ENGLISH_ABSTRACTS)] if index % 10 == 0 else []
        while sum(map(len, chosen)) < DOCUMENT_CHARS:
            chosen.append(rng.choice(paragraphs))
        documents.append(Document(id=str(index), url=f"bench://{index}", text="\n".join(chosen)))
    return documents


def documents_per_second(stage: Language, documents: list[Document]) -> tuple[float, list[str]]:
    languages = []
    start = time.process_time()  # CPU time: one core's work, whatever else the machine runs
    for document in documents:
        languages.append(stage.judge(document).updates["lang"])
    return len(documents) / (time.process_time() - start), languages


def main() -> None:
    documents = build_documents()
    size = sum(len(d.text.encode("utf-8")) for d in documents) / len(documents)
    fasttext_stage = Language(keep_languages=None)
    langdetect_stage = Language(keep_languages=None, use_fasttext=False)
    hans_stage = Language(keep_languages=None, add_text_hans=True)
    documents_per_second(fasttext_stage, documents[:100])  # warm up

    fast, fast_languages = documents_per_second(fasttext_stage, documents)
    slow, slow_languages = documents_per_second(langdetect_stage, documents[:N_LANGDETECT])
    with_hans, _ = documents_per_second(hans_stage, documents)
    agree = sum(a == b for a, b in zip(fast_languages, slow_languages, strict=False)) / N_LANGDETECT
    chinese = fast_languages.count("zh") / len(fast_languages)

    print(f"documents: {len(documents)}, mean {size:.0f} bytes UTF-8; docs per CPU second, one core")
    print(f"language stage, fastText path:       {fast:8.0f} docs/s (target >= 3000)")
    print(f"language stage, langdetect path:     {slow:8.0f} docs/s ({N_LANGDETECT} docs)")
    print(f"fastText / langdetect:               {fast / slow:8.1f}x")
    print(f"fastText path with add_text_hans:    {with_hans:8.0f} docs/s ({with_hans / fast:.2f}x)")
    print(f"decided zh: {chinese:.1%}; fastText and langdetect paths agree on {agree:.1%}")


if __name__ == "__main__":
    main()

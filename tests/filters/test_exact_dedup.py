from __future__ import annotations

from filters.base import Document, MemoryStateStore, apply_verdict
from filters.exact_dedup import ExactDuplicates

ARTICLE = (
    "新华社北京4月24日电 国务院新闻办公室24日举行新闻发布会。\n商务部有关负责人介绍了县域商业体系建设情况。"
)


def docs(*texts: str) -> list[Document]:
    return [Document(id=f"id{i}", url=f"http://site{i}.gov.cn/a.html", text=t) for i, t in enumerate(texts)]


def run(stage: ExactDuplicates, batch: list[Document], state: MemoryStateStore) -> None:
    for doc, verdict in zip(batch, stage.judge_batch(batch, state), strict=True):
        apply_verdict(doc, verdict, stage)


def test_layout_and_width_differences_are_still_duplicates() -> None:
    stage, state = ExactDuplicates(), MemoryStateStore()
    copy = ARTICLE.replace("\n", "\n\n  ").replace("24", "２４")
    batch = docs(ARTICLE, copy, "另一篇完全不同的文章，讲述了乡村振兴的具体做法。")
    run(stage, batch, state)
    assert [d.drop_reason for d in batch] == [None, "exact_dedup_duplicate", None]
    assert batch[0].dup_urls == ["http://site1.gov.cn/a.html"]
    assert batch[1].tags["duplicate_of"] == "id0"
    assert batch[0].content_hash and batch[0].content_hash != batch[2].content_hash


def test_duplicates_of_earlier_runs_are_dropped() -> None:
    stage, state = ExactDuplicates(), MemoryStateStore()
    run(stage, docs(ARTICLE), state)
    later = [Document(id="late", url="http://city.gov.cn/x.html", text=ARTICLE)]
    run(stage, later, state)
    assert later[0].drop_reason == "exact_dedup_duplicate" and later[0].tags["duplicate_of"] == "id0"


def test_remember_off_forgets_between_runs() -> None:
    stage, state = ExactDuplicates(remember_across_runs=False), MemoryStateStore()
    run(stage, docs(ARTICLE), state)
    later = [Document(id="late", url="http://city.gov.cn/x.html", text=ARTICLE)]
    run(stage, later, state)
    assert not later[0].dropped


def test_the_same_document_cleaned_again_is_not_its_own_duplicate() -> None:
    stage, state = ExactDuplicates(), MemoryStateStore()
    run(stage, docs(ARTICLE), state)
    again = docs(ARTICLE)
    run(stage, again, state)
    assert not again[0].dropped

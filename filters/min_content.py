"""Minimum content: drop documents with too little Chinese text left after cleaning.

A page whose article was empty (a listing page, a login wall, a page that was only spam and
navigation) ends up with a few short lines once the other stages have run. Such a page teaches a
language model nothing and is dropped with `min_content_too_few_han` (under `min_han` Han
characters). The default of 50 Han characters is about two sentences of a news item: short notices
(会议通知, 任免) pass, empty shells do not.
"""

from __future__ import annotations

from filters.base import Document, Stage, Verdict
from filters.textstats import count_han


class MinimumContent(Stage):
    name = "min_content"

    def __init__(self, min_han: int | None = 50, min_chars: int | None = None) -> None:
        self.min_han = min_han
        self.min_chars = min_chars

    def judge(self, doc: Document) -> Verdict:
        n_han = count_han(doc.text)
        verdict = Verdict(signals={"n_han": n_han, "n_chars": len(doc.text)})
        if self.min_han is not None and n_han < self.min_han:
            verdict.drop = self.reason("too_few_han")
        elif self.min_chars is not None and len(doc.text) < self.min_chars:
            verdict.drop = self.reason("too_few_chars")
        return verdict

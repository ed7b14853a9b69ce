"""`PageCapture` objects for pipeline tests: a fetched article of a city government site by default."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crawler.items import FETCHED, PageCapture

CRAWL_ID = "20240424T083000Z"
FETCHED_AT = dt.datetime(2024, 4, 24, 8, 30, 15, tzinfo=dt.UTC)


def make_capture(number: int = 1, **fields: Any) -> PageCapture:
    values: dict[str, Any] = {
        "url": f"http://www.example.gov.cn/xwdt/202404/t20240424_{number}.html",
        "site": "example",
        "category": "gov",
        "level": "city",
        "crawl_id": CRAWL_ID,
        "kind": "article",
        "outcome": FETCHED,
        "fetched_at": FETCHED_AT,
        "status": 200,
        "protocol": "HTTP/1.1",
    }
    values.update(fields)
    return PageCapture(**values)

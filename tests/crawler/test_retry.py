"""Retry backoff: exponential, capped, honouring a Retry-After header."""

from __future__ import annotations

import pytest

from crawler.retry import backoff_delay


@pytest.mark.parametrize(
    ("retry_times", "retry_after", "expected"),
    [
        (1, None, 2.0),
        (2, None, 4.0),
        (3, None, 8.0),
        (10, None, 120.0),
        (1, "30", 30.0),
        (1, "600", 120.0),
        (2, "soon", 4.0),
    ],
)
def test_backoff_delay(retry_times: int, retry_after: str | None, expected: float) -> None:
    assert backoff_delay(retry_times, base=2.0, maximum=120.0, retry_after=retry_after) == expected


def test_backoff_can_be_switched_off() -> None:
    assert backoff_delay(3, base=0.0, maximum=120.0) == 0.0

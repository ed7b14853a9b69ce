"""Downloader middleware: Scrapy's retries (5xx, 408, 429, timeouts, dropped connections) with backoff.

Scrapy re-queues a failed request at once; a struggling government server is better served by
waiting. Before the n-th retry goes back to the scheduler this waits
`GOVCORPUS_RETRY_BACKOFF_BASE * 2**(n-1)` seconds, or what a `Retry-After: <seconds>` header asks,
at most `GOVCORPUS_RETRY_BACKOFF_MAX`. The wait holds only the retried request, never the reactor.
Refused addresses (crawler.netguard) are never retried.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.netguard import RefusedAddressError
from crawler.runtime import RETRY_BACKOFF_BASE, RETRY_BACKOFF_MAX


def backoff_delay(retry_times: int, base: float, maximum: float, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number `retry_times` (1 for the first retry)."""
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), maximum)
    return min(base * 2 ** max(retry_times - 1, 0), maximum)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat(RETRY_BACKOFF_BASE)
        self.backoff_max = settings.getfloat(RETRY_BACKOFF_MAX)

    async def _wait(self, retry: Request, retry_after: str | None = None) -> None:
        delay = backoff_delay(
            retry.meta.get("retry_times", 1), self.backoff_base, self.backoff_max, retry_after
        )
        if delay > 0:
            from twisted.internet import reactor

            await maybe_deferred_to_future(deferLater(reactor, delay))

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            retry_after = response.headers.get(b"Retry-After")
            await self._wait(result, retry_after.decode("latin-1") if retry_after else None)
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        if isinstance(exception, RefusedAddressError) or isinstance(exception.__cause__, RefusedAddressError):
            return None
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result)
        return result

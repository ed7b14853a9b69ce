"""Download handler: per-host politeness shared by every worker of a distributed crawl, through Redis.

In one process Scrapy keeps a site polite with its download slot: at most
CONCURRENT_REQUESTS_PER_DOMAIN requests at a time per host, DOWNLOAD_DELAY (with jitter) between
their starts, and AutoThrottle raising the delay when the server slows down. Those stay in force
in each worker. Across workers this handler adds the same rules for each host, kept in Redis:

    <p>:polite:<host>:holders   the requests in flight to the host, by anyone (a ZSET of tokens,
                                each expiring DOWNLOAD_TIMEOUT + 30 s after it was taken, so a
                                killed worker cannot block the host)
    <p>:polite:<host>:next      the earliest time the next request may start (Redis server time)

Before a request goes out (after the worker's own slot let it through, so the worker's delay and
concurrency count first) the handler takes a turn with one Lua script: if fewer than
CONCURRENT_REQUESTS_PER_DOMAIN requests are in flight and `next` has passed, it adds itself to
the holders and sets `next` to now + the delay of the worker's slot (DOWNLOAD_DELAY with jitter,
or what AutoThrottle has raised it to); otherwise it waits and tries again. The turn is given back
when the download ends. So with the defaults no two workers ever talk to one host at once, and
request starts are at least ~DOWNLOAD_DELAY apart over the whole crawl, however many workers.
The waiting is not part of the download: DOWNLOAD_TIMEOUT and AutoThrottle's latencies measure
only the download itself. The keys do not depend on the crawl: two crawls sharing a Redis share
the hosts' turns too.
"""

from __future__ import annotations

import uuid
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.task import deferLater

from crawler.cluster import REDIS_PREFIX, connect

INNER_HANDLER = "GOVCORPUS_POLITENESS_INNER_HANDLER"
DEFAULT_INNER_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
POLL_SECONDS = 0.05  # while the host is busy: how often to ask again
HOLD_MARGIN_SECONDS = 30.0

# KEYS: holders, next. ARGV: token, concurrency, delay ms, hold ms. Returns 0 (go), the ms to wait
# for `next`, or -1 while the host has its fill of requests in flight.
_TAKE_TURN = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local next_start = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < next_start then return next_start - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local hold = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + hold, ARGV[1])
redis.call('PEXPIRE', KEYS[1], hold)
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
return 0
"""


class SharedPolitenessHandler(BaseDownloadHandler):
    """Wraps the HTTP download handler; set for http and https by crawler/cluster.py."""

    lazy = False

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.inner = build_from_crawler(
            load_object(settings.get(INNER_HANDLER) or DEFAULT_INNER_HANDLER), crawler
        )
        self.server = connect(settings)
        self.prefix = settings.get(REDIS_PREFIX) or "govcorpus"
        self.concurrency = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.default_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.hold_ms = int((settings.getfloat("DOWNLOAD_TIMEOUT") + HOLD_MARGIN_SECONDS) * 1000)
        self._take_turn = self.server.register_script(_TAKE_TURN)

    def _keys(self, host: str) -> list[str]:
        return [f"{self.prefix}:polite:{host}:holders", f"{self.prefix}:polite:{host}:next"]

    def _delay(self, slot_key: str) -> float:
        """The worker's current delay for the host: DOWNLOAD_DELAY with jitter, or AutoThrottle's."""
        engine = self.crawler.engine
        slot = engine.downloader.slots.get(slot_key) if engine is not None else None
        return slot.download_delay() if slot is not None else self.default_delay

    async def _take(self, request: Request, keys: list[str], token: str) -> None:
        from twisted.internet import reactor

        slot_key = request.meta.get("download_slot") or ""
        waited = 0.0
        while True:
            delay_ms = int(self._delay(slot_key) * 1000)
            wait_ms = int(self._take_turn(keys=keys, args=[token, self.concurrency, delay_ms, self.hold_ms]))
            if wait_ms == 0:
                break
            pause = POLL_SECONDS if wait_ms < 0 else wait_ms / 1000
            waited += pause
            await maybe_deferred_to_future(deferLater(reactor, pause))
        stats = self.crawler.stats
        if waited and stats is not None:
            stats.inc_value("govcorpus/politeness/waits")
            stats.inc_value("govcorpus/politeness/wait_ms", int(waited * 1000))

    async def download_request(self, request: Request) -> Response:
        host = request.meta.get("download_slot") or urlparse_cached(request).hostname or ""
        keys = self._keys(host)
        token = uuid.uuid4().hex
        await self._take(request, keys, token)
        try:
            return await self.inner.download_request(request)
        finally:
            self.server.zrem(keys[0], token)

    async def close(self) -> None:
        await self.inner.close()

"""scrapy-redis components for a distributed crawl: one queue and one seen-set per site, shared, with leases.

Thin subclasses of scrapy-redis 0.9.1 (July 2024), which predates Scrapy 2.19:
- its scheduler passes `spider=` to the stats collector (a ScrapyDeprecationWarning in 2.19) and,
  when closed without SCHEDULER_PERSIST, deletes the queue and the seen-set other workers use;
- its dupefilter fingerprints requests its own way instead of with Scrapy's
  REQUEST_FINGERPRINTER (used by everything else) and deletes the shared seen-set when closed.

Leases. In plain scrapy-redis a request popped from the queue exists only in the worker's memory:
if the worker is killed, the request is lost (its URL is in the seen-set, so nobody asks for it
again). Here the pop moves the request, atomically (a Lua script), into the site's `leases` hash
under a token `<worker>#<n>` carried in `request.meta`. The lease is released only when the
request is done:
- its page capture went through the item pipelines (stored in a WARC, or dropped on purpose), or
  the spider callback failed (`item_scraped`, `item_dropped`, `item_error`, `spider_error`);
- or it went back to the queue as another request (a redirect, a retry).
`ChildrenFirstMiddleware` puts a page's links into the shared queue before its capture reaches the
pipelines, so a released lease never leaves its page's links behind.

Each worker keeps a heartbeat key that expires `GOVCORPUS_REDIS_LEASE_TTL` seconds after its last
beat. The leases of a worker without a heartbeat are put back into the queue by any other worker
that runs out of requests, and by a worker that starts with the same worker id: a killed worker's
requests are fetched by the others (at least once: a request killed mid-download is fetched again).

A worker stops when its site's queue is empty and no other worker holds a lease: until then they
may still add requests (or die, and their requests come back). A worker with nothing to do looks at
the queue again on the engine's heartbeat, every 5 s. A worker interrupted cleanly (Ctrl-C,
SIGTERM) puts its leases back.

Budget. A site's `max_pages` counts the distinct requests all workers added to the queue (a shared
counter), like the one-process crawl counts the requests its spider makes.
"""

from __future__ import annotations

import logging
from itertools import count
from time import monotonic
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.request import RequestFingerprinter
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.bloom import BloomParameters, RedisBloomFilter
from crawler.cluster import BLOOM_CAPACITY, BLOOM_ERROR_RATE, LEASE_TTL, CrawlKeys, worker_id

logger = logging.getLogger(__name__)

LEASE_META = "govcorpus_lease"
_TOKEN_SEPARATOR = "#"

# Pop the highest-priority request and hold it under a lease, in one step.
_POP_LEASED = """
local popped = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #popped == 0 then return false end
redis.call('ZREM', KEYS[1], popped[1])
redis.call('HSET', KEYS[2], ARGV[1], popped[2] .. '|' .. popped[1])
return popped[1]
"""
# Put a leased request back into the queue with its priority.
_REQUEUE = """
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then return 0 end
local bar = string.find(held, '|', 1, true)
redis.call('ZADD', KEYS[1], string.sub(held, 1, bar - 1), string.sub(held, bar + 1))
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""


def lease_owner(token: str) -> str:
    return token.rsplit(_TOKEN_SEPARATOR, 1)[0]


class LeaseQueue(PriorityQueue):
    """scrapy-redis's priority queue (a ZSET) with leased pops into the `<queue>:leases` hash."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.leases_key = CrawlKeys.from_settings(spider.settings).leases(spider.name)
        self._pop_leased = server.register_script(_POP_LEASED)
        self._requeue = server.register_script(_REQUEUE)

    def pop_leased(self, token: str) -> bytes | None:
        """The serialized request at the head of the queue, now leased under `token`."""
        return self._pop_leased(keys=[self.key, self.leases_key], args=[token])

    def decode(self, data: bytes) -> Request:
        return self._decode_request(data)

    def release(self, *tokens: str) -> None:
        if tokens:
            self.server.hdel(self.leases_key, *tokens)

    def requeue(self, token: str) -> bool:
        return bool(self._requeue(keys=[self.key, self.leases_key], args=[token]))

    def lease_tokens(self) -> list[str]:
        return [token.decode() for token in self.server.hkeys(self.leases_key)]

    def pending(self) -> tuple[int, list[str]]:
        """(how many requests are queued, the lease tokens)."""
        pipe = self.server.pipeline(transaction=False)
        pipe.zcard(self.key)
        pipe.hkeys(self.leases_key)
        queued, tokens = pipe.execute()
        return int(queued), [token.decode() for token in tokens]


def requeue_dead_leases(queue: LeaseQueue, alive_key: Any, exclude: str = "") -> int:
    """Put back the leases of workers without a heartbeat (`alive_key(worker)` missing); returns how many."""
    tokens = queue.lease_tokens()
    owners = sorted({lease_owner(token) for token in tokens} - {exclude})
    if not owners:
        return 0
    pipe = queue.server.pipeline(transaction=False)
    for owner in owners:
        pipe.exists(alive_key(owner))
    dead = {owner for owner, alive in zip(owners, pipe.execute(), strict=True) if not alive}
    return sum(queue.requeue(token) for token in tokens if lease_owner(token) in dead)


class LeasedRedisScheduler(Scheduler):
    """scrapy-redis's scheduler with leases, heartbeats and a shared page budget (module docstring)."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> LeasedRedisScheduler:
        scheduler = cls.from_settings(crawler.settings)
        scheduler.stats = crawler.stats
        scheduler.worker = worker_id(crawler.settings)
        scheduler.lease_ttl = crawler.settings.getfloat(LEASE_TTL)
        scheduler.keys = CrawlKeys.from_settings(crawler.settings)
        scheduler.outstanding = set()
        scheduler.serials = count(1)
        scheduler.last_reclaim = 0.0
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error, signals.spider_error):
            crawler.signals.connect(scheduler._page_done, signal=signal)
        return scheduler

    worker: str
    lease_ttl: float
    keys: CrawlKeys
    outstanding: set[str]
    serials: count[int]
    last_reclaim: float
    queue: LeaseQueue

    # ------------------------------------------------------------------ lifecycle
    def open(self, spider: Any) -> None:
        super().open(spider)
        self.site = spider.name
        self._beat()
        # Leases under this worker's own id were left by a dead process with the same id.
        own = [token for token in self.queue.lease_tokens() if lease_owner(token) == self.worker]
        self._count("requeued_own", sum(self.queue.requeue(token) for token in own))
        self._reclaim(force=True)
        self.heartbeat = create_looping_call(self._beat)
        self.heartbeat.start(max(self.lease_ttl / 3, 0.1), now=False)

    def close(self, reason: str) -> None:
        if getattr(self, "heartbeat", None) is not None and self.heartbeat.running:
            self.heartbeat.stop()
        if self.outstanding:
            if reason == "finished":
                # Nothing is in progress when a spider finishes: these were never released (a bug).
                logger.warning("dropping %d leases never released", len(self.outstanding))
                self.queue.release(*self.outstanding)
            else:
                self._count("requeued_on_close", sum(self.queue.requeue(t) for t in self.outstanding))
            self.outstanding.clear()
        self.server.delete(self.keys.alive(self.site, self.worker))
        super().close(reason)

    def _beat(self) -> None:
        try:
            self.server.set(
                self.keys.alive(self.site, self.worker), 1, px=max(int(self.lease_ttl * 1000), 100)
            )
        except redis.RedisError as error:
            logger.warning("heartbeat to Redis failed: %s", error)

    def _count(self, name: str, value: int = 1) -> None:
        if value and self.stats is not None:
            self.stats.inc_value(f"govcorpus/redis/{name}", value)

    # ------------------------------------------------------------------ queue
    def enqueue_request(self, request: Request) -> bool:
        # A redirect or retry of a leased request carries the work on: its lease is released
        # once the new request is queued (or found to be a duplicate).
        lease = request.meta.get(LEASE_META)
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            self._release(lease)
            return False
        if lease is None and not self._within_budget():
            self._count("skipped_budget")
            return False
        self.queue.push(request)
        self._release(lease)
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis")
            self.stats.inc_value("scheduler/enqueued")
        return True

    def _within_budget(self) -> bool:
        budget = int(getattr(self.spider, "page_budget", 0) or 0)
        return budget <= 0 or int(self.server.incr(self.keys.budget(self.site))) <= budget

    def next_request(self) -> Request | None:
        token = f"{self.worker}{_TOKEN_SEPARATOR}{next(self.serials)}"
        data = self.queue.pop_leased(token)
        if data is None and self._reclaim():
            data = self.queue.pop_leased(token)
        if data is None:
            return None
        try:
            request = self.queue.decode(data)
        except Exception:
            logger.exception("dropping a queued request that cannot be decoded")
            self.queue.release(token)
            self._count("undecodable")
            return None
        request.meta[LEASE_META] = token
        self.outstanding.add(token)
        if self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
            self.stats.inc_value("scheduler/dequeued")
        return request

    def has_pending_requests(self) -> bool:
        queued, tokens = self.queue.pending()
        # This worker's own leases are requests the engine already counts as in progress.
        return queued > 0 or any(lease_owner(token) != self.worker for token in tokens)

    def _reclaim(self, force: bool = False) -> int:
        if not force and monotonic() - self.last_reclaim < max(self.lease_ttl / 3, 0.1):
            return 0
        self.last_reclaim = monotonic()
        requeued = requeue_dead_leases(
            self.queue, lambda owner: self.keys.alive(self.site, owner), self.worker
        )
        if requeued:
            logger.warning("requeued %d requests of workers without a heartbeat", requeued)
            self._count("reclaimed", requeued)
        return requeued

    # ------------------------------------------------------------------ leases
    def _release(self, token: str | None) -> None:
        if token is not None and token in self.outstanding:
            self.outstanding.discard(token)
            self.queue.release(token)

    def _page_done(self, response: Response | Any = None, **_: Any) -> None:
        request = getattr(response, "request", None)
        if request is not None:
            self._release(request.meta.get(LEASE_META))


class ChildrenFirstMiddleware:
    """Spider middleware (engine side): a page's requests reach the scheduler before its items are processed.

    The scraper would hand both to concurrent tasks; here every request of a callback's output is
    scheduled before the first item is let through, so the page's lease, released once its capture
    is stored, never leaves its links unqueued.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ChildrenFirstMiddleware:
        return cls(crawler)

    async def process_spider_output(self, response: Response, result: Any) -> Any:
        items = []
        async for output in result:
            if isinstance(output, Request):
                self.crawler.engine.crawl(output)
            else:
                items.append(output)
        for item in items:
            yield item


class RedisSeenFilter(RFPDupeFilter):
    """scrapy-redis's seen-set (a SET per site) with Scrapy's request fingerprints, kept when closed."""

    def __init__(
        self, server: Any, key: str, debug: bool = False, *, fingerprinter: Any = None, stats: Any = None
    ) -> None:
        super().__init__(server, key, debug)
        self.fingerprinter = fingerprinter or RequestFingerprinter()
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisSeenFilter:
        raise NotConfigured("the Redis seen-set needs LeasedRedisScheduler (crawler/cluster.py sets it)")

    @classmethod
    def from_spider(cls, spider: Any) -> RedisSeenFilter:
        crawler = spider.crawler
        settings = crawler.settings
        return cls(
            get_redis_from_settings(settings),
            key=settings["SCHEDULER_DUPEFILTER_KEY"] % {"spider": spider.name},
            debug=settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
            stats=crawler.stats,
        )

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        """Keep the seen-set: the other workers of the crawl use it."""

    def log(self, request: Request, spider: Any) -> None:
        super().log(request, spider)
        if self.stats is not None:
            self.stats.inc_value("dupefilter/filtered")


class RedisBloomSeenFilter(RedisSeenFilter):
    """The seen-set as a Bloom filter for all sites of the crawl (crawler/bloom.py): fixed memory."""

    def __init__(self, server: Any, key: str, bloom: RedisBloomFilter, **kwargs: Any) -> None:
        super().__init__(server, key, **kwargs)
        self.bloom = bloom

    @classmethod
    def from_spider(cls, spider: Any) -> RedisBloomSeenFilter:
        crawler = spider.crawler
        settings = crawler.settings
        server = get_redis_from_settings(settings)
        parameters = BloomParameters.for_capacity(
            settings.getint(BLOOM_CAPACITY), settings.getfloat(BLOOM_ERROR_RATE)
        )
        key = CrawlKeys.from_settings(settings).bloom
        return cls(
            server,
            key,
            RedisBloomFilter(server, key, parameters),
            debug=settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
            stats=crawler.stats,
        )

    def request_seen(self, request: Request) -> bool:
        return not self.bloom.add(self.fingerprinter.fingerprint(request))

    def clear(self) -> None:
        self.bloom.clear()

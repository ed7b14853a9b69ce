"""A distributed crawl (`govcorpus crawl --redis URL`): what the workers share in Redis, and how they join.

Several `govcorpus crawl --redis URL` processes, on one machine or many, are the workers of one
crawl. In Redis, under `GOVCORPUS_REDIS_PREFIX` (default `govcorpus`):

    <p>:crawl:current             the id of the crawl in progress; a worker that starts joins it
    <p>:<crawl>:sites             the sites any worker of the crawl has crawled
    <p>:<crawl>:<site>:queue      the pending requests (scrapy-redis priority queue, a ZSET)
    <p>:<crawl>:<site>:leases     requests a worker has taken and not finished (crawler/distributed.py)
    <p>:<crawl>:<site>:alive:<w>  worker w's heartbeat (expires after GOVCORPUS_REDIS_LEASE_TTL)
    <p>:<crawl>:<site>:seen       the seen-set (a SET of request fingerprints), or
    <p>:<crawl>:bloom             the Bloom filter for every site (GOVCORPUS_REDIS_DUPEFILTER=bloom)
    <p>:<crawl>:<site>:budget     requests created so far, against the site's max_pages
    <p>:polite:<host>:*           per-host politeness across workers (crawler/politeness.py)

What stays per machine: `data/state/crawl.sqlite` (validators and digests for conditional
requests, the fetch log), and `data/raw/<crawl>/`, where every worker writes its own WARC and
capture-index files (`<site>-<crawl>-<worker>-<nnnnn>.warc.gz`). A page held on another machine is
fetched in full and stored again; run each site's workers on one machine (`--sites`) when that
matters.

The crawl id: the first worker sets `<p>:crawl:current`; later workers join that crawl until it
is done, that is until every site's queue and leases are empty, when the last worker to finish
clears it and lets the crawl's keys expire after `GOVCORPUS_REDIS_KEEP_SECONDS` (a late worker of
the same crawl then finds every start page seen and stops). A crawl whose workers all stopped
before it was done is joined, i.e. resumed, by the next worker; `--fresh` discards it instead,
refused while any of its workers is alive.

The machine's lock file (`data/state/crawl.lock`, crawler/locks.py) is taken shared by workers and
exclusive by a local crawl: workers of a distributed crawl run side by side, a local crawl waits
for them. A worker that finds itself alone on the machine (at start and at the end) repairs the
WARC files that killed workers left open.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import time
from dataclasses import dataclass
from typing import Any

import redis

from crawler.runtime import CRAWL_ID, WORKER_ID, new_crawl_id

REDIS_URL = "GOVCORPUS_REDIS_URL"
REDIS_PREFIX = "GOVCORPUS_REDIS_PREFIX"
REDIS_DUPEFILTER = "GOVCORPUS_REDIS_DUPEFILTER"
BLOOM_CAPACITY = "GOVCORPUS_BLOOM_CAPACITY"
BLOOM_ERROR_RATE = "GOVCORPUS_BLOOM_ERROR_RATE"
LEASE_TTL = "GOVCORPUS_REDIS_LEASE_TTL"
KEEP_SECONDS = "GOVCORPUS_REDIS_KEEP_SECONDS"
PREFETCH = "GOVCORPUS_REDIS_PREFETCH"

DUPEFILTERS = {
    "set": "crawler.distributed.RedisSeenFilter",
    "bloom": "crawler.distributed.RedisBloomSeenFilter",
}
# scrapy-redis's connection defaults (scrapy_redis.defaults.REDIS_PARAMS), which its scheduler uses.
CONNECTION_DEFAULTS = {"socket_timeout": 30, "socket_connect_timeout": 30, "retry_on_timeout": True}
_WORKER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# Compare-and-delete: clear the current crawl only if it is still the one that finished.
_CLEAR_CURRENT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class ClusterError(Exception):
    """Redis cannot be used for the crawl (unreachable, bad URL, a worker id that cannot be a name)."""


class CrawlBusy(ClusterError):
    """`--fresh` while workers of the current crawl are still alive."""


@dataclass(frozen=True, slots=True)
class CrawlKeys:
    prefix: str
    crawl_id: str

    @classmethod
    def from_settings(cls, settings: Any) -> CrawlKeys:
        return cls(settings.get(REDIS_PREFIX) or "govcorpus", settings.get(CRAWL_ID))

    @staticmethod
    def current(prefix: str) -> str:
        return f"{prefix}:crawl:current"

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, self.crawl_id, *parts))

    @property
    def sites(self) -> str:
        return self._key("sites")

    @property
    def bloom(self) -> str:
        return self._key("bloom")

    @property
    def pattern(self) -> str:
        """Every key of the crawl (SCAN MATCH)."""
        return self._key("*")

    def queue(self, site: str) -> str:
        return self._key(site, "queue")

    def leases(self, site: str) -> str:
        return self._key(site, "leases")

    def alive(self, site: str, worker: str) -> str:
        return self._key(site, "alive", worker)

    def seen(self, site: str) -> str:
        return self._key(site, "seen")

    def budget(self, site: str) -> str:
        return self._key(site, "budget")


def connect(settings: Any) -> redis.Redis:
    """The Redis client of `GOVCORPUS_REDIS_URL`, checked with PING."""
    url = settings.get(REDIS_URL)
    try:
        client = redis.Redis.from_url(url, **{**CONNECTION_DEFAULTS, **settings.getdict("REDIS_PARAMS")})
        client.ping()
    except (redis.RedisError, ValueError) as error:
        shown = re.sub(r"//[^/@]*@", "//***@", str(url))  # no password in logs
        raise ClusterError(f"cannot use Redis at {shown}: {error}") from error
    return client


def worker_id(settings: Any) -> str:
    """`GOVCORPUS_WORKER_ID`, or `<host>-<pid>`: names this worker's files and leases.

    Ids must be unique among the live workers of a crawl. A worker restarted with the id of a dead
    one takes back that one's unfinished requests at once (no wait for its heartbeat to expire).
    """
    chosen = settings.get(WORKER_ID)
    if not chosen:
        host = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname().split(".")[0]).strip("-._")
        return f"{host or 'worker'}-{os.getpid()}"[-64:]
    if not _WORKER_ID_RE.match(chosen):
        raise ClusterError(f"worker id {chosen!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return chosen


def live_workers(client: redis.Redis, keys: CrawlKeys) -> int:
    return sum(1 for _ in client.scan_iter(match=keys.alive("*", "*"), count=1000))


def join_crawl(client: redis.Redis, prefix: str, sites: list[str], fresh: bool) -> tuple[str, bool]:
    """(crawl id, joined): the crawl in progress, or a new one this worker starts."""
    current_key = CrawlKeys.current(prefix)
    current = client.get(current_key)
    if current is not None and fresh:
        keys = CrawlKeys(prefix, current.decode())
        if live_workers(client, keys):
            raise CrawlBusy(f"crawl {keys.crawl_id} still has live workers; not discarding it")
        _delete_matching(client, keys.pattern)
        client.eval(_CLEAR_CURRENT, 1, current_key, keys.crawl_id)
    while True:
        candidate = new_crawl_id()
        # A crawl that finished within this second keeps its keys for a while: never reuse its id.
        if client.exists(CrawlKeys(prefix, candidate).sites):
            time.sleep(0.2)
            continue
        if client.set(current_key, candidate, nx=True):
            crawl_id, joined = candidate, False
            break
        existing = client.get(current_key)
        if existing is not None:
            crawl_id, joined = existing.decode(), True
            break
    if sites:
        client.sadd(CrawlKeys(prefix, crawl_id).sites, *sites)
    return crawl_id, joined


def finish_if_drained(client: redis.Redis, keys: CrawlKeys, keep_seconds: int) -> bool:
    """Mark the crawl done if no site has pending or taken requests; True if it is done."""
    sites = [site.decode() for site in client.smembers(keys.sites)]
    pipe = client.pipeline(transaction=False)
    for site in sites:
        pipe.zcard(keys.queue(site))
        pipe.hlen(keys.leases(site))
    if any(pipe.execute()):
        return False
    client.eval(_CLEAR_CURRENT, 1, CrawlKeys.current(keys.prefix), keys.crawl_id)
    for key in client.scan_iter(match=keys.pattern, count=1000):
        client.expire(key, keep_seconds)
    return True


def _delete_matching(client: redis.Redis, pattern: str) -> None:
    batch = []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            client.unlink(*batch)
            batch = []
    if batch:
        client.unlink(*batch)


def check_settings(settings: Any) -> None:
    """Raise ClusterError for what would stop a worker after it joined the crawl."""
    if importlib.util.find_spec("scrapy_redis") is None:
        raise ClusterError(
            "a distributed crawl needs scrapy-redis: pip install -c constraints.txt -e '.[scale]'"
        )
    dupefilter = settings.get(REDIS_DUPEFILTER) or "set"
    if dupefilter not in DUPEFILTERS:
        raise ClusterError(f"{REDIS_DUPEFILTER} must be one of {', '.join(DUPEFILTERS)}, got {dupefilter!r}")


def apply_distributed_settings(settings: Any, crawl_id: str, worker: str) -> None:
    """Switch the crawler's scheduler, seen-set and HTTP downloads to the shared Redis versions."""
    check_settings(settings)
    keys = CrawlKeys(settings.get(REDIS_PREFIX) or "govcorpus", crawl_id)
    dupefilter = settings.get(REDIS_DUPEFILTER) or "set"
    spider_middlewares = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    # Engine side of every other spider middleware: sees the requests they let through.
    spider_middlewares["crawler.distributed.ChildrenFirstMiddleware"] = 10
    handler = "crawler.politeness.SharedPolitenessHandler"
    overrides = {
        CRAWL_ID: crawl_id,
        WORKER_ID: worker,
        "REDIS_URL": settings.get(REDIS_URL),
        "SCHEDULER": "crawler.distributed.LeasedRedisScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.LeaseQueue",
        "SCHEDULER_QUEUE_KEY": keys.queue("%(spider)s"),
        "SCHEDULER_DUPEFILTER_KEY": keys.seen("%(spider)s"),
        "DUPEFILTER_CLASS": DUPEFILTERS[dupefilter],
        # The queue and the seen-set belong to the crawl, not to this worker: never flushed on close.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": False,
        "SPIDER_MIDDLEWARES": spider_middlewares,
        "CONCURRENT_REQUESTS": max(1, settings.getint(PREFETCH)),
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
    }
    settings.setdict(overrides, priority="cmdline")

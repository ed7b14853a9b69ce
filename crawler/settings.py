"""Scrapy settings: politeness and safety. Everything a site operator would care about is here.

Override per run with `govcorpus crawl -s NAME=VALUE` or `scrapy crawl ... -s NAME=VALUE`.
The bot identifies itself: set `GOVCORPUS_CONTACT_URL` (a page saying who runs the crawl and how
to reach them) or the whole `GOVCORPUS_USER_AGENT` in the environment.
"""

from __future__ import annotations

import os

BOT_NAME = "govcorpus"
BOT_VERSION = "0.1"
DEFAULT_CONTACT_URL = "https://example.org/govcorpus-crawler"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
SPIDER_LOADER_CLASS = "crawler.spiderloader.SiteSpiderLoader"

# ---------------------------------------------------------------- identity
CONTACT_URL = os.environ.get("GOVCORPUS_CONTACT_URL", DEFAULT_CONTACT_URL)
USER_AGENT = os.environ.get("GOVCORPUS_USER_AGENT") or f"govcorpus-bot/{BOT_VERSION} (+{CONTACT_URL})"
ROBOTSTXT_USER_AGENT = "govcorpus-bot"
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}

# ---------------------------------------------------------------- politeness
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16  # across sites; each site is its own crawler in `govcorpus crawl`
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0  # seconds between requests to one domain
DOWNLOAD_DELAY_JITTER = 0.5  # randomised 0.5x-1.5x
AUTOTHROTTLE_ENABLED = True  # slows down further when the server answers slowly
AUTOTHROTTLE_START_DELAY = 5.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30

# Retries on server errors and timeouts, with exponential backoff (crawler/retry.py).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
GOVCORPUS_RETRY_BACKOFF_BASE = 2.0
GOVCORPUS_RETRY_BACKOFF_MAX = 120.0

# Size caps. In Scrapy 2.19 DOWNLOAD_MAXSIZE bounds the body as received AND, in
# HttpCompressionMiddleware, the body after gzip/deflate/br/zstd decompression (a larger one is
# dropped, so a compression bomb cannot exhaust memory); sitemaps are bounded the same way.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
COMPRESSION_ENABLED = True

REDIRECT_MAX_TIMES = 5
METAREFRESH_MAXDELAY = 10

# Public pages need no cookies; without them no session tracking, and Scrapy's cookie
# middleware (the only tldextract user) never runs.
COOKIES_ENABLED = False
HTTPCACHE_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# ---------------------------------------------------------------- safety
# Off-site and private-address refusal for every request and redirect (crawler/guard.py) and in
# the resolver itself (crawler/netguard.py). GOVCORPUS_ALLOW_HOSTS lists hosts (as written in
# URLs) let through the private-address refusal: intranet mirrors, tests.
TWISTED_DNS_RESOLVER = "crawler.netguard.GuardedResolver"
GOVCORPUS_ALLOW_HOSTS: list[str] = []

DOWNLOADER_MIDDLEWARES = {
    "crawler.guard.SiteGuardMiddleware": 10,
    # Replaced by the guard, which is stricter (ignores dont_filter) and reports each refusal;
    # Scrapy's drops off-site redirects silently when they are scheduled.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.conditional.ConditionalRequestMiddleware": 540,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.BackoffRetryMiddleware": 550,
}

# ---------------------------------------------------------------- captures and state
ITEM_PIPELINES = {
    "pipelines.crawl_state.CrawlStatePipeline": 100,
    "pipelines.warc_writer.WarcWriterPipeline": 300,
    "pipelines.capture_index.CaptureIndexPipeline": 400,
}
GOVCORPUS_DATA_DIR = "data"  # raw/ (WARC + capture index) and state/ (SQLite, lock, jobs) below it
GOVCORPUS_WARC_MAX_BYTES = 1024 * 1024 * 1024  # a new WARC file once one reaches this size
GOVCORPUS_INDEX_FLUSH_ROWS = 5000  # capture-index rows per Parquet part file
GOVCORPUS_MAX_PAGES = 0  # per site and run, on top of each site's max_pages; 0 = no extra cap

# ---------------------------------------------------------------- distributed crawl
# `govcorpus crawl --redis URL` (or this setting, or the environment variable) makes the process
# one worker of a distributed crawl: queue, seen-set, crawl id and per-host politeness in Redis,
# shared by all workers with the same URL and prefix (crawler/cluster.py, crawler/distributed.py,
# crawler/politeness.py). Keep that Redis private: queued requests are pickled.
GOVCORPUS_REDIS_URL = os.environ.get("GOVCORPUS_REDIS_URL", "")
GOVCORPUS_REDIS_PREFIX = "govcorpus"
GOVCORPUS_REDIS_DUPEFILTER = "set"  # "set": exact, grows with the crawl; "bloom": fixed size (below)
GOVCORPUS_BLOOM_CAPACITY = 20_000_000  # URLs of the whole crawl, all sites: 34.3 MiB at 0.1%
GOVCORPUS_BLOOM_ERROR_RATE = 0.001  # new URLs taken for seen (not fetched this crawl) at capacity
GOVCORPUS_REDIS_LEASE_TTL = 30.0  # seconds without a heartbeat before a worker's requests go back
GOVCORPUS_REDIS_KEEP_SECONDS = 7 * 24 * 3600  # a finished crawl's keys (seen-set) expire after this
# Requests a worker takes from a site's queue ahead (its CONCURRENT_REQUESTS per site): more would
# only hoard requests that wait for the host's turn while other workers sit idle.
GOVCORPUS_REDIS_PREFETCH = 2

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

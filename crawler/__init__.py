"""Scrapy project: polite, incremental crawls of government and party sites into WARC.

Scrapy's cookie middleware splits domains with tldextract, which downloads the Public Suffix List
on first use unless told otherwise. An empty URL list keeps it on the snapshot bundled with
tldextract, so no crawl ever fetches it. It must be set before Scrapy imports the middleware,
hence here (every `crawler.*` import, including the settings module, runs this first).
"""

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

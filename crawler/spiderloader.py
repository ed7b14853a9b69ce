"""Spider loader: the spiders in `SPIDER_MODULES` plus one generated spider per site in the sites file.

`scrapy list` then shows `site` (the base spider, `-a site=KEY`) and every site key, and
`scrapy crawl KEY` runs the site. The sites file is `GOVCORPUS_SITES_FILE` (default
crawler/sites.yaml); a bad file fails loudly here, naming the site and field.
"""

from __future__ import annotations

from typing import Any

from scrapy.spiderloader import SpiderLoader

from crawler.runtime import sites_file
from crawler.spiders.base import site_spider_classes


class SiteSpiderLoader(SpiderLoader):
    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        for spider_class in site_spider_classes(sites_file(settings)):
            self._found[spider_class.name].append((spider_class.__module__, spider_class.__name__))
            self._spiders[spider_class.name] = spider_class
        self._check_name_duplicates()

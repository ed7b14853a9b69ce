"""`crawler/sites.yaml` (or any file of the same schema) loaded into typed, immutable `Site` objects.

The file is checked as a whole when it is loaded: an unknown field, a missing required field, a
wrong type, a start URL outside the site's allowed domains or a pattern that does not compile is
a `SiteConfigError` whose message names the file, the site and the field.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from parsel.csstranslator import HTMLTranslator

from pipelines.config import read_yaml

DEFAULT_SITES_PATH = Path(__file__).resolve().parent / "sites.yaml"

CATEGORIES = ("gov", "party", "cppcc", "united_front", "media")
LEVELS = ("central", "provincial", "city", "county")

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Names the base spider and Scrapy commands already use.
_RESERVED_KEYS = frozenset({"site"})


class SiteConfigError(ValueError):
    """A sites file that cannot be used; the message names the file, the site and the field."""


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    category: str
    level: str
    allowed_domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    sitemaps: tuple[str, ...] = ()
    region: str | None = None
    article_patterns: tuple[re.Pattern[str], ...] = ()
    listing_patterns: tuple[re.Pattern[str], ...] = ()
    deny_patterns: tuple[re.Pattern[str], ...] = ()
    content_selectors: tuple[str, ...] = ()
    max_depth: int = 2
    max_pages: int = 2000
    max_list_pages: int = 5
    notes: str = ""

    @property
    def central(self) -> bool:
        """Central (national) sites are preferred when near-duplicates are resolved."""
        return self.level == "central"

    def allows_host(self, host: str | None) -> bool:
        if not host:
            return False
        host = host.lower().rstrip(".")
        return any(host == domain or host.endswith("." + domain) for domain in self.allowed_domains)

    def allows_url(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and self.allows_host(parts.hostname)


@dataclass(frozen=True)
class SiteList:
    sites: tuple[Site, ...]
    source: str
    _by_key: dict[str, Site] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {site.key: site for site in self.sites})

    def __iter__(self) -> Iterator[Site]:
        return iter(self.sites)

    def __len__(self) -> int:
        return len(self.sites)

    def keys(self) -> list[str]:
        return [site.key for site in self.sites]

    def get(self, key: str) -> Site:
        try:
            return self._by_key[key]
        except KeyError:
            raise SiteConfigError(
                f"{self.source}: no site {key!r} (known: {', '.join(sorted(self._by_key))})"
            ) from None


_FIELDS = {
    "key",
    "name",
    "category",
    "level",
    "allowed_domains",
    "start_urls",
    "sitemaps",
    "region",
    "article_patterns",
    "listing_patterns",
    "deny_patterns",
    "content_selectors",
    "max_depth",
    "max_pages",
    "max_list_pages",
    "notes",
}
_REQUIRED = ("key", "name", "category", "level", "allowed_domains", "start_urls")


def load_sites(path: str | Path | None = None) -> SiteList:
    sites_path = Path(path) if path is not None else DEFAULT_SITES_PATH
    return parse_sites(read_yaml(sites_path, SiteConfigError, "sites file"), str(sites_path))


def parse_sites(raw: Any, source: str) -> SiteList:
    if not isinstance(raw, dict) or set(raw) != {"sites"}:
        raise SiteConfigError(f"{source}: the top level must be a mapping with one key, 'sites'")
    entries = raw["sites"]
    if not isinstance(entries, list) or not entries:
        raise SiteConfigError(f"{source}: 'sites' must be a non-empty list")
    sites: list[Site] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        site = _parse_site(entry, source, index)
        if site.key in seen:
            raise SiteConfigError(f"{source}: site {site.key!r}: field 'key': duplicate key")
        seen.add(site.key)
        sites.append(site)
    return SiteList(tuple(sites), source)


class _Entry:
    """One raw entry with error messages that name the file, the site and the field."""

    def __init__(self, raw: dict[str, Any], source: str, label: str) -> None:
        self.raw = raw
        self.source = source
        self.label = label

    def error(self, name: str, problem: str) -> SiteConfigError:
        return SiteConfigError(f"{self.source}: site {self.label}: field {name!r}: {problem}")

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, f"expected a non-empty string, got {value!r}")
        return value.strip()

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.text(name)
        if value not in choices:
            raise self.error(name, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def strings(self, name: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(name, "expected a list of non-empty strings")
        if required and not value:
            raise self.error(name, "must not be empty")
        return tuple(v.strip() for v in value)

    def integer(self, name: str, default: int, minimum: int) -> int:
        value = self.raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(name, f"expected an integer >= {minimum}, got {value!r}")
        return value

    def patterns(self, name: str) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for pattern in self.strings(name):
            try:
                compiled.append(re.compile(pattern))
            except re.error as error:
                raise self.error(name, f"bad regular expression {pattern!r}: {error}") from None
        return tuple(compiled)

    def selectors(self, name: str) -> tuple[str, ...]:
        translator = HTMLTranslator()
        selectors = self.strings(name)
        for selector in selectors:
            try:
                translator.css_to_xpath(selector)
            except Exception as error:  # cssselect raises several unrelated exception types
                raise self.error(name, f"bad CSS selector {selector!r}: {error}") from None
        return selectors


def _parse_site(raw: Any, source: str, index: int) -> Site:
    if not isinstance(raw, dict):
        raise SiteConfigError(f"{source}: site #{index + 1}: expected a mapping, got {type(raw).__name__}")
    key = raw.get("key")
    label = repr(key) if isinstance(key, str) else f"#{index + 1}"
    entry = _Entry(raw, source, label)
    for name in sorted(set(raw) - _FIELDS):
        raise entry.error(name, f"unknown field (known: {', '.join(sorted(_FIELDS))})")
    for name in _REQUIRED:
        if name not in raw:
            raise entry.error(name, "missing")
    if not isinstance(key, str) or not _KEY_RE.match(key) or key in _RESERVED_KEYS:
        raise entry.error(
            "key", "expected 2-63 lower-case letters, digits or '_', starting with a letter (not 'site')"
        )

    domains = tuple(_domain(entry, d) for d in entry.strings("allowed_domains", required=True))
    site = Site(
        key=key,
        name=entry.text("name") or "",
        category=entry.choice("category", CATEGORIES),
        level=entry.choice("level", LEVELS),
        allowed_domains=domains,
        start_urls=entry.strings("start_urls", required=True),
        sitemaps=entry.strings("sitemaps"),
        region=entry.text("region"),
        article_patterns=entry.patterns("article_patterns"),
        listing_patterns=entry.patterns("listing_patterns"),
        deny_patterns=entry.patterns("deny_patterns"),
        content_selectors=entry.selectors("content_selectors"),
        max_depth=entry.integer("max_depth", 2, 0),
        max_pages=entry.integer("max_pages", 2000, 1),
        max_list_pages=entry.integer("max_list_pages", 5, 1),
        notes=entry.text("notes") or "",
    )
    for name in ("start_urls", "sitemaps"):
        for url in getattr(site, name):
            if not site.allows_url(url):
                raise entry.error(name, f"{url!r} is not an http(s) URL inside allowed_domains")
    return site


def _domain(entry: _Entry, value: str) -> str:
    domain = value.lower().rstrip(".")
    try:
        ipaddress.ip_address(domain)
        return domain
    except ValueError:
        pass
    labels = domain.split(".")
    if (len(labels) < 2 and domain != "localhost") or not all(
        _HOST_LABEL_RE.match(label) for label in labels
    ):
        raise entry.error("allowed_domains", f"{value!r} is not a host name (no scheme, port or path)")
    return domain

"""crawler/sites.yaml and its schema check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.sites import CATEGORIES, SiteConfigError, load_sites, parse_sites

REQUIRED_HOSTS = {
    "www.gov.cn",
    "www.zytzb.gov.cn",
    "www.cppcc.gov.cn",
    "www.rmzxb.com.cn",
    "www.minge.gov.cn",
    "www.mmzy.org.cn",
    "www.cndca.org.cn",
    "www.mj.org.cn",
    "www.ngd.org.cn",
    "www.zg.org.cn",
    "www.93.gov.cn",
    "www.taimeng.org.cn",
    "www.acfic.org.cn",
    "cpc.people.com.cn",
    "www.12371.cn",
    "www.qstheory.cn",
}


def test_shipped_sites_cover_the_required_bodies() -> None:
    sites = load_sites()
    assert len(sites) >= 20
    hosts = {domain for site in sites for domain in site.allowed_domains}
    assert hosts >= REQUIRED_HOSTS
    assert {site.category for site in sites} == set(CATEGORIES)
    local = [site for site in sites if not site.central]
    assert len(local) >= 3 and {site.category for site in local} >= {"cppcc", "united_front"}
    assert all(site.region for site in local)


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": "example_tzb",
        "name": "某某省委统战部",
        "category": "united_front",
        "level": "provincial",
        "allowed_domains": ["www.example-tzb.gov.cn"],
        "start_urls": ["http://www.example-tzb.gov.cn/"],
    }
    for name, value in changes.items():
        if value is None:
            entry.pop(name)
        else:
            entry[name] = value
    return entry


def test_a_good_entry_loads_with_defaults() -> None:
    site = parse_sites({"sites": [_entry(article_patterns=[r"/tzxw/\d+\.html$"])]}, "test.yaml").get(
        "example_tzb"
    )
    assert (site.max_depth, site.max_pages, site.max_list_pages) == (2, 2000, 5)
    assert not site.central and site.article_patterns[0].search("/tzxw/123.html")


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"homepage": "x"}, "homepage", "unknown field"),
        ({"name": None}, "name", "missing"),
        ({"category": "ministry"}, "category", "expected one of"),
        ({"level": "national"}, "level", "expected one of"),
        ({"allowed_domains": ["https://www.example-tzb.gov.cn/"]}, "allowed_domains", "not a host name"),
        ({"allowed_domains": []}, "allowed_domains", "must not be empty"),
        ({"start_urls": ["http://www.other.gov.cn/"]}, "start_urls", "inside allowed_domains"),
        ({"start_urls": "http://www.example-tzb.gov.cn/"}, "start_urls", "list of non-empty strings"),
        ({"sitemaps": ["ftp://www.example-tzb.gov.cn/sitemap.xml"]}, "sitemaps", "http(s) URL"),
        ({"article_patterns": ["/art_(\\d+.html"]}, "article_patterns", "bad regular expression"),
        ({"content_selectors": ["div..content"]}, "content_selectors", "bad CSS selector"),
        ({"max_pages": 0}, "max_pages", "integer >= 1"),
        ({"max_depth": True}, "max_depth", "integer >= 0"),
        ({"key": "Example-TZB"}, "key", "lower-case"),
        ({"key": "site"}, "key", "not 'site'"),
    ],
)
def test_a_bad_entry_names_the_site_and_field(changes: dict[str, Any], field: str, problem: str) -> None:
    with pytest.raises(SiteConfigError) as caught:
        parse_sites({"sites": [_entry(), _entry(**{"key": "second_site", **changes})]}, "test.yaml")
    message = str(caught.value)
    label = repr(changes.get("key", "second_site"))
    assert message.startswith(f"test.yaml: site {label}: field '{field}'"), message
    assert problem in message


def test_duplicate_keys_and_bad_top_level_are_errors(tmp_path: Path) -> None:
    with pytest.raises(SiteConfigError, match="field 'key': duplicate key"):
        parse_sites({"sites": [_entry(), _entry()]}, "test.yaml")
    with pytest.raises(SiteConfigError, match="one key, 'sites'"):
        parse_sites([_entry()], "test.yaml")
    path = tmp_path / "sites.yaml"
    path.write_text("sites: [\n", encoding="utf-8")
    with pytest.raises(SiteConfigError, match="cannot read sites file"):
        load_sites(path)
    with pytest.raises(SiteConfigError, match="not found"):
        load_sites(tmp_path / "missing.yaml")


def test_unknown_site_key_lists_the_known_ones() -> None:
    sites = parse_sites({"sites": [_entry()]}, "test.yaml")
    with pytest.raises(SiteConfigError, match="no site 'gov_cn' \\(known: example_tzb\\)"):
        sites.get("gov_cn")


def test_allowed_hosts_include_subdomains_but_not_lookalikes() -> None:
    site = parse_sites(
        {
            "sites": [
                _entry(allowed_domains=["example-tzb.gov.cn"], start_urls=["http://example-tzb.gov.cn/"])
            ]
        },
        "t",
    ).get("example_tzb")
    assert site.allows_url("http://www.example-tzb.gov.cn/tzxw/1.html")
    assert site.allows_url("https://EXAMPLE-TZB.gov.cn./")
    assert not site.allows_url("http://evilexample-tzb.gov.cn/")
    assert not site.allows_url("http://example-tzb.gov.cn.evil.example/")
    assert not site.allows_url("javascript:void(0)")
    assert not site.allows_url("ftp://example-tzb.gov.cn/file")


def test_shipped_file_is_plain_yaml_with_one_mapping_per_site() -> None:
    raw = yaml.safe_load(Path(load_sites().source).read_text(encoding="utf-8"))
    assert all(isinstance(entry, dict) and "key" in entry for entry in raw["sites"])

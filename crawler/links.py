"""URL shapes of Chinese government CMSs: article or listing, pagination, and TRS script paging.

The crawler cannot see most target sites before it runs, so it relies on the URL conventions the
common CMSs share rather than on per-site rules:

- TRS WCM: `./202404/t20240424_123.html`; listings `index.html`, `index_1.html`, ... written by
  `createPageHTML(total, current, "index", "html")` in a script, not as links;
- Hanweb (大汉): `/art/2024/4/24/art_1229_123.html`, listings `/col/col1229/index.html`;
- the State Council and Xinhua CMSs: `/2024-04/24/content_5743.htm`, `/<yyyy-mm>/<dd>/c_<id>.htm`;
- the People's Daily CMS: `/n1/2024/0424/c1001-40223222.html`;
- the CCTV CMS (共产党员网, 中国政协网): `/2024/04/24/ARTI<id>.shtml`;
- JEECMS and many others: a long numeric id as the file name under a dated or column path.

A URL that matches none is fetched once and judged by page shape (crawler/pages.py).
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from crawler.sites import Site

PageKind = Literal["article", "listing", "unknown"]

_PAGE_EXT = r"(?:s?html?|jhtml|jspx?|aspx?|php)"

ARTICLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date_dir", re.compile(r"/20\d{2}-\d{2}/\d{2}/[^/]+$")),
    ("people_cms", re.compile(r"/n\d/20\d{2}/\d{4}/c\d+-\d+\.html?$")),
    ("hanweb_art", re.compile(r"/art_\d+_\d+\.html?$")),
    ("content_id", re.compile(r"/content_\d+\.s?html?$")),
    ("trs_dated", re.compile(r"/t20\d{6}_\d+\.s?html?$")),
    ("cctv_arti", re.compile(r"/ARTI\w{8,}\.shtml$")),
    ("xinhua_c", re.compile(r"/c_\d+\.s?html?$")),
    ("dated_path_id", re.compile(rf"/20\d{{2}}[-/]?[01]\d[-/]?[0-3]\d/[^/]*\d{{3,}}[^/]*\.{_PAGE_EXT}$")),
    ("info_cms", re.compile(r"/info/\d+/\d+\.s?html?$")),
    ("numeric_id", re.compile(rf"/\d{{5,}}\.{_PAGE_EXT}$")),
    (
        "detail_query",
        re.compile(r"/\w*(?:detail|article|content|show)\w*\.\w+\?(?:.*&)?\w*id=\d+", re.IGNORECASE),
    ),
)

_LISTING_NAME = re.compile(
    rf"/(?:index|list|default|node|more|column)(?:[_-]\w+)?\.{_PAGE_EXT}$|/(?:col|node)[_/]?\w*/$|/$",
    re.IGNORECASE,
)

# Page numbers in URLs: index_3.html, list_3.html, list-3.html, node_12_3.htm, ?page=3, ?pageNo=3 ...
_PAGE_IN_PATH = re.compile(
    rf"/(?:index|list|default|node(?:_\d+)?|more)[_-](\d{{1,4}})\.{_PAGE_EXT}$", re.IGNORECASE
)
_PAGE_PARAMS = frozenset(
    {"page", "pageno", "pagenum", "pageindex", "p", "pn", "currpage", "curpage", "currentpage"}
)
_PAGINATION_TEXT = re.compile(
    r"^\s*(?:下一?页|上一?页|首页|尾页|末页|最后一页|第\s*\d+\s*页|\d{1,4}|next|prev(?:ious)?|last|first|[<>»«]+)\s*$",
    re.IGNORECASE,
)

_CREATE_PAGE_RE = re.compile(r"createPageHTML\s*\(([^)]{0,300})\)")
_PAGE_EXTENSIONS = frozenset({"html", "htm", "shtml", "jhtml"})


def canonical_link(url: str) -> str:
    """The URL without its fragment, the form used for de-duplication and state."""
    return urldefrag(url.strip())[0]


def classify_url(url: str, site: Site | None = None) -> PageKind:
    """Article, listing, or unknown (decided later by page shape) from the URL alone."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "unknown"
    path = parts.path or "/"
    target = path + ("?" + parts.query if parts.query else "")
    if site is not None:
        if any(p.search(target) for p in site.listing_patterns):
            return "listing"
        if any(p.search(target) for p in site.article_patterns):
            return "article"
    if _LISTING_NAME.search(path) or page_number(url) is not None:
        return "listing"
    if any(pattern.search(target) for _, pattern in ARTICLE_PATTERNS):
        return "article"
    return "unknown"


def article_pattern_name(url: str) -> str | None:
    """Which generic article pattern a URL matches (for logs and tests)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    target = parts.path + ("?" + parts.query if parts.query else "")
    return next((name for name, pattern in ARTICLE_PATTERNS if pattern.search(target)), None)


def page_number(url: str) -> int | None:
    """The page number a listing URL carries (index_3.html -> 3, ?page=3 -> 3), else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    match = _PAGE_IN_PATH.search(parts.path)
    if match:
        return int(match.group(1))
    for name, value in parse_qsl(parts.query):
        if name.lower() in _PAGE_PARAMS and value.isdigit() and len(value) <= 4:
            return int(value)
    return None


def is_pagination_link(url: str, text: str, page_url: str) -> bool:
    """A link to another page of the same listing: same directory and a page number or paging text."""
    try:
        here, there = urlsplit(page_url), urlsplit(url)
    except ValueError:
        return False
    if here.netloc != there.netloc:
        return False
    same_dir = here.path.rsplit("/", 1)[0] == there.path.rsplit("/", 1)[0]
    if not same_dir:
        return False
    return page_number(url) is not None or (
        bool(_PAGINATION_TEXT.match(text or "")) and classify_url(url) != "article"
    )


def _resolve_arg(arg: str, script: str) -> str | None:
    """A createPageHTML argument as a literal: quoted text, a number, or a `var name = value` lookup."""
    arg = arg.strip()
    if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "'\"":
        return arg[1:-1]
    if arg.isdigit():
        return arg
    if re.fullmatch(r"[A-Za-z_$][\w$]*", arg):
        match = re.search(rf"\b{re.escape(arg)}\s*=\s*['\"]?([\w.-]+)", script)
        return match.group(1) if match else None
    return None


def script_page_urls(html: str, page_url: str, limit: int) -> list[str]:
    """Listing pages announced by TRS `createPageHTML(...)` calls, page 0 first, at most `limit`.

    Handles the classic call `createPageHTML(total, current, "index", "html")`, the newer
    `createPageHTML("page_div", total, current, "index", "html", records)`, and arguments held in
    variables (`var countPage = 12; createPageHTML(countPage, currentPage, "index", "html")`).
    Page 0 is `index.html`, page n is `index_n.html`, both relative to the listing's directory.
    """
    urls: list[str] = []
    for match in _CREATE_PAGE_RE.finditer(html):
        args = [_resolve_arg(arg, html) for arg in match.group(1).split(",")]
        values = [a for a in args if a is not None]
        numbers = [int(a) for a in values if a.isdigit()]
        extension_at = next((i for i, a in enumerate(values) if a.lower() in _PAGE_EXTENSIONS), None)
        if len(numbers) < 2 or extension_at is None or extension_at == 0:
            continue
        name, extension = values[extension_at - 1], values[extension_at]
        if not re.fullmatch(r"[\w.-]+", name) or name.isdigit():
            continue
        total = min(numbers[0], limit)
        for index in range(total):
            filename = f"{name}.{extension}" if index == 0 else f"{name}_{index}.{extension}"
            url = urljoin(page_url, filename)
            if url not in urls:
                urls.append(url)
    return urls


def within_page_limit(url: str, limit: int) -> bool:
    """Listing pages beyond `limit` are not followed (page numbers count from 0 or 1 by CMS)."""
    number = page_number(url)
    return number is None or number < limit

"""Stage names to classes. Modules are imported only when a config names their stage."""

from __future__ import annotations

import importlib

from filters.base import Stage

# name -> "module:Class". Add a line here when you add a stage module.
STAGE_PATHS: dict[str, str] = {
    "docsite_boilerplate": "filters.docsite_boilerplate:DocsiteBoilerplate",
    "exact_dedup": "filters.exact_dedup:ExactDuplicates",
    "hidden_html": "filters.hidden_html:HiddenHtml",
    "language": "filters.language:Language",
    "min_content": "filters.min_content:MinimumContent",
    "mojibake": "filters.mojibake:Mojibake",
    "page_break_rejoin": "filters.page_break_rejoin:PageBreakRejoin",
    "page_debris": "filters.page_debris:PageDebris",
    "pinyin": "filters.pinyin:Pinyin",
    "related_tail": "filters.related_tail:RelatedTail",
    "spam_block": "filters.spam_block:SpamBlock",
    "near_dedup": "filters.near_dedup:NearDuplicates",
    "site_repeated_lines": "filters.site_repeated_lines:SiteRepeatedLines",
    "quality": "filters.quality:Quality",
}


def stage_class(name: str) -> type[Stage]:
    """The class registered under `name`; a KeyError names the known stages."""
    try:
        path = STAGE_PATHS[name]
    except KeyError:
        known = ", ".join(sorted(STAGE_PATHS))
        raise KeyError(f"unknown stage {name!r} (known stages: {known})") from None
    module_name, class_name = path.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if cls.name != name:
        raise TypeError(f"{path} has name {cls.name!r}, registered as {name!r}")
    return cls

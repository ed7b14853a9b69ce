"""Stage names to classes. Modules are imported only when a config names their stage."""

from __future__ import annotations

import importlib

from filters.base import Stage

# name -> "module:Class". Add a line here when you add a stage module.
STAGE_PATHS: dict[str, str] = {
    "exact_dedup": "filters.exact_dedup:ExactDuplicates",
    "min_content": "filters.min_content:MinimumContent",
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

"""`govcorpus.yaml` loaded into typed, immutable objects. Unknown keys are errors naming the key."""

from __future__ import annotations

import inspect
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from filters.base import Stage
from filters.registry import stage_class

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "govcorpus.yaml"


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class OutputConfig:
    shard_max_rows: int = 50_000
    shard_max_bytes: int = 128 * 1024 * 1024
    compression: str = "zstd"
    compression_level: int = 6


@dataclass(frozen=True)
class ExtractConfig:
    max_page_bytes: int = 8 * 1024 * 1024
    include_tables: bool = True
    include_comments: bool = False
    favor_precision: bool = False
    # Below this many extracted characters the whole-page fallback (all visible text) is tried.
    min_extracted_chars: int = 80


@dataclass(frozen=True)
class StageConfig:
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    label_only: bool = False


@dataclass(frozen=True)
class Config:
    output: OutputConfig = OutputConfig()
    extract: ExtractConfig = ExtractConfig()
    stages: tuple[StageConfig, ...] = ()
    source: str = "<defaults>"

    def build_stages(self) -> list[tuple[Stage, StageConfig]]:
        return [(build_stage(stage_config, self.source), stage_config) for stage_config in self.stages]


def read_yaml(path: Path, error: type[Exception], what: str) -> Any:
    """A YAML file's content; a missing or unreadable file raises `error` naming the path."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as problem:
        raise error(f"{path}: cannot read {what}: {problem}") from None


def load_config(path: str | Path | None = None) -> Config:
    config_path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    return parse_config(read_yaml(config_path, ConfigError, "config file") or {}, str(config_path))


def parse_config(raw: Any, source: str) -> Config:
    top = _mapping(raw, source, "top level")
    _no_unknown_keys(top, {"output", "extract", "stages"}, source, "top level")
    stages_raw = top.get("stages", [])
    if not isinstance(stages_raw, list):
        raise ConfigError(f"{source}: 'stages' must be a list")
    config = Config(
        output=_dataclass_from(OutputConfig, top.get("output", {}), source, "output"),
        extract=_dataclass_from(ExtractConfig, top.get("extract", {}), source, "extract"),
        stages=tuple(_stage_config(item, source, index) for index, item in enumerate(stages_raw)),
        source=source,
    )
    for stage_config in config.stages:
        build_stage(stage_config, source)  # fail at load time, not mid-run
    return config


def build_stage(stage_config: StageConfig, source: str) -> Stage:
    where = f"{source}: stage {stage_config.name!r}"
    try:
        cls = stage_class(stage_config.name)
    except KeyError as error:
        raise ConfigError(f"{where}: {error.args[0]}") from None
    signature = inspect.signature(cls.__init__)
    hints = typing.get_type_hints(cls.__init__)
    for key, value in stage_config.params.items():
        if key not in signature.parameters or key == "self":
            allowed = ", ".join(p for p in signature.parameters if p != "self")
            raise ConfigError(f"{where}: unknown parameter {key!r} (parameters: {allowed})")
        if key in hints and not _matches(value, hints[key]):
            raise ConfigError(f"{where}: parameter {key!r} = {value!r} is not {hints[key]}")
    try:
        return cls(**stage_config.params)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: {error}") from None


def _stage_config(item: Any, source: str, index: int) -> StageConfig:
    where = f"stages[{index}]"
    if isinstance(item, str):
        item = {"name": item}
    entry = _mapping(item, source, where)
    _no_unknown_keys(entry, {"name", "params", "label_only"}, source, where)
    if not isinstance(entry.get("name"), str):
        raise ConfigError(f"{source}: {where}: 'name' (a stage name) is required")
    params = _mapping(entry.get("params") or {}, source, f"{where}.params")
    label_only = entry.get("label_only", False)
    if not isinstance(label_only, bool):
        raise ConfigError(f"{source}: {where}.label_only must be true or false")
    return StageConfig(name=entry["name"], params=dict(params), label_only=label_only)


def _dataclass_from(cls: type, raw: Any, source: str, where: str) -> Any:
    values = _mapping(raw, source, where)
    known = {f.name: f for f in fields(cls)}
    _no_unknown_keys(values, set(known), source, where)
    hints = typing.get_type_hints(cls)
    for key, value in values.items():
        if not _matches(value, hints[key]):
            raise ConfigError(f"{source}: {where}.{key} = {value!r} is not {hints[key]}")
    return cls(**values)


def _mapping(raw: Any, source: str, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {where} must be a mapping, got {type(raw).__name__}")
    return raw


def _no_unknown_keys(values: dict[str, Any], allowed: set[str], source: str, where: str) -> None:
    for key in values:
        if key not in allowed:
            raise ConfigError(
                f"{source}: {where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})"
            )


def _matches(value: Any, annotation: Any) -> bool:
    """A loose check of a YAML value against a type hint (scalars, optionals, lists, dicts)."""
    if annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arm) for arm in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset, typing.Sequence) or annotation in (list, tuple):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return (
            isinstance(value, list) and all(_matches(v, args[0]) for v in value)
            if args
            else isinstance(value, list)
        )
    if origin in (dict, typing.Mapping) or annotation is dict:
        return isinstance(value, dict)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return True

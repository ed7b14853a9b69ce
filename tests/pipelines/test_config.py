from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import ConfigError, load_config, parse_config


def test_project_config_loads_and_builds_every_stage() -> None:
    config = load_config()
    assert config.stages, "govcorpus.yaml lists stages"
    names = [stage.name for stage, _ in config.build_stages()]
    assert {"min_content", "exact_dedup"} <= set(names)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"outptu": {}}, "outptu"),
        ({"output": {"shard_rows": 3}}, "shard_rows"),
        ({"output": {"shard_max_rows": "many"}}, "shard_max_rows"),
        ({"stages": [{"name": "no_such_stage"}]}, "no_such_stage"),
        ({"stages": [{"name": "min_content", "params": {"min_han": "fifty"}}]}, "min_han"),
        ({"stages": [{"name": "min_content", "labelonly": True}]}, "labelonly"),
        ({"stages": [{"params": {}}]}, "name"),
    ],
)
def test_config_errors_name_the_key(raw: dict, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        parse_config(raw, "test.yaml")


def test_null_turns_a_check_off_and_label_only_is_read() -> None:
    config = parse_config(
        {"stages": [{"name": "min_content", "params": {"min_han": None}, "label_only": True}]}, "t"
    )
    stage, stage_config = config.build_stages()[0]
    assert stage_config.label_only and stage.min_han is None  # type: ignore[attr-defined]


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")

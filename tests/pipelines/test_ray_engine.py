"""The Ray engine against the local engine: same input and config, same output, rejections and report.

A private Ray instance (2 CPUs, loopback only, no dashboard, no usage statistics) serves the whole
module; nothing here needs a cluster. The generated corpus (`bench.site_corpus`) has site template
lines, exact, near and traditional-script copies, spam and too-short pages, and is cleaned in two
runs so the second one meets the first one's state (site line counts, kept hashes, the
near-duplicate index): on disk, and in a real redis-server on 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ray = pytest.importorskip("ray")

from bench.site_corpus import write_corpus  # noqa: E402
from pipelines.config import DEFAULT_CONFIG_PATH, Config, load_config, parse_config  # noqa: E402
from pipelines.parquet_io import read_dataset  # noqa: E402
from pipelines.ray_engine import RAY_ENVIRONMENT, RayCleanRunner  # noqa: E402
from pipelines.runner import CleanRunner, RunResult  # noqa: E402
from tests.crawler.redis_server import local_redis  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module", autouse=True)
def ray_instance() -> Iterator[None]:
    for name, value in RAY_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def clean(engine: str, inputs: list[Path], output: Path, config: Config) -> RunResult:
    runner_class = RayCleanRunner if engine == "ray" else CleanRunner
    runner = runner_class(config, output, state_dir=output / "state", quiet=True)
    return runner.run(list(inputs))


def rows(output: Path) -> dict[str, list[dict[str, Any]]]:
    """Every written row (both datasets), without the run id, in file order."""
    result = {}
    for name in ("clean", "rejected"):
        table = read_dataset(output / name)
        result[name] = [
            {k: v for k, v in row.items() if k != "run_id"} for row in (table.to_pylist() if table else [])
        ]
    return result


def assert_same_outcome(local: Path, ray_output: Path) -> dict[str, list[dict[str, Any]]]:
    expected, got = rows(local), rows(ray_output)
    assert {r["id"] for r in got["clean"]} == {r["id"] for r in expected["clean"]}
    assert {(r["id"], r["drop_reason"]) for r in got["rejected"]} == {
        (r["id"], r["drop_reason"]) for r in expected["rejected"]
    }
    assert got == expected  # field by field, in the same order: text, signals, dup_urls, clusters
    return expected


def assert_same_report(local: RunResult, ray_result: RunResult) -> None:
    assert local.report is not None and ray_result.report is not None
    for key in ("documents", "rejected_by_reason", "stages", "duplicates"):
        assert ray_result.report[key] == local.report[key], key


def assert_same_state(local: Path, ray_output: Path) -> None:
    expected = {p.name: p.read_bytes() for p in sorted((local / "state").glob("*.bin"))}
    got = {p.name: p.read_bytes() for p in sorted((ray_output / "state").glob("*.bin"))}
    assert got == expected


def config_with(near_dedup: dict[str, Any]) -> Config:
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    for stage in raw["stages"]:
        if stage["name"] == "near_dedup":
            stage["params"].update(near_dedup)
    return parse_config(raw, "test config")


def test_sample_same_as_local_through_the_cli(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    for engine in ("local", "ray"):
        code, _out, err = run_cli(
            "clean", "--input", SAMPLE, "--output", tmp_path / engine, "--engine", engine, "--quiet"
        )
        assert code == 0, err
    written = assert_same_outcome(tmp_path / "local", tmp_path / "ray")
    assert written["clean"] and written["rejected"]
    assert_same_state(tmp_path / "local", tmp_path / "ray")


def test_ray_address_needs_the_ray_engine(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    code, _out, err = run_cli(
        "clean", "--input", SAMPLE, "--output", tmp_path / "out", "--ray-address", "auto"
    )
    assert code == 2 and "--engine ray" in err


def test_generated_corpus_in_two_runs_same_as_local(tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "input", 1600, files=8)
    config = load_config(None)
    results: dict[str, list[RunResult]] = {"local": [], "ray": []}
    for engine in ("local", "ray"):
        output = tmp_path / engine
        results[engine].append(clean(engine, files[:4], output, config))
        results[engine].append(clean(engine, files, output, config))  # only the 4 new files
    for local, ray_result in zip(results["local"], results["ray"], strict=True):
        assert_same_report(local, ray_result)
    written = assert_same_outcome(tmp_path / "local", tmp_path / "ray")
    assert_same_state(tmp_path / "local", tmp_path / "ray")

    reasons = {row["drop_reason"] for row in written["rejected"]}
    assert {
        "exact_dedup_duplicate",
        "near_duplicate",
        "min_content_too_few_han",
        "spam_block_mostly_spam",
    } <= reasons
    second = results["local"][1].report
    assert second is not None
    assert any(d["match"] == "index" for d in second["duplicates"])  # the first run's index was used
    removed = {span["reason"] for row in written["clean"] for span in row["removed"]}
    assert "site_repeated_lines_template" in removed
    assert any(row["script"] == "Hant" for row in written["clean"] + written["rejected"])


def test_redis_index_shared_by_workers_same_as_local(tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "input", 500, files=4, seed=11)
    with local_redis() as server:
        for engine in ("local", "ray"):
            config = config_with(
                {"backend": "redis", "redis_url": server.url, "redis_basename": f"t:{engine}"}
            )
            output = tmp_path / engine
            first = clean(engine, files[:2], output, config)
            second = clean(engine, files, output, config)
            assert first.report is not None and second.report is not None
            if engine == "local":
                expected = (first.report, second.report)
            else:
                for mine, theirs in zip((first.report, second.report), expected, strict=True):
                    for key in ("documents", "rejected_by_reason", "stages", "duplicates"):
                        assert mine[key] == theirs[key], key
        assert_same_outcome(tmp_path / "local", tmp_path / "ray")
        stored = [server.client.hlen(f"t:{engine}:sig") for engine in ("local", "ray")]
        assert stored[0] == stored[1] > 0
    assert any(d["match"] == "index" for d in expected[1]["duplicates"])

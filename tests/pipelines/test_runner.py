from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.config import parse_config
from pipelines.runner import CleanRunner
from pipelines.schema import KEPT_SCHEMA, REJECTED_SCHEMA
from tests.conftest import ARTICLE_PARAGRAPHS, article_html

REPO = Path(__file__).resolve().parents[2]
CONFIG = {"stages": [{"name": "min_content", "params": {"min_han": 50}}, {"name": "exact_dedup"}]}


def varied_article(number: int) -> str:
    paragraphs = [f"第{number}次会议纪要。{p}" for p in ARTICLE_PARAGRAPHS]
    return article_html(
        title=f"会议{number}", paragraphs=paragraphs, canonical=f"http://www.tzb.gov.cn/a/{number}.html"
    )


def make_inputs(root: Path) -> Path:
    pages = root / "pages"
    pages.mkdir(parents=True)
    for number in range(6):
        (pages / f"a{number}.html").write_bytes(varied_article(number).encode("gb18030"))
    # an exact copy of article 0 syndicated on another site
    copy = varied_article(0).replace("http://www.tzb.gov.cn/a/0.html", "http://www.city.gov.cn/copy.html")
    (pages / "b_copy.html").write_text(copy, encoding="utf-8")
    (pages / "c_short.html").write_text(
        article_html(paragraphs=["会议通知。"], canonical="http://www.tzb.gov.cn/s.html")
    )
    (pages / "d_empty.html").write_bytes(b"")
    return pages


def read(output: Path, name: str) -> list[dict]:
    return [
        row for path in sorted((output / name).glob("*.parquet")) for row in pq.read_table(path).to_pylist()
    ]


def test_run_writes_schema_and_accounts_for_every_document(tmp_path: Path) -> None:
    pages = make_inputs(tmp_path)
    output = tmp_path / "out"
    result = CleanRunner(parse_config(CONFIG, "test"), output, quiet=True).run([pages])
    assert result.status == "done"
    kept, rejected = read(output, "clean"), read(output, "rejected")
    assert pq.read_schema(next((output / "clean").glob("*.parquet"))).equals(
        KEPT_SCHEMA, check_metadata=False
    )
    assert pq.read_schema(next((output / "rejected").glob("*.parquet"))).equals(
        REJECTED_SCHEMA, check_metadata=False
    )
    assert len(kept) == 6
    reasons = sorted(row["drop_reason"] for row in rejected)
    assert reasons == ["exact_dedup_duplicate", "extract_empty", "min_content_too_few_han"]
    original = next(row for row in kept if row["url"] == "http://www.tzb.gov.cn/a/0.html")
    assert original["dup_urls"] == ["http://www.city.gov.cn/copy.html"]
    assert original["published_at"] is not None and original["source_name"] == "市委统战部"

    report = json.loads(result.report_path.read_text())
    assert report["documents"] == {
        "in": 9,
        "kept": 6,
        "rejected": 3,
        "kept_chars": sum(r["n_chars"] for r in kept),
    }
    stages = {stage["name"]: stage for stage in report["stages"]}
    assert list(stages) == ["read", "extract", "min_content", "exact_dedup"]
    for stage in stages.values():
        dropped = sum(count["count"] for count in stage["dropped"].values())
        assert stage["docs_in"] == stage["docs_out"] + dropped, stage["name"]
    assert stages["read"]["docs_in"] == 9
    assert stages["exact_dedup"]["dropped"]["exact_dedup_duplicate"]["count"] == 1
    assert report["duplicates"][0]["url"] == "http://www.city.gov.cn/copy.html"


def test_rerun_does_nothing_new_inputs_are_added_and_force_rebuilds(tmp_path: Path) -> None:
    pages = make_inputs(tmp_path)
    output = tmp_path / "out"
    config = parse_config(CONFIG, "test")
    CleanRunner(config, output, quiet=True).run([pages])
    assert CleanRunner(config, output, quiet=True).run([pages]).status == "nothing_to_do"
    assert len(read(output, "clean")) == 6

    (pages / "e_new.html").write_text(varied_article(99), encoding="utf-8")
    (pages / "f_copy_of_old.html").write_text(
        varied_article(3).replace("/a/3.html", "/elsewhere.html"), encoding="utf-8"
    )
    second = CleanRunner(config, output, quiet=True).run([pages])
    assert second.report["documents"]["in"] == 2
    assert len(read(output, "clean")) == 7
    assert any(
        row["drop_reason"] == "exact_dedup_duplicate" and row["url"].endswith("elsewhere.html")
        for row in read(output, "rejected")
    )

    CleanRunner(config, output, quiet=True, force=True).run([pages])
    assert len(read(output, "clean")) == 7
    assert len(list((output / "reports").glob("*.json"))) == 1


def test_crash_mid_run_resumes_without_loss_or_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = make_inputs(tmp_path)
    output = tmp_path / "out"
    config = parse_config(CONFIG, "test")
    runner = CleanRunner(config, output, quiet=True, staged_shard_docs=2)

    calls = {"n": 0}
    original = CleanRunner._flush

    def flush_then_die(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("simulated crash")

    monkeypatch.setattr(CleanRunner, "_flush", flush_then_die)
    with pytest.raises(SystemExit):
        runner.run([pages])
    assert not (output / "clean").exists()
    monkeypatch.setattr(CleanRunner, "_flush", original)

    result = CleanRunner(config, output, quiet=True, staged_shard_docs=2).run([pages])
    assert result.report["documents"]["in"] == 9
    kept = read(output, "clean")
    assert sorted(row["url"] for row in kept) == sorted({row["url"] for row in kept})
    assert len(kept) == 6 and len(read(output, "rejected")) == 3


def test_kill_minus_nine_then_rerun(tmp_path: Path) -> None:
    """A real crash: the process is killed while staging; the re-run finishes the same corpus."""
    pages = tmp_path / "many"
    pages.mkdir()
    for number in range(400):
        (pages / f"p{number:04d}.html").write_text(varied_article(number), encoding="utf-8")
    output = tmp_path / "out"
    config_path = tmp_path / "config.yaml"
    config_path.write_text(json.dumps(CONFIG))
    code = (
        "import sys; from pathlib import Path; from pipelines.config import load_config; from pipelines.runner import CleanRunner;"
        f"CleanRunner(load_config({str(config_path)!r}), Path({str(output)!r}), quiet=True, staged_shard_docs=20).run([{str(pages)!r}])"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    work = output / ".work"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        work.exists() and len(list(work.rglob("staged-*.parquet"))) >= 2
    ):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (output / "clean").exists(), "the run finished before it could be killed"

    result = CleanRunner(parse_config(CONFIG, "test"), output, quiet=True, staged_shard_docs=20).run([pages])
    assert result.status == "done"
    kept = read(output, "clean")
    assert len(kept) == 400
    assert len({row["id"] for row in kept}) == 400


def test_a_stage_that_crashes_or_returns_bad_spans_rejects_only_that_document(tmp_path: Path) -> None:
    from filters.base import Document, Removal, Stage, Verdict
    from pipelines.chain import ChainStep, StageChain
    from pipelines.config import StageConfig

    class Broken(Stage):
        name = "broken"

        def judge(self, doc: Document) -> Verdict:
            if "崩溃" in doc.text:
                raise RuntimeError("bug")
            if "重叠" in doc.text:
                return Verdict(removals=[Removal(0, 3, "broken_a"), Removal(1, 4, "broken_b")])
            return Verdict()

    chain = StageChain([ChainStep(Broken(), StageConfig("broken"))])
    docs = [
        Document(id=str(i), url=f"u{i}", text=t)
        for i, t in enumerate(["正常的文本。", "这里会崩溃。", "这里有重叠。"])
    ]
    for doc in docs:
        chain.run_text_stages(doc)
    assert [doc.drop_reason for doc in docs] == [None, "broken_error", "broken_error"]
    stats = chain.stats.stage("broken")
    assert stats.docs_in == 3 and stats.docs_out == 1 and stats.dropped["broken_error"].count == 2

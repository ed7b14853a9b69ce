"""Bad input never gives a traceback: rejected rows, reported files, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import ARTICLE_PARAGRAPHS, article_html
from tests.pipelines.test_readers import write_warc


def rejected_reasons(output: Path) -> dict[str, str]:
    rows = [r for p in (output / "rejected").glob("*.parquet") for r in pq.read_table(p).to_pylist()]
    return {Path(r["source_path"]).name: r["drop_reason"] for r in rows}


def test_every_bad_input_kind_in_one_run(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "in"
    root.mkdir()
    (root / "good.html").write_bytes(article_html(charset="gbk").encode("gb18030"))
    (root / "broken.html").write_text(
        "<html><body><div><p>" + "".join(ARTICLE_PARAGRAPHS) + "<p><table><tr><td>未闭合", encoding="utf-8"
    )
    (root / "truncated.html").write_bytes(article_html(charset="gbk").encode("gb18030")[:700])
    (root / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    (root / "empty.html").write_bytes(b"")
    (root / "huge.html").write_bytes(
        b"<html><body><p>" + "大".encode() * (3 * 1024 * 1024) + b"</p></body></html>"
    )
    (root / "no_charset_wrong_header.htm").write_bytes(
        article_html(charset=None, canonical=None).encode("gb18030")
    )
    (root / "bad.jsonl").write_text(
        json.dumps({"url": "http://a.gov.cn/ok", "text": "\n".join(ARTICLE_PARAGRAPHS)}) + "\n{oops\n"
    )
    (root / "corrupt.parquet").write_bytes(b"PAR1 this is not parquet")
    warc = root / "cut.warc.gz"
    write_warc(
        warc,
        [
            (f"http://a.gov.cn/w{i}", article_html(paragraphs=ARTICLE_PARAGRAPHS * 30).encode(), "text/html")
            for i in range(3)
        ],
    )
    warc.write_bytes(warc.read_bytes()[:-900])
    config = tmp_path / "c.yaml"
    config.write_text("extract:\n  max_page_bytes: 1048576\nstages:\n  - name: min_content\n")

    code, _out, err = run_cli(
        "clean", "--input", root, "--output", tmp_path / "out", "--config", config, "--quiet"
    )
    assert code == 0, err
    assert "Traceback" not in err
    assert "corrupt.parquet" in err and "cut.warc.gz" in err
    reasons = rejected_reasons(tmp_path / "out")
    assert reasons["image.html"] == "extract_binary"
    assert reasons["empty.html"] == "extract_empty"
    assert reasons["huge.html"] == "extract_too_large"
    assert reasons["bad.jsonl"] == "read_invalid_json"
    report = json.loads(next((tmp_path / "out" / "reports").glob("*.json")).read_text())
    unreadable = {Path(p["path"]).name for p in report["inputs"]["unreadable"]}
    assert unreadable == {"corrupt.parquet", "cut.warc.gz"}
    kept = [r for p in (tmp_path / "out" / "clean").glob("*.parquet") for r in pq.read_table(p).to_pylist()]
    kept_files = {Path(r["source_path"]).name for r in kept}
    assert {
        "good.html",
        "broken.html",
        "no_charset_wrong_header.htm",
        "bad.jsonl",
        "cut.warc.gz",
    } <= kept_files
    broken = next(r for r in kept if r["source_path"].endswith("broken.html"))
    assert ARTICLE_PARAGRAPHS[3] in broken["text"]


def test_missing_input_is_one_line(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli("clean", "--input", tmp_path / "nope", "--output", tmp_path / "out")
    assert code == 2
    assert err.strip().count("\n") == 0 and "does not exist" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_is_one_line(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    (tmp_path / "a.txt").write_text("\n".join(ARTICLE_PARAGRAPHS))
    code, _, err = run_cli("clean", "--input", tmp_path / "a.txt", "--output", locked / "out")
    assert code == 1 and "Traceback" not in err and err.strip().count("\n") == 0


def test_output_that_is_a_file_is_one_line(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text("\n".join(ARTICLE_PARAGRAPHS))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli("clean", "--input", tmp_path / "a.txt", "--output", blocker / "out")
    assert code == 1 and "Traceback" not in err and "cannot write" in err


def test_only_unreadable_inputs_exit_non_zero(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "corrupt.parquet").write_bytes(b"garbage")
    code, _, err = run_cli(
        "clean", "--input", tmp_path / "corrupt.parquet", "--output", tmp_path / "out", "--quiet"
    )
    assert code == 1 and "nothing could be processed" in err


def test_bad_config_names_the_key(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text("\n".join(ARTICLE_PARAGRAPHS))
    config = tmp_path / "c.yaml"
    config.write_text("stages:\n  - name: min_content\n    params:\n      min_hann: 3\n")
    code, _, err = run_cli(
        "clean", "--input", tmp_path / "a.txt", "--output", tmp_path / "out", "--config", config
    )
    assert code == 2 and "min_hann" in err and "Traceback" not in err


def test_corrupt_output_parquet_in_stats_and_explain(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text("\n".join(ARTICLE_PARAGRAPHS))
    output = tmp_path / "out"
    assert run_cli("clean", "--input", tmp_path / "a.txt", "--output", output, "--quiet")[0] == 0
    (output / "clean" / "part-zzz.parquet").write_bytes(b"not parquet")
    for args in (("stats", output), ("explain", "--output", output, "--id", "0")):
        code, _, err = run_cli(*args)
        assert code == 1 and "part-zzz.parquet" in err and "Traceback" not in err

from __future__ import annotations

from pathlib import Path

from tests.conftest import article_html

CONFIG = "stages:\n  - name: min_content\n  - name: exact_dedup\n"


def corpus(tmp_path: Path, run_cli) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.html").write_text(article_html(canonical="http://www.tzb.gov.cn/a.html"), encoding="utf-8")
    (root / "b.html").write_text(article_html(canonical="http://www.other.gov.cn/b.html"), encoding="utf-8")
    (root / "c.html").write_text(
        article_html(paragraphs=["短讯。"], canonical="http://www.tzb.gov.cn/c.html"), encoding="utf-8"
    )
    config = tmp_path / "c.yaml"
    config.write_text(CONFIG)
    output = tmp_path / "out"
    assert run_cli("clean", "--input", root, "--output", output, "--config", config, "--quiet")[0] == 0
    return output


def test_explain_kept_and_dropped_documents(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    output = corpus(tmp_path, run_cli)
    code, out, _ = run_cli("explain", "--output", output, "--url", "http://www.tzb.gov.cn/a.html")
    assert code == 0
    assert "KEPT" in out and "copies dropped in its favour: http://www.other.gov.cn/b.html" in out
    assert "source_name: 市委统战部" in out and "n_han" not in out.split("signals:")[0]
    code, out, _ = run_cli("explain", "--output", output, "--url", "HTTP://WWW.OTHER.GOV.CN/b.html")
    assert code == 0 and "DROPPED by exact_dedup: exact_dedup_duplicate" in out and "duplicate_of" in out
    code, out, _ = run_cli("explain", "--output", output, "--url", "http://www.tzb.gov.cn/c.html")
    assert "min_content_too_few_han" in out
    code, _, err = run_cli("explain", "--output", output, "--url", "http://nowhere.gov.cn/")
    assert code == 1 and "no document" in err


def test_explain_lists_removed_spans(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    from pipelines.explain import format_explanation

    row = {
        "url": "http://a.gov.cn/1", "id": "abc", "run_id": "r", "n_chars": 10, "n_han": 8, "lang": "zh", "script": "Hans",
        "removed": [{"stage": "spam_block", "reason": "spam_block_lexicon", "n_chars": 40, "snippet": "久久精品\n在线"}],
        "signals": [{"key": "q_han_ratio", "value": 0.9}], "tags": [],
    }  # fmt: skip
    text = format_explanation("kept", row)
    assert "spam_block: spam_block_lexicon (40 chars): 久久精品⏎在线" in text
    assert "q_han_ratio = 0.9" in text


def test_stats_summary(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    output = corpus(tmp_path, run_cli)
    code, out, _ = run_cli("stats", output)
    assert code == 0
    assert "3 seen, 1 kept, 2 rejected" in out
    assert "exact_dedup_duplicate" in out and "min_content_too_few_han" in out
    assert "www.tzb.gov.cn" in out

"""The README's `make clean-corpus` on the bundled sample, and the output opened by the usual tools."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from pipelines.schema import KEPT_SCHEMA

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("corpus") / "corpus"
    result = subprocess.run(
        ["make", "--no-print-directory", "clean-corpus", f"CORPUS={corpus}", f"STATE={corpus}/state", "CLEAN_INPUT=data/sample"],
        cwd=REPO, capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "kept" in result.stdout
    return corpus


def test_sample_corpus_opens_in_pandas_polars_duckdb(sample_corpus: Path) -> None:
    pattern = str(sample_corpus / "clean" / "*.parquet")
    frame = pd.read_parquet(sample_corpus / "clean")
    assert list(frame.columns) == KEPT_SCHEMA.names
    assert len(frame) >= 5
    polars_frame = pl.read_parquet(pattern)
    assert polars_frame.height == len(frame)
    n, han = duckdb.sql(f"SELECT count(*), sum(n_han) FROM read_parquet('{pattern}')").fetchall()[0]
    assert n == len(frame) and han > 5000
    signal = duckdb.sql(
        f"SELECT map_from_entries(signals)['n_han'] FROM read_parquet('{pattern}') LIMIT 1"
    ).fetchall()[0][0]
    assert signal is not None


def test_sample_corpus_opens_in_hf_datasets(sample_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(sample_corpus.parent / "hf"))
    import datasets

    dataset = datasets.load_dataset(
        "parquet", data_files=str(sample_corpus / "clean" / "*.parquet"), split="train"
    )
    assert dataset.num_rows >= 5
    assert set(dataset.features) == set(KEPT_SCHEMA.names)

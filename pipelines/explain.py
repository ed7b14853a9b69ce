"""`govcorpus explain`: for one document, whether it was kept, every span removed and why, its signals."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pipelines.parquet_io import iter_rows
from pipelines.readers import canonical_url, document_id
from pipelines.runner import CLEAN_DIR, REJECTED_DIR
from pipelines.schema import entries_to_dict


def find_document(
    output: Path, *, url: str | None = None, doc_id: str | None = None
) -> tuple[str, dict[str, Any]] | None:
    """("kept" | "rejected", row) of the newest row for the document, or None."""
    wanted = doc_id or document_id(url or "")
    found: tuple[str, dict[str, Any]] | None = None
    for status, directory in (("kept", CLEAN_DIR), ("rejected", REJECTED_DIR)):
        for row in iter_rows(output / directory):
            matches = row["id"] == wanted or (
                url is not None and canonical_url(row["url"]) == canonical_url(url)
            )
            if matches and (found is None or (row.get("run_id") or "") >= (found[1].get("run_id") or "")):
                found = (status, row)
    return found


def format_explanation(status: str, row: dict[str, Any]) -> str:
    lines = [
        f"{row['url']}",
        f"  id {row['id']}  run {row.get('run_id')}  site {row.get('site') or '-'}  crawl {row.get('crawl_id') or '-'}",
    ]
    if status == "kept":
        lines.append(
            f"  KEPT: {row['n_chars']} characters ({row['n_han']} Han), lang {row.get('lang') or '-'}, script {row.get('script') or '-'}"
        )
    else:
        lines.append(f"  DROPPED by {row.get('drop_stage')}: {row.get('drop_reason')}")
    for label in ("title", "published_at", "source_name", "author", "dup_cluster"):
        if row.get(label):
            lines.append(f"  {label}: {row[label]}")
    if row.get("dup_urls"):
        lines.append(f"  copies dropped in its favour: {', '.join(row['dup_urls'])}")
    removed = row.get("removed") or []
    lines.append(f"  removed spans: {len(removed)} ({sum(span['n_chars'] for span in removed)} characters)")
    for span in removed:
        snippet = span["snippet"].replace("\n", "⏎")
        lines.append(f"    - {span['stage']}: {span['reason']} ({span['n_chars']} chars): {snippet[:80]}")
    signals = entries_to_dict(row.get("signals"))
    if signals:
        lines.append("  signals:")
        lines.extend(f"    {name} = {value:g}" for name, value in sorted(signals.items()))
    tags = entries_to_dict(row.get("tags"))
    if tags:
        lines.append("  tags:")
        lines.extend(f"    {name} = {value}" for name, value in sorted(tags.items()))
    return "\n".join(lines)


def explain(output: Path, *, url: str | None = None, doc_id: str | None = None) -> int:
    if not output.is_dir():
        print(f"govcorpus: no output directory {output}", file=sys.stderr)
        return 2
    found = find_document(output, url=url, doc_id=doc_id)
    if found is None:
        print(f"govcorpus: no document {url or doc_id} in {output}", file=sys.stderr)
        return 1
    print(format_explanation(*found))
    return 0

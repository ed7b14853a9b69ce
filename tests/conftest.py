"""Shared test helpers: realistic pages written on the fly, and a quiet CLI runner."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from pipelines.cli import main

ARTICLE_PARAGRAPHS = [
    "11月27日，市委统战部召开民主党派、工商联和无党派人士座谈会，通报今年以来全市经济社会发展情况，听取意见建议。",
    "座谈会上，各民主党派市委会负责人围绕推动制造业转型升级、加强基层医疗卫生服务、促进民营经济发展壮大等作了发言。",
    "会议指出，要坚持好、发展好、完善好中国新型政党制度，支持各民主党派加强自身建设，更好履行参政党职能。",
    "会议要求，各级统战部门要健全联系交友制度，完善知情明政机制，为党外人士履职尽责创造良好条件。",
]


def article_html(
    title: str = "市委统战部召开党外人士座谈会",
    paragraphs: list[str] | None = None,
    *,
    charset: str | None = "utf-8",
    canonical: str | None = "http://www.example-tzb.gov.cn/tzxw/202311/t20231128_1.html",
    date_line: str = "发布时间：2023年11月28日 16:02　来源：市委统战部",
) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in (paragraphs or ARTICLE_PARAGRAPHS))
    return (
        f"<html><head>{meta}<title>{title}</title>{link}</head><body>"
        '<div class="nav"><a href="http://127.0.0.1:9/">首页</a> | <a href="http://127.0.0.1:9/x">统战新闻</a></div>'
        f"<h1>{title}</h1><div class='info'>{date_line}</div>"
        f'<div class="content">{body}</div>'
        '<div class="footer">版权所有 市委统战部 ICP备05002331号</div></body></html>'
    )


@pytest.fixture
def run_cli() -> Callable[..., tuple[int, str, str]]:
    """Run `govcorpus ARGS` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main([str(a) for a in args])
        return code, out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def write_pages(tmp_path: Path) -> Callable[[dict[str, bytes | str]], Path]:
    def write(files: dict[str, bytes | str]) -> Path:
        root = tmp_path / "input"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return root

    return write

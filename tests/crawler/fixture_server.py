"""A small government-style web site on 127.0.0.1 for crawler tests, plus connection canaries.

`FixtureSite` serves the files of a directory (a copy of tests/fixtures/site/) with the
behaviours real gov sites show, and logs every request. Served bodies have `__PORT__`,
`__CANARY_PORT__` and `__OFFSITE_PORT__` replaced by the live ports. Special paths:

    /sitemap.xml            built from SITEMAP_PATHS, <lastmod> = file modification time
    /redirect/out.html      302 to the off-site canary (127.0.0.3)
    /flaky/...              500 on the first request, then the file
    /down/...               503 every time
    /guard/...              412 with the JavaScript challenge page in the file
    /big/...                a page larger than the test's DOWNLOAD_MAXSIZE
    /bomb/...               a small gzip body that inflates beyond DOWNLOAD_MAXSIZE
    NO_ETAG / NO_VALIDATORS files served without an ETag / without any validator
    CONTENT_TYPES           per-file Content-Type headers (a lying charset among them)

Every other file gets an ETag (hash of its bytes) and Last-Modified (its mtime), and conditional
requests get a 304. `Canary` listens on another loopback address and counts connections: the
crawler must never connect to it.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITEMAP_PATHS = ("/archive/2024-03/01/content_0901.htm", "/archive/2024-03/02/content_0902.htm")
NO_ETAG = frozenset({"/news/art_1229_1003.html"})
NO_VALIDATORS = frozenset({"/policy/n1/2024/0424/c1001-40223222.html"})
CONTENT_TYPES = {
    "/news/202404/t20240424_1002.html": "text/html",
    "/news/art_1229_1003.html": "text/html",
    "/policy/n1/2024/0424/c1001-40223222.html": "text/html; charset=big5",
    "/policy/2024-04/25/content_1005.htm": "text/html; charset=utf-8",  # the body is GBK: the header lies
    "/policy/202404/t20240426_1012.html": "text/html",
}
OVERSIZED_BYTES = 300_000
BOMB_BYTES = 1_000_000


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 overflows when the crawler opens connections quickly; a dropped
    # SYN then costs a 1 s retransmission.
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        # The crawler drops connections on purpose (oversized pages): nothing to report.
        return


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    host: str
    if_none_match: str | None
    if_modified_since: str | None
    status: int


class Canary:
    """A listening socket on a loopback address that only counts connections."""

    def __init__(self, host: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


class FixtureSite:
    def __init__(self, root: Path, canary_port: int, offsite_port: int) -> None:
        self.root = root
        self.canary_port = canary_port
        self.offsite_port = offsite_port
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.flaky_served: set[str] = set()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, each keep-alive response
            # would wait ~40 ms for the client's delayed ACK.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                site.handle(self)

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requested(self, path: str) -> list[Hit]:
        with self.lock:
            return [hit for hit in self.hits if hit.path == path]

    def clear(self) -> None:
        with self.lock:
            self.hits.clear()

    # ------------------------------------------------------------------ serving
    def _fill(self, body: bytes) -> bytes:
        return (
            body.replace(b"__PORT__", str(self.port).encode())
            .replace(b"__CANARY_PORT__", str(self.canary_port).encode())
            .replace(b"__OFFSITE_PORT__", str(self.offsite_port).encode())
        )

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        path = handler.path.split("?", 1)[0]
        with self.lock:
            self.hits.append(
                Hit(
                    handler.command,
                    path,
                    handler.headers.get("Host", ""),
                    handler.headers.get("If-None-Match"),
                    handler.headers.get("If-Modified-Since"),
                    status,
                )
            )

    def _sitemap(self) -> bytes:
        entries = []
        for path in SITEMAP_PATHS:
            mtime = (self.root / path.lstrip("/")).stat().st_mtime
            lastmod = email.utils.formatdate(mtime, usegmt=True)
            iso = _iso_from_http_date(lastmod)
            entries.append(f"<url><loc>{self.base}{path}</loc><lastmod>{iso}</lastmod></url>")
        xml = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        return (xml + "".join(entries) + "</urlset>").encode()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/sitemap.xml":
            self._send(handler, 200, self._sitemap(), {"Content-Type": "application/xml"})
            return
        if path == "/redirect/out.html":
            location = f"http://127.0.0.3:{self.offsite_port}/landing.html"
            self._send(handler, 302, b"", {"Location": location, "Content-Type": "text/html"})
            return
        if path.startswith("/down/"):
            self._send(handler, 503, b"<html><body>Service Unavailable</body></html>", html)
            return
        if path.startswith("/big/"):
            filler = "<p>国务院关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见。</p>\n"
            body = (
                "<html><body>" + filler * (OVERSIZED_BYTES // len(filler.encode()) + 1) + "</body></html>"
            ).encode()
            self._send(handler, 200, body, html)
            return
        if path.startswith("/bomb/"):
            body = gzip.compress(b"<html><body>" + b" " * BOMB_BYTES + b"</body></html>")
            self._send(handler, 200, body, dict(html, **{"Content-Encoding": "gzip"}))
            return
        file = (self.root / path.lstrip("/")).resolve()
        if path.endswith("/"):
            file = file / "index.html"
        if not file.is_relative_to(self.root.resolve()) or not file.is_file():
            self._send(handler, 404, b"<html><body>404</body></html>", html)
            return
        if path.startswith("/flaky/") and path not in self.flaky_served:
            self.flaky_served.add(path)
            self._send(handler, 500, b"<html><body>Internal Server Error</body></html>", html)
            return
        body = self._fill(file.read_bytes())
        headers = {"Content-Type": CONTENT_TYPES.get(path, "text/html; charset=utf-8")}
        if file.suffix == ".txt":
            headers["Content-Type"] = "text/plain"
        if path.startswith("/guard/"):
            self._send(handler, 412, body, headers)
            return
        mtime = file.stat().st_mtime
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        if path not in NO_VALIDATORS:
            headers["Last-Modified"] = last_modified
            if path not in NO_ETAG:
                headers["ETag"] = etag
            if_none_match = handler.headers.get("If-None-Match")
            if_modified_since = handler.headers.get("If-Modified-Since")
            if (if_none_match and path not in NO_ETAG and if_none_match == etag) or (
                not if_none_match and if_modified_since and _not_modified_since(mtime, if_modified_since)
            ):
                self._send(handler, 304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
                return
        self._send(handler, 200, body, headers)


def _not_modified_since(mtime: float, header: str) -> bool:
    try:
        since = email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return False
    return int(mtime) <= since


def _iso_from_http_date(value: str) -> str:
    return email.utils.parsedate_to_datetime(value).isoformat()

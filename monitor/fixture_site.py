"""A static news site on 127.0.0.1, for ``newshound demo`` and the tests.

Serves a folder (``monitor/demo/site``) over real HTTP (or HTTPS, given a server context) on a
free loopback port, writing the server's base URL wherever a file says ``{BASE}``. Answers
conditional GETs (ETag and Last-Modified, 304) as a well-behaved news site does, and keeps
a log of every request so tests can assert what was fetched. ``routes`` lets a test
replace any path with its own handler (a slow source, a 503, a feed that changes).
"""

from __future__ import annotations

import hashlib
import mimetypes
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

__all__ = ["FixtureSite", "Reply", "RequestRecord"]

_TEXT_TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".xml": "application/xml",
    ".json": "application/feed+json",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
_FIXED_LAST_MODIFIED = formatdate(1767225600, usegmt=True)  # 2026-01-01: stable validators


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # path and query as requested
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


Route = Callable[[RequestRecord], Reply]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ssl.SSLError):
            return  # over https: a client that refused the certificate, as tests ask it to
        super().handle_error(request, client_address)


class FixtureSite:
    """``with FixtureSite(root) as site: site.url("/feeds/world.rss")``."""

    def __init__(
        self, root: Path, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
    ) -> None:
        self.root = Path(root)
        self.host = host
        self.tls = tls  # served over https with this server context
        self.requests: list[RequestRecord] = []
        self.routes: dict[str, Route] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def base(self) -> str:
        assert self._server is not None, "start() the site first"
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self, method: str = "GET") -> list[str]:
        """The paths (without query) requested so far, in order."""
        with self._lock:
            return [urlsplit(r.path).path for r in self.requests if r.method == method]

    def render(self, rel: str) -> bytes | None:
        """The file at ``rel`` with ``{BASE}`` written out, or None when missing."""
        path = (self.root / rel.lstrip("/")).resolve()
        if not path.is_file() or self.root.resolve() not in path.parents:
            return None
        data = path.read_bytes()
        return data.replace(b"{BASE}", self.base.encode()) if path.suffix in _TEXT_TYPES else data

    def start(self) -> Self:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                site._handle(self)

            def do_HEAD(self) -> None:  # noqa: N802
                site._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _Server((self.host, 0), Handler)
        self._server.daemon_threads = True
        if self.tls is not None:  # the handshake in each handler's thread, not in accept()
            self._server.socket = self.tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        record = RequestRecord(handler.command, handler.path, dict(handler.headers.items()))
        with self._lock:
            self.requests.append(record)
        path = urlsplit(handler.path).path
        route = self.routes.get(path)
        reply = route(record) if route else self._static(path, record)
        if reply.delay:
            threading.Event().wait(reply.delay)
        try:
            handler.send_response(reply.status)
            for k, v in reply.headers.items():
                handler.send_header(k, v)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _static(self, path: str, record: RequestRecord) -> Reply:
        if path.endswith("/"):
            path += "index.html"
        body = self.render(path)
        if body is None:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        suffix = Path(path).suffix
        ctype = (
            _TEXT_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
        )
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"Content-Type": ctype, "ETag": etag, "Last-Modified": _FIXED_LAST_MODIFIED}
        if record.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, headers)

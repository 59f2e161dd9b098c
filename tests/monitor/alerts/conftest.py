"""Real receivers on 127.0.0.1 for the alert tests: an SMTP server and a webhook receiver.

``smtp_server``: aiosmtpd on a free port, keeping every message it accepts; it can be
told to hold its answer to DATA (the message is stored, the 250 not yet sent), or to take
its time over each MAIL FROM and RCPT TO.
``tls_smtp``: aiosmtpd with STARTTLS or implicit TLS, with a certificate of ``test_ca``
(tests/conftest.py).
``webhook``: an HTTP server that checks each request's Standard Webhooks signature,
records it, and answers from a script of statuses (503, 503, then 200, say); it can hold
before answering, or after sending the status line. Both are torn down with their
sockets closed (filterwarnings = error).

Helpers write a config and store articles the way the pipeline does: Matcher ->
plan_alerts -> save_article, on a database made by open_database.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from monitor.alerts.routing import plan_alerts
from monitor.config import Config, load_config
from monitor.matcher import Matcher
from monitor.store import open_database
from monitor.store.articles import ArticleRecord, save_article
from tests import support
from tests.conftest import CertAuthority
from tests.support.tls import server_context

SECRET = "whsec_" + base64.b64encode(b"test-secret-0123456789").decode()

TERMS = """
[[terms]]
name = "Putin"
aliases = ["Vladimir Putin", "Путин"]
[[terms]]
name = "Xi"
aliases = ["Xi Jinping"]
[[terms]]
name = "sanctions"
aliases = ["sanction"]
[[rules]]
name = "summit"
query = 'Putin AND Xi'
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- SMTP ----------------------------------------------------------------------------------


@dataclass
class SmtpServer:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    hold: threading.Event | None = None  # set: answer DATA; unset: keep the client waiting
    received: threading.Event = field(default_factory=threading.Event)
    controller: Controller | None = None
    options: dict[str, Any] = field(default_factory=dict)  # Controller kwargs (TLS)
    tls: list[bool] = field(default_factory=list)  # per accepted message: came over TLS
    slow: float = 0.0  # seconds before answering each MAIL FROM and RCPT TO

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        await self._slowly()
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        await self._slowly()
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def _slowly(self) -> None:
        if self.slow:
            import asyncio

            await asyncio.sleep(self.slow)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.tls.append(server.transport.get_extra_info("ssl_object") is not None)
        self.received.set()
        if self.hold is not None:
            import asyncio

            while not self.hold.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            if self.hold is not None:
                self.hold.set()
            self.controller.stop()
            self.controller = None

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running aiosmtpd server; ``.stop()``/``.start()`` take it down and up again."""
    server = SmtpServer(port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_port() -> Iterator[SmtpServer]:
    """An SMTP server on a reserved port that is NOT running yet (call ``.start()``)."""
    server = SmtpServer(port=free_port())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tls_smtp(test_ca: CertAuthority) -> Iterator[Any]:
    """``start(mode, chain=None, port=None)``: aiosmtpd with ``mode`` "starttls" (required)
    or "ssl" (implicit TLS), serving ``chain`` (default: the good certificate)."""
    servers: list[SmtpServer] = []

    def start(mode: str, chain: Path | None = None, port: int | None = None) -> SmtpServer:
        context = server_context(chain or test_ca.good)
        options: dict[str, Any] = (
            {"tls_context": context, "require_starttls": True}
            if mode == "starttls"
            else {"ssl_context": context}
        )
        server = SmtpServer(port=port or free_port(), options=options)
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


# --- webhooks ------------------------------------------------------------------------------


@dataclass
class Hook:
    id: str
    timestamp: str
    body: dict[str, Any]
    status: int


@dataclass
class WebhookReceiver:
    url: str
    secret: str
    statuses: list[int] = field(default_factory=list)  # answered in order, then 200
    hooks: list[Hook] = field(default_factory=list)
    bad_signatures: int = 0
    check_signatures: bool = True  # False: any POST is taken (Apprise's json://)
    hold: str | None = None  # "before": no answer yet; "after": status line sent, then wait
    keep_alive: bool = False  # answer without "connection: close" and keep the connection
    drop_after: int = 0  # with keep_alive: close a connection silently after this many answers
    connections: set[Any] = field(default_factory=set)  # client (host, port) seen
    delay: float = 0.0  # seconds before each answer
    release: threading.Event = field(default_factory=threading.Event)
    received: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        return [h.id for h in self.hooks]

    def verify(self, msg_id: str, timestamp: str, body: bytes, signature: str) -> bool:
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        expected = "v1," + base64.b64encode(mac).decode()
        return any(hmac.compare_digest(expected, s) for s in signature.split())


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        answered = 0

        def do_POST(self) -> None:  # noqa: N802
            with receiver.lock:
                receiver.connections.add(self.client_address)
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            msg_id = self.headers.get("webhook-id", "")
            ts = self.headers.get("webhook-timestamp", "")
            signature = self.headers.get("webhook-signature", "")
            if receiver.check_signatures and not receiver.verify(msg_id, ts, body, signature):
                with receiver.lock:
                    receiver.bad_signatures += 1
                self._answer(401)
                return
            with receiver.lock:
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.hooks.append(Hook(msg_id, ts, json.loads(body), status))
            if receiver.hold == "before":
                receiver.received.set()
                receiver.release.wait(30)
            elif receiver.hold == "after":
                self.wfile.write(f"HTTP/1.1 {status} OK\r\n".encode())
                self.wfile.flush()
                receiver.received.set()
                receiver.release.wait(30)
                return
            receiver.received.set()
            time.sleep(receiver.delay)
            self._answer(status)

        def _answer(self, status: int) -> None:
            payload = b'{"ok": true}' if status < 300 else b"try later"
            self.send_response(status)
            if status == 410:
                payload = b"gone"
            self.send_header("content-length", str(len(payload)))
            if not receiver.keep_alive:
                self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            self.answered += 1
            self.close_connection = not receiver.keep_alive or (
                receiver.drop_after > 0 and self.answered >= receiver.drop_after
            )

    return Handler


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A signature-checking webhook receiver on 127.0.0.1."""
    with serve_webhooks() as receiver:
        yield receiver


@contextmanager
def serve_webhooks() -> Iterator[WebhookReceiver]:
    """A signature-checking webhook receiver on 127.0.0.1, for as long as the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    port = server.server_address[1]
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{port}/hook", secret=SECRET)
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- config and articles -------------------------------------------------------------------


def channel_block(name: str, kind: str, fields: dict[str, Any], extra: str = "") -> str:
    """A [[channels]] block: ``fields`` as TOML values (JSON strings, numbers and string
    lists are TOML too), then ``extra`` TOML lines as given."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in fields.items()]
    return "\n".join(["", "[[channels]]", f'name = "{name}"', f'type = "{kind}"', *lines,
                      extra, ""])  # fmt: skip


def webhook_channel(receiver: WebhookReceiver, name: str = "desk", extra: str = "") -> str:
    """A [[channels]] block for a signed webhook to ``receiver``."""
    fields = {"url": receiver.url, "secret": SECRET, "timeout": 5}
    return channel_block(name, "webhook", fields, extra)


def mail_channel(
    port: int, tls: str = "none", extra: str = "", name: str = "mail", timeout: float = 5
) -> str:
    """A [[channels]] block for e-mail through the SMTP server on 127.0.0.1:``port``."""
    fields = {
        "smtp_url": f"smtp://127.0.0.1:{port}",
        "tls": tls,
        "from": "newshound@example.org",
        "to": ["desk@example.org"],
        "timeout": timeout,
    }
    return channel_block(name, "email", fields, extra)


def write_config(tmp_path: Path, channels: str) -> Path:
    """A config with the test terms, a database in tmp_path and the given [[channels]]."""
    return support.write_config(tmp_path, TERMS, channels)


def store_article(
    config: Config, url: str, title: str, body: str, source: str = "Wire"
) -> int | None:
    """Match and store one article as the pipeline does; returns the article id."""
    result = Matcher(config.terms, config.rules).match(title=title, body=body)
    record = ArticleRecord(url=url, source=source, title=title, text=body)
    matches = [
        {"term": n, "count": tm.count, "snippet": (tm.snippets or [""])[0]}
        for n, tm in result.terms.items()
    ]
    db = open_database(config.storage.path)
    try:
        return save_article(
            db, record, matches, result.rules, plan_alerts(config.channels, record, result),
            keep_text=False,
        )  # fmt: skip
    finally:
        db.close()


def outbox_rows(config: Config) -> list[dict[str, Any]]:
    db = open_database(config.storage.path)
    try:
        return list(db.query("SELECT * FROM outbox ORDER BY id"))
    finally:
        db.close()


@pytest.fixture
def make_config(tmp_path: Path):  # type: ignore[no-untyped-def]
    def make(channels: str) -> Config:
        return load_config(write_config(tmp_path, channels))

    return make

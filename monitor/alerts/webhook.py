"""The webhook channel: a signed JSON POST per the Standard Webhooks spec.

Headers ``webhook-id`` (the delivery's event id: the same on every retry of one alert),
``webhook-timestamp`` (this attempt, unix seconds) and ``webhook-signature`` (``v1,`` +
base64 HMAC-SHA256 of ``id.timestamp.body``; a ``whsec_`` secret is base64, anything else
is used as raw bytes). The body::

    {"type": "article.matched", "timestamp": "…", "data": {"url", "title", "source",
     "published", "terms", "rules", "snippets", "aliases", "counts"}}

A batch (digest or rate-limit overflow) is ``"type": "article.digest"`` with
``data.articles`` (each with its own ``id``); a health alert is ``"type": "source.health"``;
a test alert (``newshound alerts --test``) is ``"type": "newshound.test"``.

The HTTP client is a few lines over ``asyncio.open_connection`` rather than a dependency
(aiohttp's import alone costs about 0.4 CPU s, a fifth of a ``run --once`` start-up):
HTTP/1.1, redirects never followed, certificates verified
(``ssl.create_default_context()``), and the caller's ``asyncio.timeout`` cancels it
cleanly at any point (a connection cut mid-answer is closed, never reused). A delivery
pass keeps one connection per channel open between alerts (``keep_alive``); a kept
connection the receiver closed meanwhile is replaced once, so that alert goes out again
on a new one with the same webhook-id. The target must resolve to a public address unless
``[network] allow_private_addresses = true``; it connects to the address it checked. The
name is looked up in a thread of its own (``threads.py``), so a resolver that hangs
holds up only this channel.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from monitor.alerts.base import Delivery, DeliveryError
from monitor.alerts.threads import in_own_thread
from monitor.config import ChannelConfig, NetworkConfig
from monitor.netcheck import AddressRefused, check_address, check_url
from monitor.store import Alert

__all__ = ["WebhookChannel", "webhook_body", "sign"]

_DATA_KEYS = ("url", "title", "source", "published", "terms", "rules", "snippets", "aliases")


def _article_data(alert: Alert) -> dict[str, Any]:
    p = alert.payload
    return {**{k: p.get(k) for k in _DATA_KEYS}, "counts": p.get("counts", {})}


def webhook_body(delivery: Delivery) -> bytes:
    """The JSON body: the same bytes on every retry of one delivery."""
    if delivery.batch:
        kind = "article.digest"
        data: dict[str, Any] = {
            "articles": [{"id": a.event_id, **_article_data(a)} for a in delivery.alerts]
        }
    elif delivery.alerts[0].kind == "health":
        kind, data = "source.health", dict(delivery.alerts[0].payload)
    elif delivery.alerts[0].kind == "test":  # newshound alerts --test (alerts/sample.py)
        kind, data = "newshound.test", _article_data(delivery.alerts[0])
    else:
        kind, data = "article.matched", _article_data(delivery.alerts[0])
    doc = {"type": kind, "timestamp": delivery.timestamp, "data": data}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def secret_key(secret: str) -> bytes:
    """``whsec_<base64>`` (the spec's form) decoded; any other secret as its UTF-8 bytes."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :], validate=True)
        except ValueError:
            pass
    return secret.encode("utf-8")


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    return _signature(secret_key(secret), msg_id, timestamp, body)


def _signature(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    reason: str
    headers: dict[str, str]  # lower-case names
    body: bytes  # the start of it, for error messages


class WebhookChannel:
    """Signed POSTs to one URL. With ``keep_alive`` (the delivery job's passes) the
    connection and the checked addresses are kept between sends until :meth:`aclose`;
    without it, every send is one connection that it closes (``Connection: close``)."""

    def __init__(
        self, config: ChannelConfig, network: NetworkConfig, *, keep_alive: bool = False
    ) -> None:
        self.name = config.name
        self.url = config.url or ""
        self.secret = config.secret
        self.allow_private = network.allow_private_addresses
        self.host = urlsplit(self.url).hostname or ""
        self.keep_alive = keep_alive
        self._key = secret_key(self.secret) if self.secret else b""
        self._addresses: list[str] = []
        self._resolved_at = -DNS_TTL
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, delivery: Delivery) -> None:
        body = webhook_body(delivery)
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "user-agent": "newshound (+https://github.com/newshound)",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": timestamp,
        }
        if self.secret:
            headers["webhook-signature"] = _signature(self._key, delivery.event_id, timestamp, body)
        answer = await self._post(body, headers)
        self._judge(answer)

    async def aclose(self) -> None:
        """Close the kept connection, if any."""
        if self._conn is not None:
            writer = self._conn[1]
            self._conn = None
            await _close(writer)

    def _judge(self, answer: HttpAnswer) -> None:
        status = answer.status
        if 200 <= status < 300:
            return
        where = f"channel {self.name!r}: HTTP {status} from {self.host}"
        excerpt = answer.body[:200].decode("utf-8", "replace").strip()
        detail = f": {' '.join(excerpt.split())}" if excerpt else ""
        retry_after = _retry_after(answer.headers.get("retry-after"))
        if status == 410:
            raise DeliveryError(
                f"{where}: the receiver says this endpoint is gone; channel disabled "
                "(newshound alerts --enable to turn it back on)",
                permanent=True,
                gone=True,
            )
        if 300 <= status < 400:
            location = answer.headers.get("location", "?")
            raise DeliveryError(
                f"{where}: redirect to {location} not followed; set the channel's url to it",
                permanent=True,
            )
        if status in (408, 429) or status >= 500 or status < 200:
            raise DeliveryError(f"{where}{detail}", retry_after=retry_after)
        raise DeliveryError(f"{where}{detail}", permanent=True)

    async def _post(self, body: bytes, headers: dict[str, str]) -> HttpAnswer:
        parts = urlsplit(self.url)
        where = f"channel {self.name!r} ({self.host})"
        request = _request(parts, body, headers, self.keep_alive)
        if self._conn is not None:  # a kept connection the receiver may have closed since
            try:
                answer = await self._exchange(request, reused=True)
            except _Stale:
                await self.aclose()
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                raise DeliveryError(f"{where}: {_describe(e)}") from None
            else:
                return answer
        await self._connect(parts, where)
        try:
            return await self._exchange(request, reused=False)
        except (OSError, asyncio.IncompleteReadError, ValueError, _Stale) as e:
            raise DeliveryError(f"{where}: {_describe(e)}") from None

    async def _exchange(self, request: bytes, *, reused: bool) -> HttpAnswer:
        """One request on the open connection; it stays open only if the answer allows."""
        assert self._conn is not None
        reader, writer = self._conn
        keep = False
        try:
            answer, keep = await _exchange(reader, writer, request, reused=reused)
            return answer
        finally:  # an error, a cancel (the channel's timeout) or an answer that ends it
            if not (keep and self.keep_alive):
                self._conn = None
                await _close_quietly(writer)

    async def _connect(self, parts: Any, where: str) -> None:
        https = parts.scheme.lower() == "https"
        port = parts.port or (443 if https else 80)
        if time.monotonic() - self._resolved_at >= DNS_TTL:
            self._addresses = await self._resolve(port, where)
            self._resolved_at = time.monotonic()
        context = ssl.create_default_context() if https else None
        error: BaseException | None = None
        for address in self._addresses:
            try:
                self._conn = await asyncio.open_connection(
                    address, port, ssl=context, server_hostname=self.host if https else None
                )
                return
            except ssl.SSLError as e:
                raise DeliveryError(f"{where}: TLS failed: {e.reason or e}") from None
            except OSError as e:
                error = e
        self._resolved_at = -DNS_TTL  # look the name up again next time
        raise DeliveryError(f"{where}: cannot connect: {_describe(error)}")

    async def _resolve(self, port: int, where: str) -> list[str]:
        """The target's addresses, each checked public unless private ones are allowed."""
        if not self.allow_private:
            try:
                check_url(self.url, resolve=False)
            except AddressRefused as e:
                raise DeliveryError(f"{where}: refused, {e}; {_ALLOW}", permanent=True) from None
        try:
            infos = await in_own_thread(socket.getaddrinfo, self.host, port, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError) as e:
            raise DeliveryError(f"{where}: cannot resolve: {e}") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self.allow_private:
            try:
                for address in addresses:
                    check_address(address)
            except AddressRefused as e:
                raise DeliveryError(f"{where}: refused, {e}; {_ALLOW}", permanent=True) from None
        return addresses


DNS_TTL = 60.0  # seconds a kept channel reuses its checked addresses for a new connection
MAX_KEPT_BODY = 65536  # a longer 2xx answer body is not read: the connection is closed


class _Stale(Exception):
    """A reused connection was closed by the receiver before any answer: send again."""


def _is_cancel() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


_ALLOW = "set [network] allow_private_addresses = true to allow it"


def _request(parts: Any, body: bytes, headers: dict[str, str], keep_alive: bool) -> bytes:
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc.rpartition("@")[2]
    lines = [f"POST {path} HTTP/1.1", f"host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    connection = "keep-alive" if keep_alive else "close"
    lines += [f"content-length: {len(body)}", f"connection: {connection}", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes, *, reused: bool
) -> tuple[HttpAnswer, bool]:
    """Send ``request``, read the answer: (answer, whether the connection can carry another)."""
    try:
        writer.write(request)
        await writer.drain()
        first = await reader.readline()
    except (ConnectionError, asyncio.IncompleteReadError):
        if reused:
            raise _Stale() from None
        raise
    if not first and reused:
        raise _Stale()
    status_line = first.decode("latin-1").strip()
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not code.isdigit():
        raise ValueError(f"not an HTTP answer: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for _ in range(200):
        line = (await reader.readline()).decode("latin-1")
        if line in ("\r\n", "\n"):
            break
        if not line:
            raise ValueError("connection closed in the middle of the headers")
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(code)
    if not 200 <= status < 300:
        return HttpAnswer(status, reason, headers, await reader.read(1024)), False
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    length = headers.get("content-length", "")
    if status == 204:
        pass
    elif "transfer-encoding" in headers or not length.isdigit() or int(length) > MAX_KEPT_BODY:
        keep = False  # the answer's end is not known from here: this connection is done
    elif int(length):
        await reader.readexactly(int(length))
    return HttpAnswer(status, reason, headers, b""), keep


async def _close_quietly(writer: asyncio.StreamWriter) -> None:
    """Close ``writer``; when this task is being cancelled, abort without waiting."""
    if _is_cancel():
        writer.transport.abort()
        return
    await _close(writer)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 2)
    except (OSError, TimeoutError, ssl.SSLError):
        writer.transport.abort()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _describe(e: BaseException | None) -> str:
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    if isinstance(e, asyncio.IncompleteReadError):
        return "connection closed before the answer was complete"
    return " ".join(str(e).split()) or type(e).__name__

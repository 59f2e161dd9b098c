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

The HTTP client is a few lines over ``asyncio.open_connection`` rather than a dependency:
one POST, ``Connection: close``, redirects never followed, certificates verified
(``ssl.create_default_context()``), and the caller's ``asyncio.timeout`` cancels it
cleanly at any point. The target must resolve to a public address unless
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

from monitor.alerts.base import Alert, Delivery, DeliveryError
from monitor.alerts.threads import in_own_thread
from monitor.config import ChannelConfig, NetworkConfig
from monitor.netcheck import AddressRefused, check_address, check_url

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
    mac = hmac.new(secret_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    reason: str
    headers: dict[str, str]  # lower-case names
    body: bytes  # the start of it, for error messages


class WebhookChannel:
    def __init__(self, config: ChannelConfig, network: NetworkConfig) -> None:
        self.name = config.name
        self.url = config.url or ""
        self.secret = config.secret
        self.allow_private = network.allow_private_addresses
        self.host = urlsplit(self.url).hostname or ""

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
            headers["webhook-signature"] = sign(self.secret, delivery.event_id, timestamp, body)
        answer = await self._post(body, headers)
        self._judge(answer)

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
        https = parts.scheme.lower() == "https"
        port = parts.port or (443 if https else 80)
        where = f"channel {self.name!r} ({self.host})"
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
        context = ssl.create_default_context() if https else None
        request = _request(parts, body, headers)
        error: BaseException | None = None
        for address in addresses:
            try:
                reader, writer = await asyncio.open_connection(
                    address, port, ssl=context, server_hostname=self.host if https else None
                )
            except ssl.SSLError as e:
                raise DeliveryError(f"{where}: TLS failed: {e.reason or e}") from None
            except OSError as e:
                error = e
                continue
            try:
                return await _exchange(reader, writer, request)
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                raise DeliveryError(f"{where}: {_describe(e)}") from None
            finally:
                await _close(writer)
        raise DeliveryError(f"{where}: cannot connect: {_describe(error)}")


_ALLOW = "set [network] allow_private_addresses = true to allow it"


def _request(parts: Any, body: bytes, headers: dict[str, str]) -> bytes:
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc.rpartition("@")[2]
    lines = [f"POST {path} HTTP/1.1", f"host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"content-length: {len(body)}", "connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> HttpAnswer:
    writer.write(request)
    await writer.drain()
    status_line = (await reader.readline()).decode("latin-1").strip()
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
    body = b"" if 200 <= status < 300 else await reader.read(1024)
    return HttpAnswer(status, reason, headers, body)


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

"""Where things live in Redis, and how to reach it.

Every key starts with ``[cluster] key_prefix`` (default ``newshound``) and a colon:

    <p>:polls              stream  poll jobs, queued by ``newshound run`` (group "workers")
    <p>:outcomes           stream  what workers found, read by the writer (group "writer")
    <p>:known:<sha1>       string  a stored article, by URL key or source+GUID (TTL: retention)
    <p>:robots:<origin>    hash    a host's robots.txt answer: status, body, fetched (TTL 24 h)
    <p>:sitelines:<host>   set     the line hashes learnt as the host's boilerplate
    <p>:worker:<name>      hash    a worker's heartbeat: seen, in_flight, pid, host (TTL)

Streams are trimmed as they are applied: the writer deletes each outcome after it has
committed it, and a worker deletes a job once its outcome is on the outcomes stream.

The ``redis`` package is imported here only when a connection is made: without
``[cluster]`` nothing needs it installed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

__all__ = [
    "WORKERS_GROUP",
    "WRITER_GROUP",
    "Keys",
    "connect",
    "connect_async",
    "ensure_group",
    "known_keys",
]

WORKERS_GROUP = "workers"  # the consumer group of the workers on the polls stream
WRITER_GROUP = "writer"  # the writer's consumer group on the outcomes stream


class ClusterError(RuntimeError):
    """Redis cannot be used (unreachable, refused, a wrong password, TLS): the message
    names it, the URL without its password."""


@dataclass(frozen=True)
class Keys:
    prefix: str = "newshound"

    @property
    def polls(self) -> str:
        return f"{self.prefix}:polls"

    @property
    def outcomes(self) -> str:
        return f"{self.prefix}:outcomes"

    def known(self, key: str) -> str:
        """``key``: ``url_key(url)`` or ``"<source>\\x00<guid>"`` (``known_keys``)."""
        return (
            f"{self.prefix}:known:" + hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()
        )

    def robots(self, origin: str) -> str:
        return f"{self.prefix}:robots:{origin}"

    def site_lines(self, host: str) -> str:
        return f"{self.prefix}:sitelines:{host}"

    def worker(self, name: str) -> str:
        return f"{self.prefix}:worker:{name}"

    @property
    def workers(self) -> str:
        """The pattern of every worker heartbeat key (for ``SCAN``)."""
        return f"{self.prefix}:worker:*"


def known_keys(url_key: str, source: str, guid: str | None) -> list[str]:
    """The keys a stored article is found by: its URL key, and its source's GUID."""
    return [url_key, *([f"{source}\x00{guid}"] if guid else [])]


def connect(url: str) -> Any:
    """A ``redis.Redis`` for ``url`` (redis:// or rediss://, password and db in it)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                health_check_interval=30)  # fmt: skip


def connect_async(url: str) -> Any:
    """A ``redis.asyncio.Redis`` for ``url``, for blocking reads in an event loop."""
    import redis.asyncio

    return redis.asyncio.Redis.from_url(url, socket_connect_timeout=10, health_check_interval=30)


async def ensure_group(client: Any, stream: str, group: str) -> None:
    """The consumer group ``group`` on ``stream``, made with the stream if need be, reading
    from the stream's start (jobs queued before any worker came are read too)."""
    import redis

    try:
        await client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as e:
        if "BUSYGROUP" not in str(e):  # it exists: fine
            raise


def check_redis(url: str) -> None:
    """Raise ``ClusterError`` unless the Redis at ``url`` answers a PING."""
    from monitor.safety import redact_url

    try:
        client = connect(url)
    except ImportError:
        raise ClusterError(
            "[cluster] needs the redis package: pip install 'newshound[cluster]'"
        ) from None
    try:
        client.ping()
    except Exception as e:  # noqa: BLE001 - refused, unreachable, wrong password, TLS
        raise ClusterError(f"[cluster] redis {redact_url(url)}: {e}") from None
    finally:
        client.close()

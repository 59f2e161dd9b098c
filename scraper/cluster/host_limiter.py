"""Per-host politeness across a cluster of crawl workers, kept in Redis.

Scrapy limits one process: ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests in flight per
host, ``DOWNLOAD_DELAY`` (or AutoThrottle's delay) between them. N workers sharing one
queue would each apply those limits, and put N times the load on a site. In a crawl
worker (``newshound worker``: the crawl's config has ``[cluster]``) this middleware
makes the limits the cluster's, in the cluster's Redis:

* **in flight**: each request holds a lease on its host (download slot) while it is
  downloaded: a sorted set per host, lease id -> expiry. A request is let through while
  fewer than the host's limit of leases are held, by all workers together. The lease is
  released on the response or the exception. A worker that dies holds its leases only
  until they expire: the request's download timeout plus the delay plus a margin, by
  which time its download would have ended anyway.
* **delay**: a "next allowed at" per host, set when a request starts to that start plus
  the host's delay: the larger of the worker's slot delay (``DOWNLOAD_DELAY``, AutoThrottle)
  and the robots.txt ``Crawl-delay`` for our user agent (capped at
  ``NEWSHOUND_MAX_CRAWL_DELAY``).

Both are checked and taken in one Lua script, on Redis's clock (workers' clocks may
disagree). A request that may not start yet waits with ``asyncio.sleep`` (the reactor is
asyncio's): other hosts' requests go on meanwhile. The middleware sits last before the
download handler (950, after the HTTP cache's 900), so nothing between taking the lease
and the download can answer or drop the request without the lease being given back.

Without ``[cluster]`` it raises ``NotConfigured``: one process polices itself as Scrapy
always did.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from typing import Any, Self, cast

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from monitor.config import Config
from scraper.cluster.keys import Keys, connect_async
from scraper.middlewares.robots_cache import crawl_delay

__all__ = ["HostLimiterMiddleware", "host_keys"]

logger = logging.getLogger(__name__)

META_KEY = "newshound_host_lease"  # (leases key, lease id) while the request holds one
LEASE_MARGIN = 5.0  # seconds a lease outlives the longest its download can take
MAX_POLL = 0.25  # seconds between tries while a host is at its limit

# Returns {1, 0} when the lease is taken, else {0, ms to wait before trying again}.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) - now}
end
local next_at = tonumber(redis.call('GET', KEYS[2]) or '0')
if next_at > now then
  return {0, next_at - now}
end
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
local delay = tonumber(ARGV[4])
if delay > 0 then
  redis.call('SET', KEYS[2], now + delay, 'PX', delay)
end
return {1, 0}
"""


def host_keys(keys: Keys, host: str) -> tuple[str, str]:
    """The Redis keys of ``host``'s leases (sorted set: lease id -> expiry, ms) and of its
    next allowed start (ms, on Redis's clock)."""
    return f"{keys.prefix}:host:{host}:leases", f"{keys.prefix}:host:{host}:next"


class HostLimiterMiddleware:
    def __init__(self, crawler: Crawler, url: str, keys: Keys) -> None:
        self.crawler, self.url, self.keys = crawler, url, keys
        settings = crawler.settings
        self.limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.download_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.max_crawl_delay = settings.getfloat("NEWSHOUND_MAX_CRAWL_DELAY", 30.0)
        self.stats = crawler.stats
        self._redis: Any = None  # a redis.asyncio.Redis, connected on first use
        self._acquire: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config: Config | None = crawler.settings.get("NEWSHOUND_CONFIG")
        if config is None or config.cluster is None:
            # Off without [cluster], which is the usual case: no message, since Scrapy
            # logs a NotConfigured's message as a warning on every crawl.
            raise NotConfigured
        mw = cls(crawler, config.cluster.redis, Keys(config.cluster.key_prefix))
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    @property
    def redis(self) -> Any:
        if self._redis is None:
            self._redis = connect_async(self.url)
            self._acquire = self._redis.register_script(ACQUIRE)
        return self._redis

    async def spider_closed(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def process_request(self, request: Request) -> None:
        host = self._slot_key(request)
        delay = self._delay(host, request)
        ttl = request.meta.get("download_timeout", self.timeout) + delay + LEASE_MARGIN
        leases, next_at = host_keys(self.keys, host)
        lease = uuid.uuid4().hex
        waited = False
        client = self.redis
        while True:
            taken, wait_ms = cast(
                list[int],
                await self._acquire(
                    keys=[leases, next_at],
                    args=[lease, self.limit, int(ttl * 1000), int(delay * 1000)],
                    client=client,
                ),
            )
            if taken:
                break
            waited = True
            # Someone's lease may end any moment: try again soon, a little apart from the
            # other waiters; a delay is waited out in full.
            wait = max(int(wait_ms), 1) / 1000
            await asyncio.sleep(min(wait, MAX_POLL * random.uniform(0.5, 1.0)))
        if waited:
            self.stats.inc_value("newshound/host_limiter/waited")
        request.meta[META_KEY] = (leases, lease)

    async def process_response(self, request: Request, response: Response) -> Response:
        await self._release(request)
        return response

    async def process_exception(self, request: Request, exception: Exception) -> None:
        await self._release(request)

    async def _release(self, request: Request) -> None:
        held = request.meta.pop(META_KEY, None)
        if held is None:
            return
        import redis  # not at the top: without [cluster] nothing needs it installed

        try:
            await self.redis.zrem(held[0], held[1])
        except redis.RedisError as e:  # it expires by itself; the response goes on
            logger.warning("host lease not released: %s (expires by itself)", e)

    def _slot_key(self, request: Request) -> str:
        engine = self.crawler.engine
        assert engine is not None
        return engine.downloader.get_slot_key(request)

    def _delay(self, host: str, request: Request) -> float:
        """Seconds between starts of requests to ``host``: this worker's slot delay (its
        DOWNLOAD_DELAY or AutoThrottle's), or robots.txt's Crawl-delay when longer."""
        engine = self.crawler.engine
        assert engine is not None
        downloader = engine.downloader
        slot = downloader.slots.get(host)
        if slot is not None:
            delay = slot.delay
        else:
            delay = downloader.per_slot_settings.get(host, {}).get("delay", self.download_delay)
        robots = crawl_delay(self.crawler, request)
        if robots is not None:
            delay = max(delay, min(robots, self.max_crawl_delay))
        return float(delay)

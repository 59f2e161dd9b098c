"""One crawl worker's downloads, for the host limiter tests: ``python -m
tests.support.host_crawl URL...`` fetches every URL with newshound's downloader
middlewares for politeness (robots.txt, the host limiter) and Scrapy's concurrency and
delay settings, and prints one line per answer (``200 URL``).

With ``--redis URL --limit-hosts`` the crawl's config has ``[cluster] redis = URL`` (the
host limiter is on); without it the crawl polices itself alone, as one process always
has. ``--barrier KEY:N`` (needs ``--redis``) waits until N crawls reached the barrier, so
that they overlap.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import AsyncIterator
from typing import Any

import redis
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from monitor.config import parse_config


class UrlsSpider(scrapy.Spider):
    name = "urls"

    def __init__(self, urls: list[str], worker: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls, self.worker = urls, worker

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, headers={"X-Worker": self.worker}, dont_filter=True)

    def parse(self, response: Response) -> None:
        print(response.status, response.url, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--redis")
    parser.add_argument("--limit-hosts", action="store_true")
    parser.add_argument("--barrier")
    parser.add_argument("--worker", default="w")
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--robots", action="store_true")
    args = parser.parse_args()
    if args.barrier:
        key, n = args.barrier.rsplit(":", 1)
        with redis.Redis.from_url(args.redis) as r:
            r.incr(key)
            deadline = time.monotonic() + 60
            while int(r.get(key) or 0) < int(n) and time.monotonic() < deadline:
                time.sleep(0.01)
    settings = {
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.per_host,
        "DOWNLOAD_DELAY": args.delay,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "DOWNLOAD_TIMEOUT": args.timeout,
        "RETRY_ENABLED": False,
        "ROBOTSTXT_OBEY": args.robots,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "scraper.middlewares.robots_cache.CachedRobotsTxtMiddleware": 100,
            "scraper.cluster.host_limiter.HostLimiterMiddleware": 950,
        },
    }
    if args.limit_hosts:
        cluster = f'[storage]\npath = "unused.db"\n[cluster]\nredis = "{args.redis}"\n'
        settings["NEWSHOUND_CONFIG"] = parse_config(cluster)
    process = CrawlerProcess(settings, install_root_handler=False)
    process.crawl(UrlsSpider, urls=args.urls, worker=args.worker)
    process.start()


if __name__ == "__main__":
    main()

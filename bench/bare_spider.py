"""The floor of a conditional GET in Scrapy: a spider that does nothing with the answers.

Run by ``bench/daemon.py`` in a process of its own: reads ``[[url, etag], ...]`` on stdin
and asks for all of them ``--passes`` times, in crawls of ``--batch`` (each crawl a new
``Crawler``, one reactor, as in a crawl worker), each request carrying ``If-None-Match``,
with Scrapy's default settings (robots.txt not asked for, nothing listening): what a
Scrapy user starts from. Prints the CPU seconds of each pass as JSON. The daemon's CPU per
unchanged source is read against it: what a 304 costs newshound, as a share of what it
costs Scrapy out of the box, on the same server at the same moment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1000, help="requests per crawl")
    ap.add_argument("--verify", action="store_true", help="DOWNLOAD_VERIFY_CERTIFICATES")
    args = ap.parse_args()
    targets: list[list[str]] = json.load(sys.stdin)

    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    import scrapy
    from scrapy.crawler import AsyncCrawlerRunner
    from scrapy.settings import Settings
    from twisted.internet import reactor as installed
    from twisted.internet.defer import Deferred

    reactor: Any = installed

    class Conditional(scrapy.Spider):
        name = "conditional"
        batch: list[list[str]]

        async def start(self) -> Any:
            for url, etag in self.batch:
                yield scrapy.Request(url, headers={"If-None-Match": etag}, dont_filter=True)

        def parse(self, response: Any) -> None:
            if response.status != 304:
                raise RuntimeError(f"{response.url}: {response.status}, not 304")

    settings = Settings()
    settings.setdict({"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False,
                      "HTTPERROR_ALLOWED_CODES": [304],
                      "DOWNLOAD_VERIFY_CERTIFICATES": args.verify}, priority="cmdline")  # fmt: skip
    seconds: list[float] = []

    async def crawl_all() -> None:
        runner = AsyncCrawlerRunner(settings)
        for _ in range(args.passes):
            start = time.process_time()
            for i in range(0, len(targets), args.batch):
                await runner.crawl(Conditional, batch=targets[i : i + args.batch])
            seconds.append(time.process_time() - start)

    done = Deferred.fromFuture(asyncio.ensure_future(crawl_all()))
    done.addErrback(lambda f: print(f.getTraceback(), file=sys.stderr))
    done.addBoth(lambda _: reactor.stop())
    reactor.run()
    print(json.dumps(seconds))


if __name__ == "__main__":
    main()

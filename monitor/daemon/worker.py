"""``newshound worker``: one Scrapy crawl that polls what Redis hands it, until stopped.

The same spider code, middlewares and pipeline stages as a local crawl (robots.txt,
conditional GET, politeness, dedupe, cleaner, matcher), with four parts swapped
(``scraper.cluster``): the spider takes its sources from poll jobs on Redis rather than
from the config, dedupe and robots.txt remember what they saw for minutes rather than
for the crawl's life, and the last stage sends what it found to the writer (``newshound
run``) instead of writing a database. The worker opens no SQLite file: the config's
``[[sources]]`` and ``[storage]`` are not used here (each job carries its source).

SIGTERM/SIGINT: Scrapy's graceful stop. Polls that have not settled are not
acknowledged; another worker takes them after ``[cluster] visibility_timeout``.
"""

from __future__ import annotations

from dataclasses import replace

from monitor.config import Config

__all__ = ["run_worker"]

MIDDLEWARES = {
    "scraper.middlewares.robots_cache.CachedRobotsTxtMiddleware": None,
    "scraper.cluster.robots.ClusterRobotsTxtMiddleware": 100,
}

PIPELINES = {
    "scraper.pipelines.DedupePipeline": None,
    "scraper.cluster.dedupe.ClusterDedupePipeline": 100,
    "scraper.writer.WriterPipeline": None,
    "scraper.cluster.emitter.EmitterPipeline": 400,
}


def run_worker(config: Config, *, concurrency: int = 16, name: str | None = None,
               log_level: str = "INFO") -> int:  # fmt: skip
    """Crawl poll jobs from ``config.cluster``'s Redis until stopped; the exit code."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from scraper.cluster.spider import ClusterSpider, worker_name

    assert config.cluster is not None
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    pipelines = dict(settings.getdict("ITEM_PIPELINES")) | PIPELINES
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES")) | MIDDLEWARES
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
    settings.set("LOG_LEVEL", log_level.upper(), priority="cmdline")
    settings.set("NEWSHOUND_WORKER_NAME", name or worker_name(), priority="cmdline")
    settings.set("NEWSHOUND_WORKER_CONCURRENCY", concurrency, priority="cmdline")
    # Its sources come with each poll job; nothing of [storage] is opened.
    settings.set("NEWSHOUND_CONFIG", replace(config, sources=()), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ClusterSpider)
    process.crawl(crawler)
    process.start()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return 0 if reason == "shutdown" else 1  # a worker ends only when told to

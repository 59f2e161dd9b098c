"""Many machines: crawl workers fed through Redis, one writer (issue #19).

``keys`` names every Redis key and connects; ``messages`` is the JSON of what goes
through Redis (poll jobs one way, outcomes the other); ``state`` is a worker's
``CrawlState`` backed by Redis; ``emitter`` is the worker's last pipeline stage (in place
of ``scraper.writer.WriterPipeline``); ``spider`` is the worker's spider, fed with poll
jobs by a streaming ``start()``; ``host_limiter`` holds each host's politeness limits
across the workers; ``report`` reads the workers' heartbeats and the queues' depths for
``status`` and ``/metrics``. The writer's side is ``monitor/daemon/cluster.py``.
"""

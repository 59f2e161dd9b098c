"""Scrapy settings for newshound: polite, bounded, and with nothing listening.

newshound's own keys start with ``NEWSHOUND_``; ``NEWSHOUND_CONFIG`` carries the validated
``monitor.config.Config`` (set by the daemon, or by ``FeedsSpider.from_crawler`` for
``scrapy crawl feeds -a config=F``).
"""

from scrapy.settings import default_settings as _defaults

BOT_NAME = "newshound"
SPIDER_MODULES = ["scraper.spiders"]
NEWSPIDER_MODULE = "scraper.spiders"

USER_AGENT = "newshound/0.1 (news monitor; +https://github.com/newshound/newshound)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False

# Per-host politeness: a couple of connections per host, AutoThrottle on top.
CONCURRENT_REQUESTS = 64
# Items of one callback's output processed at once. Scrapy starts this many tasks for every
# output, even a 304's empty one (its default of 100 cost ~3 ms of CPU per unchanged
# source); a feed's pages are mostly on one host, fetched two at a time, so more would wait.
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Retries on server errors; news is small, so caps are small.
RETRY_ENABLED = True
RETRY_TIMES = 2
# Not 429, and not an answer with Retry-After: see middlewares/retry.py.
RETRY_HTTP_CODES = [408, 500, 502, 503, 504, 522, 524]
# Scrapy's list minus DownloadTimeoutError: a source that did not answer within
# DOWNLOAD_TIMEOUT is tried again at its next poll, not three times in this crawl (a
# server that never answers or trickles a byte a second then holds a crawl 30 s, not 90 s).
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.CannotResolveHostError",
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,  # HttpCompressionMiddleware on an empty compressed body
]
DOWNLOAD_TIMEOUT = 30  # the whole download, not per read: a trickling server is cut off too
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # pages; feeds get NEWSHOUND_FEED_MAXSIZE
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
NEWSHOUND_FEED_MAXSIZE = 5 * 1024 * 1024
# The shape of a body that fits (middlewares/response_guard.py): refused before parsing.
NEWSHOUND_PAGE_MAX_ELEMENTS = 50_000
NEWSHOUND_FEED_MAX_ELEMENTS = 100_000
NEWSHOUND_MAX_TEXT_RUN = 1024 * 1024  # one text node, outside <script> and <style>
NEWSHOUND_PAGE_MAX_TEXT = 2 * 1024 * 1024  # all of a page's text together
REDIRECT_MAX_TIMES = 5
DNS_TIMEOUT = 15
# The address connected to is the address checked (DNS rebinding): see public_address.py.
TWISTED_DNS_RESOLVER = "scraper.middlewares.public_address.PublicAddressResolver"

# https sources are fetched only from a server whose certificate the system trusts and
# names the host, as a browser would: otherwise a network in between could feed the
# monitor made-up stories. Scrapy's default is to check nothing. ``[network]
# verify_certificates = false`` (FeedsSpider.from_crawler) goes back to that.
DOWNLOAD_VERIFY_CERTIFICATES = True

# Only http and https are ever fetched: a redirect to file:, data:, ftp: or s3: goes nowhere.
# https connections are made from one verifying TLS context per process (scraper/tls.py):
# Scrapy's handler builds one per connection, reading the trust store each time.
DOWNLOAD_HANDLERS = {
    "file": None, "data": None, "ftp": None, "s3": None,
    "https": "scraper.tls.HTTPSDownloadHandler",
}  # fmt: skip

# Nothing listens: no Telnet console, no RemoteControl HTTP server (on by default in 2.19).
# Both are left out of Scrapy's base list, not set to None: Scrapy imports every component
# a list names, even one switched off, and these two imports (aiohttp, twisted.conch) cost
# each crawl process 0.18 CPU s and ~12 MB. Likewise the cookies middleware (tldextract,
# requests), which COOKIES_ENABLED = False would switch off only once imported.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
_never_loaded = {  # lower case: not a setting
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
}
EXTENSIONS_BASE = {k: v for k, v in _defaults.EXTENSIONS_BASE.items() if k not in _never_loaded}
DOWNLOADER_MIDDLEWARES_BASE = {
    k: v for k, v in _defaults.DOWNLOADER_MIDDLEWARES_BASE.items() if k not in _never_loaded
}
EXTENSIONS = {
    # AutoThrottle, with a 304 counted as the full answer it is (scraper/throttle.py)
    "scrapy.extensions.throttle.AutoThrottle": None,
    "scraper.throttle.ConditionalAutoThrottle": 0,
}

HTTPCACHE_ENABLED = False  # conditional GET is ours: see middlewares/conditional_get.py

DOWNLOADER_MIDDLEWARES = {
    # robots.txt is obeyed as by Scrapy, and kept a day in SQLite across crawls
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scraper.middlewares.robots_cache.CachedRobotsTxtMiddleware": 100,
    "scraper.middlewares.url_credentials.UrlCredentialsMiddleware": 10,
    "scraper.middlewares.public_address.PublicAddressMiddleware": 50,
    "scraper.middlewares.conditional_get.ConditionalGetMiddleware": 560,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.middlewares.retry.PoliteRetryMiddleware": 550,
    "scraper.middlewares.response_guard.ResponseGuardMiddleware": 585,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "scraper.middlewares.response_guard.BoundedDecompressionMiddleware": 590,
    # With REDIS_URL (a crawl worker of a cluster): the per-host limits and delays below
    # held by all workers together; last before the download. Off without it.
    "scraper.cluster.host_limiter.HostLimiterMiddleware": 950,
}
# A robots.txt Crawl-delay is honoured across the cluster up to this many seconds.
NEWSHOUND_MAX_CRAWL_DELAY = 30.0

# Components with nothing to do here, yet run on every request: no spider sets
# allowed_domains (offsite) or http_user (auth), and nothing reads depth.
# No Referer is sent (a feed poll comes from no page, and a site need not learn which feed
# led to it) by policy, not by REFERER_ENABLED = False: without the Referer middleware,
# Scrapy's redirect middlewares warn on every crawl that they cannot set the header.
REFERRER_POLICY = "no-referrer"
# Header sizes and byte counts per request and response, which nothing reads: the crawl's
# report counts responses from the core stats.
DOWNLOADER_STATS = False
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
DOWNLOADER_MIDDLEWARES |= {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
}

ITEM_PIPELINES = {
    "scraper.pipelines.DedupePipeline": 100,
    "scraper.pipelines.FetchPagePipeline": 150,
    "scraper.pipelines.CleanPipeline": 200,
    "scraper.pipelines.MatchPipeline": 300,
    "scraper.writer.WriterPipeline": 400,
}

# Scrapy's check for ``return value`` in generator callbacks parses the callback's source
# (inspect + ast, ~2.7 ms) on every response: its cache is keyed by the bound method, a new
# object each time, so it never hits. It is a check for spider authors; ours are tested.
WARN_ON_GENERATOR_RETURN_VALUE = False

LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

"""Scrapy's retries, except for an answer that says when to come back.

Scrapy retries a 503 at once, twice, whatever the server said. A server that answers
with ``Retry-After`` has said when it wants to be asked again: the retry is left to the
daemon, whose next poll of the source honours it (``monitor.store.backoff``). A 429 is
not in ``RETRY_HTTP_CODES`` at all: "too many requests" is the one answer an immediate
retry cannot help.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response


class PoliteRetryMiddleware(RetryMiddleware):
    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if response.headers.get(b"Retry-After"):
            return response
        return super().process_response(request, response)

"""Refuse bodies too big to parse safely, before any parser sees them.

Sits between the downloader and the spider/pipeline (downloader middleware, priority
585: after decompression at 590, so it sees what the parsers would see). Scrapy already
stops a download at ``DOWNLOAD_MAXSIZE`` (``download_maxsize`` meta: 5 MiB for sources)
and a decompression at the same size; what is left is the *shape* of a body that fits:

- too many elements (a 10 MB page of 400,000 ``<p>`` took the cleaner 44 s and 830 MB);
- one enormous text node, or too much text in all (outside ``<script>``/``<style>``);

Each refusal is an ``IgnoreRequest`` whose message starts with ``too large:``, so the
spider records it as the source's ``last_error`` and the pipeline drops the page. The
same wording replaces Scrapy's messages for an oversized or bomb-sized download.

A body that ends in ``<meta`` (a page cut off mid-tag) gets one space appended: w3lib's
encoding prescan (Rust, frostwork 0.2) panics on it, and the panic, a BaseException,
would fail the source in the spider's ``response.text`` or selectors.

Limits are settings (``scraper/settings.py``): ``NEWSHOUND_PAGE_MAX_ELEMENTS``,
``NEWSHOUND_FEED_MAX_ELEMENTS``, ``NEWSHOUND_MAX_TEXT_RUN``, ``NEWSHOUND_PAGE_MAX_TEXT``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

__all__ = ["BodyLimits", "BoundedDecompressionMiddleware", "ResponseGuardMiddleware"]

_ELEMENT = re.compile(rb"<[A-Za-z]")
_RAW_TEXT = re.compile(rb"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_TAG = re.compile(rb"<[^>]*>")


@dataclass(frozen=True)
class BodyLimits:
    max_elements: int
    max_text_run: int
    max_text: int  # 0: no limit on all text together


def body_too_large(body: bytes, limits: BodyLimits) -> str | None:
    """Why ``body`` is too large to parse, or None. Linear in the body's size.

    A body that cannot break a limit is not scanned for it: every element starts with a
    ``<`` (one ``bytes.count`` bounds the element count), and no text, all of it or one
    run, is longer than the body. An ordinary page costs one count, not three regex passes.
    """
    if body.count(b"<") > limits.max_elements:
        elements = len(_ELEMENT.findall(body))
        if elements > limits.max_elements:
            return f"too large: {elements} elements (at most {limits.max_elements})"
    check_text = bool(limits.max_text) and len(body) > limits.max_text
    if not check_text and len(body) <= limits.max_text_run:
        return None
    outside = _RAW_TEXT.sub(b"", body)  # once, for both checks below
    if check_text:
        text = _TAG.sub(b"", outside)
        if len(text) > limits.max_text:
            return f"too large: {_mib(len(text))} of text (at most {_mib(limits.max_text)})"
    if len(outside) > limits.max_text_run and _longest_text_run(outside) > limits.max_text_run:
        return f"too large: a text node over {_mib(limits.max_text_run)}"
    return None


_TEXT_RUN = re.compile(rb"[^<]+")


def _longest_text_run(body: bytes) -> int:
    """The length of the longest run of bytes without a ``<``, in one pass.

    Not ``re.search(b"[^<]{N}")``: that restarts at every position of a run shorter than
    N, so six 200 KB runs cost 35 s. Each match here is maximal and starts where the last
    one ended, so every byte is looked at once.
    """
    return max((m.end() - m.start() for m in _TEXT_RUN.finditer(body)), default=0)


def _with_body(response: Response, body: bytes) -> Response:
    """``response`` with another body. Not ``response.replace(body=...)``: that reads
    every attribute of the old response, its encoding too, which runs the very prescan
    that panics; the encoding given at construction (``_encoding``) is carried instead."""
    kwargs = {a: getattr(response, a) for a in response.attributes if a not in ("body", "encoding")}
    if isinstance(response, TextResponse):
        kwargs["encoding"] = response._encoding
    return type(response)(body=body, **kwargs)


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


class ResponseGuardMiddleware:
    def __init__(
        self, feed: BodyLimits, page: BodyLimits, stats: StatsCollector, maxsize: int = 0
    ) -> None:
        self.feed, self.page, self.stats = feed, page, stats
        self.maxsize = maxsize  # DOWNLOAD_MAXSIZE, when a request sets no download_maxsize

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        run = s.getint("NEWSHOUND_MAX_TEXT_RUN")
        return cls(
            feed=BodyLimits(s.getint("NEWSHOUND_FEED_MAX_ELEMENTS"), run, 0),
            page=BodyLimits(
                s.getint("NEWSHOUND_PAGE_MAX_ELEMENTS"), run, s.getint("NEWSHOUND_PAGE_MAX_TEXT")
            ),
            stats=crawler.stats,
            maxsize=s.getint("DOWNLOAD_MAXSIZE"),
        )

    def process_response(self, request: Request, response: Response) -> Response:
        if "newshound_source" not in request.meta or response.status != 200:
            return response  # robots.txt, redirects, errors: nothing of ours parses them
        # A source's own body and the feeds/sitemaps it leads to are read as lists of
        # items (feed limits); article pages and listing pages 2+ as pages.
        listing = request.meta.get("newshound_conditional") or request.meta.get(
            "newshound_role"
        ) in ("sitemap", "feed")
        limits = self.feed if listing else self.page
        reason = body_too_large(response.body, limits)
        if reason:
            self.stats.inc_value("newshound/guard/too_large")
            raise IgnoreRequest(f"{reason}; {response.url} refused")
        if response.body[-5:].lower() == b"<meta":
            return _with_body(response, response.body + b" ")
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """Scrapy cancels a download past ``download_maxsize``: say "too large".

        With a Content-Length over the limit the error says so; a body that grows past it
        (no Content-Length, or a false one) is cut off with a bare DownloadCancelledError,
        nothing else cancels a download here.
        """
        if isinstance(exception, DownloadCancelledError):
            limit = request.meta.get("download_maxsize", self.maxsize)
            message = str(exception) or (
                f"the body passed {_mib(limit)} and was cut off" if limit else "cut off"
            )
            self.stats.inc_value("newshound/guard/too_large")
            raise IgnoreRequest(f"too large: {message}")


class BoundedDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's gzip/deflate/brotli/zstd decoding, which stops at ``download_maxsize``;
    a bomb is reported as "too large" like any other oversized body."""

    # Scrapy >= 2.13 calls it without the spider its base class still declares.
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as e:
            raise IgnoreRequest(f"too large: {e}") from e

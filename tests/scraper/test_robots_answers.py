"""A crawl worker keeps robots.txt answers only for URLs it will ask about again."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from scraper.middlewares import robots_cache
from scraper.middlewares.robots_cache import CachedRobotsTxtMiddleware, KeptRobots

BODY = b"User-agent: *\nDisallow: /private/\n"


@pytest.fixture
def middleware(monkeypatch: pytest.MonkeyPatch) -> CachedRobotsTxtMiddleware:
    monkeypatch.setattr(robots_cache, "ANSWERS", type(robots_cache.ANSWERS)())
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    mw = CachedRobotsTxtMiddleware(crawler)
    mw._parsers["news.example"] = KeptRobots(mw, BODY, fetched=1.0)
    return mw


def test_a_feeds_answer_is_kept_and_an_article_pages_is_not(
    middleware: CachedRobotsTxtMiddleware,
) -> None:
    feed = Request("https://news.example/feed.xml", meta={"newshound_conditional": True})
    listing = Request("https://news.example/world/", meta={"newshound_role": "listing"})
    article = Request("https://news.example/2026/12/story.html", meta={"newshound_source": "n"})
    for request in (feed, listing, article):
        middleware.process_request_2(None, request)
    kept = {url for url, _agent in robots_cache.ANSWERS}
    assert kept == {feed.url, listing.url}  # polled again; the article page is asked once


def test_an_article_page_is_still_refused_where_robots_txt_says_so(
    middleware: CachedRobotsTxtMiddleware,
) -> None:
    with pytest.raises(IgnoreRequest):
        middleware.process_request_2(None, Request("https://news.example/private/a.html"))
    assert not robots_cache.ANSWERS

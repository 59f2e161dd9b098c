"""Canonical URLs and URL keys: one spelling per story."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.cleaner import clean_html
from monitor.store.canonical import (
    canonicalize_url,
    declared_canonical,
    page_canonical,
    same_site,
    url_key,
)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://News.Example:443/a?utm_source=x&b=2&a=1#top", "https://news.example/a?a=1&b=2"),
        ("http://news.example:80", "http://news.example/"),
        ("http://news.example:8080/a/", "http://news.example:8080/a/"),
        ("https://news.example/a?amp=1", "https://news.example/a"),
        ("https://news.example/a?outputType=amp&id=3", "https://news.example/a?id=3"),
        ("https://news.example/a?outputType=print", "https://news.example/a?outputType=print"),
        ("mailto:desk@news.example", "mailto:desk@news.example"),
    ],
    ids=["tracking-port-case", "default-port", "other-port", "amp-param", "outputtype-amp",
         "outputtype-print", "not-http"],
)  # fmt: skip
def test_canonical_spelling(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical


@pytest.mark.parametrize(
    "copy",
    ["https://www.news.example/world/story", "http://news.example/world/story/",
     "https://m.news.example/world/story", "https://mobile.news.example/world/story",
     "https://amp.news.example/world/story", "https://news.example/amp/world/story",
     "https://news.example/world/story/amp/", "https://news.example/world/story?amp=1",
     "https://news.example:443/world/story?utm_campaign=x"],
    ids=["www", "http-slash", "m", "mobile", "amp-host", "amp-prefix", "amp-suffix",
         "amp-param", "port-tracking"],
)  # fmt: skip
def test_amp_mobile_www_and_slash_copies_share_one_key(copy: str) -> None:
    assert (
        url_key(copy) == url_key("https://news.example/world/story") == "news.example/world/story"
    )


def test_amp_html_suffix_and_different_pages_keep_their_own_keys() -> None:
    assert url_key("https://n.example/a/story.amp.html") == url_key(
        "https://n.example/a/story.html"
    )
    assert url_key("https://n.example/a") != url_key("https://n.example/b")
    assert url_key("https://n.example/a?id=1") != url_key("https://n.example/a?id=2")
    assert url_key("https://news.example/amplifier") == "news.example/amplifier"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://www.bbc.co.uk/news/1", "https://m.bbc.co.uk/news/1", True),
        ("https://news.example.org/a", "https://example.org/b", True),
        ("https://example.org/a", "https://example.com/a", False),
        ("https://a.co.uk/", "https://b.co.uk/", False),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b", True),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a", False),
    ],
    ids=["mobile-host", "subdomain", "other-tld", "other-co-uk", "same-ip-port", "other-port"],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same


FIXTURES = Path(__file__).parents[3] / "fixtures"
Reader = Callable[[bytes, str], str | None]


def page(head: str, body: str = "<p>x</p>") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def from_cleaner(body: bytes, url: str) -> str | None:
    """The crawl's way: the declarations the cleaner read in its own parse of the page."""
    return declared_canonical(clean_html(body, url).canonical, url)


# Both readers of a page's canonical give the same answer: page_canonical parses the head
# itself, the crawl takes what the cleaner read.
READERS = pytest.mark.parametrize("read", [page_canonical, from_cleaner], ids=["head", "cleaner"])


@READERS
def test_rel_canonical_wins_over_og_url_and_is_canonicalized(read: Reader) -> None:
    body = page('<meta property="og:url" content="https://news.example/og">'
                '<link rel="Canonical" href="/world/story?utm_source=amp">')  # fmt: skip
    got = read(body, "https://amp.news.example/world/story")
    assert got == "https://amp.news.example/world/story"
    body = page('<link rel="canonical" href="https://www.news.example/world/story">')
    assert read(body, "https://amp.news.example/s") == "https://www.news.example/world/story"


@READERS
def test_og_url_used_without_rel_canonical(read: Reader) -> None:
    body = page('<meta property="og:url" content="https://news.example/og/">')
    assert read(body, "https://news.example/x") == "https://news.example/og/"


@READERS
def test_a_believable_declaration_after_one_that_is_not(read: Reader) -> None:
    body = page('<link rel="canonical" href="https://other.example/stolen">'
                '<meta name="og:url" content="https://news.example/og/">')  # fmt: skip
    assert read(body, "https://news.example/x") == "https://news.example/og/"


@READERS
def test_a_canonical_in_the_body_is_not_the_pages(read: Reader) -> None:
    # e.g. an embedded story's markup: only the head speaks for the page
    body = page("", '<p>x</p><link rel="canonical" href="https://news.example/embedded">')
    assert read(body, "https://news.example/x") is None


@READERS
@pytest.mark.parametrize(
    "head",
    ['<link rel="canonical" href="https://other.example/stolen">',
     '<link rel="canonical" href="javascript:alert(1)">', '<link rel="canonical" href="">', ""],
    ids=["other-site", "javascript", "empty", "none"],
)  # fmt: skip
def test_no_canonical_believed(read: Reader, head: str) -> None:
    assert read(page(head), "https://news.example/x") is None


@pytest.mark.parametrize(
    "path", sorted(FIXTURES.glob("sources/*/articles/*.html")), ids=lambda p: p.stem
)
def test_the_cleaners_declarations_give_the_heads_canonical(path: Path) -> None:
    base = "http://127.0.0.1:8000"
    body, url = path.read_bytes().replace(b"{BASE}", base.encode()), f"{base}/a/{path.name}"
    assert from_cleaner(body, url) == page_canonical(body, url)

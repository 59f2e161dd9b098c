"""Canonical URLs and URL keys: one spelling per story."""

from __future__ import annotations

import pytest

from monitor.store.canonical import canonicalize_url, page_canonical, same_site, url_key


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


def page(head: str, body: str = "<p>x</p>") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def test_rel_canonical_wins_over_og_url_and_is_canonicalized() -> None:
    body = page('<meta property="og:url" content="https://news.example/og">'
                '<link rel="Canonical" href="/world/story?utm_source=amp">')  # fmt: skip
    got = page_canonical(body, "https://amp.news.example/world/story")
    assert got == "https://amp.news.example/world/story"
    body = page('<link rel="canonical" href="https://www.news.example/world/story">')
    assert (
        page_canonical(body, "https://amp.news.example/s") == "https://www.news.example/world/story"
    )


def test_og_url_used_without_rel_canonical() -> None:
    body = page('<meta property="og:url" content="https://news.example/og/">')
    assert page_canonical(body, "https://news.example/x") == "https://news.example/og/"


def test_a_believable_declaration_after_one_that_is_not() -> None:
    body = page('<link rel="canonical" href="https://other.example/stolen">'
                '<meta name="og:url" content="https://news.example/og/">')  # fmt: skip
    assert page_canonical(body, "https://news.example/x") == "https://news.example/og/"


def test_a_canonical_in_the_body_is_not_the_pages() -> None:
    # e.g. an embedded story's markup: only the head speaks for the page
    body = page("", '<p>x</p><link rel="canonical" href="https://news.example/embedded">')
    assert page_canonical(body, "https://news.example/x") is None


@pytest.mark.parametrize(
    "head",
    ['<link rel="canonical" href="https://other.example/stolen">',
     '<link rel="canonical" href="javascript:alert(1)">', '<link rel="canonical" href="">', ""],
    ids=["other-site", "javascript", "empty", "none"],
)  # fmt: skip
def test_no_canonical_believed(head: str) -> None:
    assert page_canonical(page(head), "https://news.example/x") is None

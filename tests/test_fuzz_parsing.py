"""Hypothesis: hostile feed and page bytes never raise past the parsers.

``parse_feed_entries`` may raise ValueError (the spider records "not a feed" and moves
on) and nothing else; ``clean_html`` may raise ``DocumentError`` (over the cleaner's
caps: the pipeline falls back to the feed's text) and nothing else.
Inputs are built from the pieces hostile documents are made of (truncated XML, NUL bytes,
mixed encodings, unclosed comments, CDATA, DOCTYPEs and entities), kept small so the
whole file runs in well under 30 s.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy.http import Headers

from monitor.cleaner import clean_html
from monitor.cleaner.document import DocumentError
from scraper.feedparse import parse_feed_entries

FEED_PIECES = [
    '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="utf-16"?>',
    '<?xml version="1.0" encoding="bogus-enc"?>', "<!DOCTYPE rss [", '<!ENTITY a "AAAA">',
    '<!ENTITY % p SYSTEM "file:///etc/passwd">', "%p;", "]>", '<rss version="2.0">',
    "<channel>", "<title>T</title>", "<item>", "<title>Putin &a; &amp; &#0; &#xD800;</title>",
    "<link>http://x.example/a</link>", "<link>javascript:alert(1)</link>", "<guid>g0</guid>",
    "<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate>", "<pubDate>32 Foo 2020</pubDate>",
    "<description><![CDATA[<p>x</p>", "]]></description>", "<!-- unclosed", "-->", "</item>",
    "</channel>", "</rss>", '<feed xmlns="http://www.w3.org/2005/Atom">', "<entry>",
    '<link href="http://x.example/b"/>', "</entry>", "</feed>", "\x00", "\ufeff", "\u2028",
    "\r\n", "<", ">", "&", "&big;", "<div>" * 50,
]  # fmt: skip
HTML_PIECES = [
    "<!doctype html>", "<html>", '<meta charset="utf-16">', '<meta charset="x-nonsense">',
    "<head><title>Putin</title></head>", "<body>", "<article>", "<p>Putin met Xi.</p>",
    "<!-- unclosed comment", "-->", "<script>var x = '</p>';", "</script>", "<style>p{}",
    "<![CDATA[", "]]>", "<table><tr><td>", "\x00", "\ufeff", "&nbsp;&#0;&#x110000;", "<",
    "</div>" * 20, "<div>" * 300, "</body>", "</html>", "<svg><foreignObject>",
    "<math><mi>", "<p>Путин и 习近平</p>",
]  # fmt: skip
ENCODINGS = ["utf-8", "latin-1", "utf-16-le", "utf-16-be", "cp1252", "shift_jis"]


def document(pieces: list[str]) -> st.SearchStrategy[bytes]:
    """Pieces joined, each in its own encoding (mixed encodings), then truncated."""
    piece = st.tuples(st.sampled_from(pieces), st.sampled_from(ENCODINGS)).map(
        lambda p: p[0].encode(p[1], errors="replace")
    )
    return st.tuples(
        st.lists(piece | st.binary(max_size=16), max_size=40), st.integers(0, 4000)
    ).map(lambda t: b"".join(t[0])[: t[1] or None])


FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@FUZZ
@given(document(FEED_PIECES))
def test_feed_parsing_raises_nothing_but_value_error(body: bytes) -> None:
    headers = Headers({"Content-Type": "application/rss+xml"})
    try:
        entries = parse_feed_entries(body, "http://x.example/feed", headers, "fuzz")
    except ValueError:
        return
    for e in entries:
        assert e.link == "" or e.link.startswith(("http://", "https://"))
        assert "\n" not in (e.title or "") and "\u2028" not in (e.title or "")


@FUZZ
@given(document(HTML_PIECES))
@example(b"<svg><foreignObject><!doctype html>")  # found by Hypothesis 6.170: htmldate/lxml
def test_page_cleaning_raises_nothing_but_document_error(body: bytes) -> None:
    try:
        clean_html(body, "http://x.example/a")
    except DocumentError:
        pass


@pytest.mark.parametrize("text", ["", "\x00" * 100, "<" * 10_000, "<!--" * 1000])
def test_degenerate_pages(text: str) -> None:
    try:
        clean_html(text.encode(), "http://x.example/a")
    except DocumentError:
        pass


def test_cleaner_refuses_huge_dom_itself() -> None:
    """The cleaner's own cap, behind the downloader's guard (400,000 <p> took 44 s)."""
    with pytest.raises(DocumentError, match="elements"):
        clean_html(b"<html><body>" + b"<p>Putin</p>" * 30_000 + b"</body></html>")

"""What a source's body is, sniffed safely: DOCTYPEs, entity declarations and UTF-16
must not send a feed to homepage discovery (or an entity bomb past the feed reader)."""

from __future__ import annotations

import pytest

from scraper.spiders.discovery import body_kind

CASES = {
    "rss": (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "feed"),
    "rss-0.91-doctype": (
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"></rss>',
        "feed",
    ),
    "entity-bomb": (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [ <!ENTITY a "xxxxxxxx"> '
        b'<!ENTITY b "&a;&a;&a;"> ]>\n'
        b'<rss version="2.0"><channel><title>&b;</title></channel></rss>',
        "feed",
    ),
    "utf-16": ('<?xml version="1.0" encoding="utf-16"?><feed/>'.encode("utf-16"), "feed"),
    "atom": (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "feed"),
    "json-feed": (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "json"),
    "sitemap": (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', "sitemap"),
    "html5": (b"<!DOCTYPE html><html><head></head><body></body></html>", "html"),
    "html-no-doctype": (b"  <html><body>news</body></html>", "html"),
    "plain-text": (b"just some words", "html"),
}


@pytest.mark.parametrize(("body", "kind"), CASES.values(), ids=CASES.keys())
def test_body_kind(body: bytes, kind: str) -> None:
    assert body_kind(body) == kind

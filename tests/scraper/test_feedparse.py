"""scraper.feedparse: feed bytes -> FeedEntry list, whatever a hostile feed holds."""

from __future__ import annotations

import calendar
import re
from pathlib import Path

import pytest
from scrapy.http import Headers

from scraper.feedparse import MAX_ENTRIES, defuse_feed, parse_feed, parse_feed_entries
from tests.support import ROOT

RSS = Headers({"Content-Type": "application/rss+xml"})
URL = "http://news.example/feed.rss"
NOW = float(calendar.timegm((2026, 6, 1, 12, 0, 0)))


def rss(items: str, prolog: str = '<?xml version="1.0" encoding="utf-8"?>\n') -> bytes:
    return (
        f'{prolog}<rss version="2.0"><channel><title>T</title><link>http://news.example/</link>'
        f"{items}</channel></rss>"
    ).encode()


def item(title: str = "Putin met Xi", link: str = "http://news.example/a", **extra: str) -> str:
    fields = "".join(f"<{k}>{v}</{k}>" for k, v in extra.items())
    return f"<item><title>{title}</title><link>{link}</link>{fields}</item>"


# --- entity blow-up, XXE, external DTDs --------------------------------------------------


def entity_bomb(value_size: int = 100_000, refs: int = 2_000) -> bytes:
    """The issue's case: one big internal entity referenced many times (~110 KB here
    reached 600 MB in feedparser's loose parser)."""
    prolog = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + "A" * value_size + '">\n]>\n'
    )
    return rss(item(description="&big;" * refs), prolog=prolog)


def test_entity_blowup_is_not_expanded() -> None:
    body = entity_bomb()
    entries = parse_feed_entries(body, URL, RSS, "s")
    assert entries and entries[0].title == "Putin met Xi"
    assert len(entries[0].summary or "") < len(body)  # not 200 MB of "A"


def test_billion_laughs_is_not_expanded() -> None:
    decls = '<!ENTITY l0 "lol">\n' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">\n' for i in range(1, 10)
    )
    body = rss(
        item(description="&l9;"), prolog=f'<?xml version="1.0"?>\n<!DOCTYPE r [\n{decls}]>\n'
    )
    entries = parse_feed_entries(body, URL, RSS, "s")
    assert all(len(e.summary or "") < 1000 for e in entries)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_entity_blowup_in_wide_encodings_is_not_expanded(encoding: str) -> None:
    text = (
        entity_bomb(20_000, 2_000)
        .decode()
        .replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>')
    )
    bom = "\ufeff" if encoding.endswith("be") else ""
    entries = parse_feed_entries((bom + text).encode(encoding), URL, RSS, "s")
    assert entries and len(entries[0].summary or "") < 100_000


def test_xxe_external_entity_reads_no_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LOCAL-FILE")
    for decl in (
        f'<!ENTITY xxe SYSTEM "file://{secret}">',
        f'<!ENTITY % p SYSTEM "file://{secret}"> %p;',
    ):
        prolog = f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{decl}\n]>\n'
        body = rss(item(title="&xxe; x", description="&xxe;"), prolog=prolog)
        entries = parse_feed_entries(body, URL, RSS, "s")
        assert "TOP-SECRET" not in repr(entries)


def test_external_dtd_is_not_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak "TOP-SECRET-DTD">')
    prolog = f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "file://{dtd}">\n'
    entries = parse_feed_entries(rss(item(description="&leak;"), prolog=prolog), URL, RSS, "s")
    assert "TOP-SECRET" not in repr(entries)


def test_defuse_keeps_declaration_and_document_drops_prolog_declarations() -> None:
    body = (
        b'<?xml version="1.0"?>\n<!-- it\'s -->\n<?xml-stylesheet href="x"?>\n'
        b'<!DOCTYPE rss PUBLIC "-//x//EN" "http://x/dtd" [\n<!-- a ] > --> '
        b'<!ENTITY a "]>">\n<!ENTITY b \'>\'>\n]>\n<rss version="2.0"/>'
    )
    assert defuse_feed(body) == b'<?xml version="1.0"?>\n<rss version="2.0"/>'


@pytest.mark.parametrize(
    "body",
    [b"<!DOCTYPE rss [ <!ENTITY a 'x'> ", b"<?xml version='1.0'", b"<!-- never closed <rss/>",
     b"junk\n<!ENTITY e 'x'>\n<rss/>"],
    ids=["doctype", "declaration", "comment", "entity-after-text"],
)  # fmt: skip
def test_malformed_prolog_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(ValueError, match=re.escape(URL)):
        parse_feed_entries(body, URL, RSS, "s")


# --- bytes only ----------------------------------------------------------------------------


def test_str_body_is_refused() -> None:
    with pytest.raises(TypeError):
        parse_feed_entries("/etc/passwd", URL, RSS, "s")  # type: ignore[arg-type]


def test_body_naming_a_local_file_is_not_opened(tmp_path: Path) -> None:
    """A str would make feedparser open the path; the bytes of a path are just bytes."""
    local = tmp_path / "local.rss"
    local.write_bytes(rss(item(title="LOCAL FILE READ")))
    with pytest.raises(ValueError, match="not a feed"):
        parse_feed_entries(str(local).encode(), URL, RSS, "s")


def test_every_feedparser_call_gets_bytes_io() -> None:
    """Every feedparser.parse call in the project wraps its input in io.BytesIO."""
    calls = []
    for path in [*ROOT.glob("scraper/**/*.py"), *ROOT.glob("monitor/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        found = re.findall(r"feedparser\.parse\(\s*([^,\n]*)", text)
        calls += [(path.relative_to(ROOT).as_posix(), arg) for arg in found]
    assert ("scraper/feedparse.py", "io.BytesIO(data)") in calls
    assert all(arg.startswith("io.BytesIO(") for _, arg in calls), calls


# --- items ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "ftp://x/y",
     "JaVaScRiPt:alert(1)", "mailto:a@b.c", "http://[::1"],
)  # fmt: skip
def test_non_http_links_are_not_kept(link: str) -> None:
    parsed = parse_feed(
        rss(item(link=link.replace("&", "&amp;").replace("<", "&lt;"))), URL, RSS, "s"
    )
    assert parsed.entries == []
    assert any("not http(s)" in n for n in parsed.notes)


def test_relative_link_is_made_absolute() -> None:
    (entry,) = parse_feed_entries(rss(item(link="/world/1?utm_source=x")), URL, RSS, "s")
    assert entry.link == "http://news.example/world/1?utm_source=x"
    assert entry.url == "http://news.example/world/1"


def test_bare_guid_is_not_taken_for_a_link() -> None:
    """<guid>g0</guid> is a permalink by default in RSS; "g0" is no URL to fetch."""
    body = rss(
        "<item><title>Putin met Xi</title><guid>g0</guid><description>Text.</description></item>"
    )
    (entry,) = parse_feed_entries(body, URL, RSS, "s")
    assert entry.link == "" and entry.guid == "g0"
    assert entry.url.startswith("urn:newshound:entry:")


def test_entry_without_link_or_guid_has_stable_key_from_title_and_text() -> None:
    one = "<item><title>Putin met Xi</title><description>Talks in Beijing.</description></item>"
    other = "<item><title>Putin met Xi</title><description>Talks in Tianjin.</description></item>"
    first = parse_feed_entries(rss(one + other), URL, RSS, "s")
    again = parse_feed_entries(rss(one), URL, RSS, "s")
    assert len(first) == 2 and first[0].url != first[1].url
    assert again[0].url == first[0].url and first[0].link == ""
    assert first[0].summary == "Talks in Beijing."


def test_duplicate_guids_in_one_feed_kept_once() -> None:
    items = item(link="http://news.example/a", guid="id-1") + item(
        title="Changed", link="http://news.example/b", guid="id-1"
    )
    items += item(title="Same link", link="http://news.example/a?utm_medium=rss")
    entries = parse_feed_entries(rss(items), URL, RSS, "s")
    assert [e.title for e in entries] == ["Putin met Xi"]


def test_far_future_date_clamped_to_fetch_time_and_noted() -> None:
    body = rss(item(pubDate="Fri, 31 Dec 9999 23:59:59 GMT"))
    parsed = parse_feed(body, URL, RSS, "s", now=NOW)
    assert parsed.entries[0].published == "2026-06-01T12:00:00+00:00"
    assert any("in the future; clamped" in n for n in parsed.notes)


def test_near_future_date_kept() -> None:
    parsed = parse_feed(rss(item(pubDate="Mon, 01 Jun 2026 18:00:00 GMT")), URL, RSS, "s", now=NOW)
    assert parsed.entries[0].published == "2026-06-01T18:00:00+00:00" and not parsed.notes


@pytest.mark.parametrize("date", ["not a date", "Mon, 99 Foo 2026 99:99:99 GMT", "0000-00-00"])
def test_malformed_date_left_empty_and_noted(date: str) -> None:
    parsed = parse_feed(rss(item(pubDate=date)), URL, RSS, "s", now=NOW)
    assert parsed.entries[0].published is None
    assert any("unreadable date" in n for n in parsed.notes)


def test_title_with_line_breaks_is_one_line() -> None:
    title = "Putin\r\nBcc: victim@example.org\tmet\u2028Xi\x00"
    (entry,) = parse_feed_entries(rss(item(title=title)), URL, RSS, "s")
    assert entry.title == "Putin Bcc: victim@example.org met Xi"


def test_entries_capped() -> None:
    items = "".join(item(link=f"http://news.example/{i}") for i in range(MAX_ENTRIES + 5))
    parsed = parse_feed(rss(items), URL, RSS, "s")
    assert len(parsed.entries) == MAX_ENTRIES and "only the first" in parsed.notes[0]


def test_deep_nesting_does_not_raise() -> None:
    body = rss(item(description="<div>" * 50_000)) + b"<x>" * 50_000
    parse_feed_entries(body, URL, RSS, "s")  # no RecursionError; a ValueError would be fine too


def test_clamped_dates_and_dropped_links_are_logged_with_the_source(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>a</title><link>https://example.org/a</link>"
        b"<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate></item>"
        b"<item><title>b</title><link>javascript:alert(1)</link></item>"
        b"</channel></rss>"
    )
    with caplog.at_level("INFO", logger="scraper.feedparse"):
        entries = parse_feed_entries(body, "https://example.org/feed", None, "Example")
    assert [e.title for e in entries] == ["a"]
    notes = [r.getMessage() for r in caplog.records]
    assert any("'Example'" in n and "not http(s)" in n for n in notes), notes
    assert any("'Example'" in n and "future" in n for n in notes), notes

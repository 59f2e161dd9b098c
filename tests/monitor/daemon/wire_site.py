"""A wire service of several hundred stories on 127.0.0.1, for the crash-consistency tests.

One RSS feed (``/feed.rss``) lists ``count`` stories, each a page of its own, every one
about a watch term and each in different words (so none is taken for a near-duplicate of
another). The feed can be served with an ETag (answering 304 to it) or with no validator.
"""

from __future__ import annotations

import hashlib
import random
from email.utils import formatdate
from pathlib import Path

from monitor.fixture_site import FixtureSite, Reply, RequestRecord

WORDS = (
    "harbour council budget river winter railway museum farmers election bridge court "
    "miners vaccine festival drought library airport fishermen tariff glacier orchestra "
    "refinery teachers satellite vineyard ferry census wildfire nurses reservoir startup "
    "cathedral pension copper monsoon stadium dockers embassy harvest lighthouse shipyard "
    "forest canal factory parliament treaty summit minister village coast mountain valley"
).split()


def story(i: int) -> tuple[str, str]:
    """(title, page HTML) of story ``i``: about Putin, in words of its own."""
    rng = random.Random(i)
    title = f"Putin and the {' '.join(rng.sample(WORDS, 3))} story number {i}"
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + "." for _ in range(3)
    ]
    paragraphs[0] = f"Vladimir Putin spoke on story {i}. " + paragraphs[0]
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><article><h1>{title}</h1>\n{body}</article></body></html>"
    )
    return title, html


def feed(base: str, count: int) -> bytes:
    now = formatdate(usegmt=True)
    items = "".join(
        f"<item><title>{story(i)[0]}</title><link>{base}/story/{i}.html</link>"
        f'<guid isPermaLink="true">{base}/story/{i}.html</guid><pubDate>{now}</pubDate>'
        f"<description>Story {i}.</description></item>\n"
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Wire</title><link>{base}/</link><description>Wire</description>\n"
        f"{items}</channel></rss>"
    ).encode()


def serve_wire(root: Path, count: int, *, etag: bool) -> FixtureSite:
    """A started site serving the wire feed and its ``count`` stories."""
    root.mkdir(parents=True, exist_ok=True)
    site = FixtureSite(root).start()
    body = feed(site.base, count)
    tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def feed_route(record: RequestRecord) -> Reply:
        if etag and record.headers.get("If-None-Match") == tag:
            return Reply(304, b"", {"ETag": tag})
        headers = {"Content-Type": "application/rss+xml"} | ({"ETag": tag} if etag else {})
        return Reply(200, body, headers)

    site.routes["/feed.rss"] = feed_route
    for i in range(count):
        page = story(i)[1].encode()
        site.routes[f"/story/{i}.html"] = lambda _, page=page: Reply(
            200, page, {"Content-Type": "text/html; charset=utf-8"}
        )
    return site


def wire_config(site: FixtureSite, folder: Path, db: Path, channels: str, extra: str = "") -> Path:
    """A config polling the wire every 3 s, alerting on Putin through ``channels``."""
    path = folder / "newshound.toml"
    path.write_text(
        f"""[storage]
path = "{db}"

[network]
allow_private_addresses = true

[daemon]
tick = "1s"
{extra}

[[sources]]
name = "Wire"
url = "{site.url("/feed.rss")}"
interval = "3s"

[[terms]]
name = "Putin"
aliases = ["Vladimir Putin"]
{channels}
""",
        encoding="utf-8",
    )
    return path

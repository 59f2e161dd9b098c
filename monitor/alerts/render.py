"""Turning alerts into words: one-line titles, safe links, the e-mail bodies, the console line.

Used by the channels (``console.py``, ``email.py``, ``apprise.py``). Everything that came
from a web page (title, source, snippets, URL) is untrusted: a header or a line gets it
flattened to one line, HTML gets it escaped (Jinja2 autoescape), and a link is only made
for http(s) URLs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from monitor.alerts.base import Delivery
from monitor.store import Alert

__all__ = ["flatten_line", "safe_url", "article_view", "render_email", "summary_line"]

# Line and paragraph breaks, tabs and every other control character (C0, DEL, C1), plus
# U+2028/U+2029, which some mail clients and terminals also take as a new line.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]+")


def flatten_line(text: Any, limit: int = 200) -> str:
    """``text`` on one line: control characters become spaces, runs of spaces one space."""
    flat = " ".join(_BREAKS.sub(" ", str(text or "")).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def safe_url(url: Any) -> str | None:
    """``url`` if it is an absolute http(s) URL on one line, else None (shown as text only)."""
    if not isinstance(url, str) or _BREAKS.search(url) or " " in url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


@dataclass(frozen=True)
class ArticleView:
    title: str
    url: str | None  # None: not http(s); the raw value is shown as text, never linked
    raw_url: str
    source: str
    published: str
    terms: list[tuple[str, int, list[str]]]  # (term, count, aliases seen)
    rules: list[str]
    snippets: list[tuple[str, str]]  # (term, snippet with the hit marked «like this»)


def article_view(payload: dict[str, Any]) -> ArticleView:
    """The fields of an article alert, each flattened to one line."""
    counts = payload.get("counts") or {}
    aliases = payload.get("aliases") or {}
    snippets = payload.get("snippets") or {}
    terms = [
        (
            flatten_line(t, 80),
            int(counts.get(t, 1)),
            [flatten_line(a, 80) for a in aliases.get(t, [])],
        )
        for t in payload.get("terms") or []
    ]
    return ArticleView(
        title=flatten_line(payload.get("title") or payload.get("url") or "(no title)"),
        url=safe_url(payload.get("url")),
        raw_url=flatten_line(payload.get("url"), 500),
        source=flatten_line(payload.get("source"), 100),
        published=flatten_line(payload.get("published"), 40),
        terms=terms,
        rules=[flatten_line(r, 80) for r in payload.get("rules") or []],
        snippets=[
            (flatten_line(t, 80), flatten_line(s, 400))
            for t, items in snippets.items()
            for s in items
        ],
    )


def summary_line(alert: Alert) -> str:
    """One readable line per alert (the console channel; apprise and logs use it too)."""
    p = alert.payload
    if alert.kind == "health":
        return flatten_line(
            f"source {p.get('source')}: {p.get('state')} — {p.get('message', '')}", 400
        )
    a = article_view(p)
    terms = ", ".join(f"{t} ×{n}" if n > 1 else t for t, n, _ in a.terms)
    rules = f" [{', '.join(a.rules)}]" if a.rules else ""
    return f"{a.title} — {a.source} — {terms}{rules} — {a.url or a.raw_url}"


# --- e-mail -----------------------------------------------------------------------------


def _mark_hits(snippet: str) -> Markup:
    """Escape a snippet, then show its «hit» in bold (« and » are not special in HTML)."""
    return Markup(re.sub(r"«([^»]*)»", r"<mark>\1</mark>", str(escape(snippet))))


@functools.cache
def _environment(autoescape: bool) -> Any:  # jinja2.Environment
    """One environment per kind for the process: each template is compiled once (a new
    environment per message recompiled them, about 85 ms of CPU a mail). The templates
    ship with the package and are not reloaded when their files change. Jinja is imported
    here, by the first mail: the console and webhook channels never need it."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["mark_hits"] = _mark_hits
    return env


@dataclass(frozen=True)
class EmailText:
    subject: str
    text: str
    html: str


def _group(views: Sequence[tuple[Alert, ArticleView]]) -> list[tuple[str, list[ArticleView]]]:
    """A digest's articles by rule (the first that held), else by term, each once."""
    groups: dict[str, list[ArticleView]] = {}
    for _, v in views:
        key = f"rule {v.rules[0]}" if v.rules else f"term {v.terms[0][0]}" if v.terms else "other"
        groups.setdefault(key, []).append(v)
    return sorted(groups.items(), key=lambda kv: (not kv[0].startswith("rule"), kv[0]))


def render_email(delivery: Delivery) -> EmailText:
    """Subject, plain text and HTML for one delivery (one article, one health alert, or a batch)."""
    articles = [(a, article_view(a.payload)) for a in delivery.alerts if a.kind != "health"]
    health = [a.payload for a in delivery.alerts if a.kind == "health"]
    if delivery.batch:
        subject = f"{len(articles)} new articles"
        template = "digest"
    elif health:
        p = health[0]
        subject = f"source {p.get('source')}: {p.get('state')}"
        template = "health"
    else:
        subject = articles[0][1].title
        template = "article"
    context = {
        "channel": delivery.channel,
        "articles": [v for _, v in articles],
        "groups": _group(articles),
        "health": [{k: flatten_line(v, 400) for k, v in p.items()} for p in health],
        "timestamp": delivery.timestamp,
    }
    text = _environment(False).get_template(f"{template}.txt").render(context)
    html = _environment(True).get_template(f"{template}.html").render(context)
    return EmailText(subject=flatten_line(f"[newshound] {subject}", 200), text=text, html=html)

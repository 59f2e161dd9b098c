"""What goes through Redis, as JSON: poll jobs one way, outcomes the other.

JSON and never pickle: whoever can write to the Redis could otherwise run code on every
worker and on the writer (scrapy-redis pickles requests by default). Each stream entry
has one field, ``m``, holding one JSON object with ``"v"`` (``VERSION``) and ``"type"``:

Poll jobs, on ``<prefix>:polls`` (``newshound run`` -> workers)::

    {"v": 1, "type": "poll", "job": "<uuid>", "queued": 1767225600.0,
     "source": {"name", "url", "kind", "interval", "enabled", "item", "title", "date",
                "follow", "max_pages", "max_age"},          # the source's [[sources]] table
     "state": {"etag", "last_modified", "content_hash"} | null,   # its validators
     "pages": [{"url", "role", "etag", "last_modified", "content_hash", "found"}, ...]}

Outcomes, on ``<prefix>:outcomes`` (workers -> the writer), in the order they happened;
a poll's articles always come before its ``polled`` message::

    {"v": 1, "type": "article", "job", "worker",
     "entry": {"source", "url", "link", "guid", "title", "summary", "published", "author"},
     "page": {"url", "final_url", "known_id", "has_body"},
     "cleaned": {"title", "text", "author", "published", "language"},
     "result": {"terms": {"<term>": {"count": N, "hits": [{"term", "alias", "field",
                "offset", "snippet", "found"}, ...]}}, "rules": ["<rule>", ...]}}
    {"v": 1, "type": "polled", "job", "worker", "source", "complete": true, "when": …,
     "queued": …,                                  # the job's, for the writer's dedupe
     "outcomes": [{"kind": "SourcePolled" | "SourceUnchanged" | "SourceFailed" |
                   "SourceMoved" | "PagePolled" | "PagesForgotten", ...its fields}]}
    {"v": 1, "type": "listed_url", "url", "article_id"}

The writer computes the signature (near-duplicates) and the site's line hashes from the
cleaned text; ``has_body`` says whether the text came from the page (learnt lines) or
from the feed. ``complete`` is the ``PollLedger``'s: every entry the body listed was
handed on or dropped on purpose. A message that does not decode raises
``MessageError``: the reader logs it and acknowledges it, it never stops a worker or
the writer.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from monitor.cleaner import CleanedArticle
from monitor.config import SourceConfig
from monitor.matcher.result import Hit, MatchResult, TermMatch
from scraper.items import OUTCOMES, ArticlePage, FeedEntry, Outcome, SourceFailed

__all__ = [
    "VERSION", "ArticleMessage", "ListedUrlMessage", "MessageError", "PollJob",
    "PolledMessage", "decode_job", "decode_outcome", "encode_article", "encode_job",
    "encode_listed_url", "encode_polled",
]  # fmt: skip

VERSION = 1
FIELD = "m"  # the one field of every stream entry

_OUTCOME_KINDS: dict[str, type[Any]] = {cls.__name__: cls for cls in OUTCOMES}


class MessageError(ValueError):
    """A stream entry that is not a message of this version: logged and acknowledged."""


@dataclass(frozen=True)
class JobValidators:
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True)
class JobPage:
    url: str
    role: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    found: float = 0.0


@dataclass(frozen=True)
class PollJob:
    """Poll one source: its config, its validators and the pages it led to."""

    job: str
    source: SourceConfig
    state: JobValidators | None
    pages: tuple[JobPage, ...]
    queued: float

    @classmethod
    def new(
        cls, source: SourceConfig, state: Any, pages: Mapping[str, Any], now: float | None = None
    ) -> PollJob:
        """A job with a fresh id; ``state`` and ``pages`` as ``CrawlState`` gives them."""
        validators = None
        if state is not None:
            validators = JobValidators(state.etag, state.last_modified, state.content_hash)
        kept = tuple(
            JobPage(p.url, p.role, p.etag, p.last_modified, p.content_hash, p.found)
            for p in pages.values()
        )
        return cls(uuid.uuid4().hex, source, validators, kept, time.time() if now is None else now)


@dataclass(frozen=True)
class ArticleMessage:
    job: str
    page: ArticlePage  # body is b"" when the text came from the page, None from the feed


@dataclass(frozen=True)
class PolledMessage:
    job: str
    source: str
    complete: bool
    when: float
    outcomes: tuple[Outcome, ...]
    queued: float = 0.0  # when the writer queued the job (0: not said)


@dataclass(frozen=True)
class ListedUrlMessage:
    url: str
    article_id: int


# --- encoding ----------------------------------------------------------------------------


def _fields(message: dict[str, Any]) -> dict[str, str]:
    return {FIELD: json.dumps({"v": VERSION, **message}, ensure_ascii=False)}


def encode_job(job: PollJob) -> dict[str, str]:
    return _fields({
        "type": "poll", "job": job.job, "queued": job.queued, "source": asdict(job.source),
        "state": asdict(job.state) if job.state else None,
        "pages": [asdict(p) for p in job.pages],
    })  # fmt: skip


def encode_article(job: str, page: ArticlePage, worker: str = "") -> dict[str, str]:
    assert page.cleaned is not None and page.result is not None
    result = {
        "terms": {name: {"count": m.count, "hits": [asdict(h) for h in m.hits]}
                  for name, m in page.result.terms.items()},
        "rules": list(page.result.rules),
    }  # fmt: skip
    return _fields({
        "type": "article", "job": job, "worker": worker, "entry": asdict(page.entry),
        "page": {"url": page.url, "final_url": page.final_url, "known_id": page.known_id,
                 "has_body": page.body is not None},
        "cleaned": asdict(page.cleaned), "result": result,
    })  # fmt: skip


def encode_polled(
    job: str, source: str, outcomes: list[Outcome], complete: bool, worker: str = "",
    queued: float = 0.0,
) -> dict[str, str]:  # fmt: skip
    return _fields({
        "type": "polled", "job": job, "worker": worker, "source": source,
        "complete": complete, "when": time.time(), "queued": queued,
        "outcomes": [_outcome_json(o) for o in outcomes],
    })  # fmt: skip


def encode_listed_url(url: str, article_id: int) -> dict[str, str]:
    return _fields({"type": "listed_url", "url": url, "article_id": article_id})


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    out = {"kind": type(outcome).__name__, **asdict(outcome)}
    if isinstance(out.get("retry_after"), bytes):  # a header value: latin-1 round-trips
        out["retry_after"] = out["retry_after"].decode("latin-1")
    return out


# --- decoding ----------------------------------------------------------------------------


def _message(entry: Mapping[Any, Any] | None, kinds: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(entry, Mapping):  # a pending entry deleted meanwhile reads as nil
        raise MessageError("no fields (deleted?)")
    raw = entry.get(FIELD, entry.get(FIELD.encode()))
    if raw is None:
        raise MessageError(f"no {FIELD!r} field (fields: {sorted(map(str, entry))[:5]})")
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise MessageError(f"not JSON: {e}") from None
    if not isinstance(message, dict):
        raise MessageError("not a JSON object")
    if message.get("v") != VERSION:
        raise MessageError(f"version {message.get('v')!r}, this program reads {VERSION}")
    if message.get("type") not in kinds:
        raise MessageError(f"type {message.get('type')!r}, expected one of {', '.join(kinds)}")
    return message


# A field's annotation (its words) -> the JSON values it takes; bytes travel as latin-1.
_JSON_TYPES: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("str", (str,)), ("int", (int,)), ("float", (int, float)), ("bool", (bool,)),
    ("bytes", (str,)), ("None", (type(None),)),
)  # fmt: skip


def _build(cls: type[Any], data: Any, where: str) -> Any:
    """``cls(**data)`` for a dataclass, with every field's JSON type checked."""
    if not isinstance(data, dict):
        raise MessageError(f"{where}: expected an object")
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise MessageError(f"{where}: unknown fields {sorted(unknown)}")
    for name, value in data.items():
        kind = str(known[name].type)
        allowed = tuple(t for word, types in _JSON_TYPES if word in kind for t in types)
        if allowed and not isinstance(value, allowed):
            raise MessageError(f"{where}.{name}: {type(value).__name__} is not {kind}")
    try:
        return cls(**data)
    except (TypeError, ValueError) as e:
        raise MessageError(f"{where}: {e}") from None


def decode_job(entry: Mapping[Any, Any] | None) -> PollJob:
    """The poll job in a stream entry of ``<prefix>:polls``; raises ``MessageError``."""
    m = _message(entry, ("poll",))
    if not isinstance(m.get("job"), str) or not isinstance(m.get("pages"), list):
        raise MessageError("a poll job needs a string job and a list of pages")
    source = _build(SourceConfig, m.get("source"), "source")
    state = None if m.get("state") is None else _build(JobValidators, m["state"], "state")
    pages = tuple(_build(JobPage, p, f"pages[{i}]") for i, p in enumerate(m["pages"]))
    queued = m.get("queued")
    return PollJob(m["job"], source, state, pages, float(queued or 0.0))


def decode_outcome(
    entry: Mapping[Any, Any] | None,
) -> ArticleMessage | PolledMessage | ListedUrlMessage:
    """The outcome in a stream entry of ``<prefix>:outcomes``; raises ``MessageError``."""
    m = _message(entry, ("article", "polled", "listed_url"))
    if m["type"] == "listed_url":
        if not isinstance(m.get("url"), str) or type(m.get("article_id")) is not int:
            raise MessageError("listed_url needs a string url and an integer article_id")
        return ListedUrlMessage(m["url"], m["article_id"])
    if not isinstance(m.get("job"), str):
        raise MessageError(f"{m['type']}: no job id")
    if m["type"] == "polled":
        return _decode_polled(m)
    return ArticleMessage(m["job"], _decode_page(m))


def _decode_polled(m: dict[str, Any]) -> PolledMessage:
    if not isinstance(m.get("source"), str) or not isinstance(m.get("outcomes"), list):
        raise MessageError("polled: needs a string source and a list of outcomes")
    outcomes = []
    for i, raw in enumerate(m["outcomes"]):
        if not isinstance(raw, dict) or raw.get("kind") not in _OUTCOME_KINDS:
            raise MessageError(f"outcomes[{i}]: unknown kind")
        data = {k: v for k, v in raw.items() if k != "kind"}
        outcome = _build(_OUTCOME_KINDS[raw["kind"]], data, f"outcomes[{i}]")
        if isinstance(outcome, SourceFailed) and isinstance(outcome.retry_after, str):
            from dataclasses import replace

            outcome = replace(outcome, retry_after=outcome.retry_after.encode("latin-1"))
        if outcome.source != m["source"]:
            raise MessageError(f"outcomes[{i}]: source {outcome.source!r} is not the poll's")
        outcomes.append(outcome)
    when = m.get("when")
    if not isinstance(when, int | float) or isinstance(when, bool):
        raise MessageError("polled: when must be a number")
    queued = m.get("queued", 0.0)
    if not isinstance(queued, int | float) or isinstance(queued, bool):
        raise MessageError("polled: queued must be a number")
    return PolledMessage(m["job"], m["source"], m.get("complete") is True, float(when),
                         tuple(outcomes), float(queued))  # fmt: skip


def _decode_page(m: dict[str, Any]) -> ArticlePage:
    entry = _build(FeedEntry, m.get("entry"), "entry")
    cleaned = _build(CleanedArticle, m.get("cleaned"), "cleaned")
    page, result = m.get("page"), m.get("result")
    if not isinstance(page, dict) or not isinstance(result, dict):
        raise MessageError("article: page and result must be objects")
    known_id = page.get("known_id")
    if known_id is not None and type(known_id) is not int:
        raise MessageError("page.known_id: expected an integer or null")
    for name in ("url", "final_url"):
        if page.get(name) is not None and not isinstance(page[name], str):
            raise MessageError(f"page.{name}: expected a string or null")
    terms, rules = result.get("terms"), result.get("rules")
    if not isinstance(terms, dict) or not isinstance(rules, list):
        raise MessageError("result: terms must be an object and rules a list")
    matched = {}
    for name, tm in terms.items():
        if not isinstance(tm, dict) or type(tm.get("count")) is not int:
            raise MessageError(f"result.terms[{name!r}]: needs an integer count")
        hits = tm.get("hits") or []
        if not isinstance(hits, list):
            raise MessageError(f"result.terms[{name!r}].hits: expected a list")
        matched[name] = TermMatch(name, tm["count"], tuple(
            _build(Hit, h, f"result.terms[{name!r}].hits[{i}]") for i, h in enumerate(hits)
        ))  # fmt: skip
    if not all(isinstance(r, str) for r in rules):
        raise MessageError("result.rules: expected strings")
    return ArticlePage(
        entry=entry, body=b"" if page.get("has_body") else None, final_url=page.get("final_url"),
        url=page.get("url"), known_id=known_id, cleaned=cleaned,
        result=MatchResult(terms=matched, rules=tuple(rules)),
    )  # fmt: skip

"""The JSON that goes through Redis: what a worker sends is what the writer applies, and
anything else is refused with a reason (never unpickled, never a crash)."""

from __future__ import annotations

import json

import pytest

from monitor.cleaner import CleanedArticle
from monitor.config import SourceConfig
from monitor.matcher.result import Hit, MatchResult, TermMatch
from scraper.cluster.messages import (
    ArticleMessage,
    JobPage,
    JobValidators,
    ListedUrlMessage,
    MessageError,
    PolledMessage,
    PollJob,
    decode_job,
    decode_outcome,
    encode_article,
    encode_job,
    encode_listed_url,
    encode_polled,
)
from scraper.items import ArticlePage, FeedEntry, PagePolled, SourceFailed, SourcePolled


def test_poll_job_round_trips() -> None:
    source = SourceConfig(name="Wire", url="https://wire.example/feed", interval=60.0,
                          max_age=86400.0)  # fmt: skip
    job = PollJob(
        "j1", source, JobValidators('"abc"', "Thu, 01 Jan 2026 00:00:00 GMT", "d1"),
        (JobPage("https://wire.example/moved", "moved", found=1767225600.0),), 1767225600.0,
    )  # fmt: skip
    assert decode_job(encode_job(job)) == job


def test_article_round_trips_with_its_evidence() -> None:
    entry = FeedEntry(
        "Wire", "https://wire.example/a", "https://wire.example/a?utm=x", guid="g1",
        title="Putin meets Xi", summary="Путин", published="2026-01-01",
    )  # fmt: skip
    hit = Hit("Putin", "Путин", "summary", 0, "«Путин»", "Путин")
    page = ArticlePage(
        entry=entry, body=b"<html>", final_url="https://wire.example/a", url="https://wire.example/a",
        cleaned=CleanedArticle("Putin meets Xi", "Body.\n\nMore.", None, "2026-01-01", "en"),
        result=MatchResult({"Putin": TermMatch("Putin", 2, (hit,))}, ("summit",)),
    )  # fmt: skip
    message = decode_outcome(encode_article("j1", page, "w1"))
    assert isinstance(message, ArticleMessage) and message.job == "j1"
    got = message.page
    assert (got.entry, got.cleaned, got.result, got.url) == (
        page.entry,
        page.cleaned,
        page.result,
        page.url,
    )
    assert got.body is not None  # the text came from the page: its lines are learnt


def test_poll_outcome_round_trips_retry_after_bytes() -> None:
    outcomes = [SourcePolled("Wire", 200, '"e"', None, "d", 3, 1.5),
                PagePolled("Wire", "https://wire.example/s.xml", "sitemap", etag="x"),
                SourceFailed("Wire", 503, "HTTP 503", b"120")]  # fmt: skip
    message = decode_outcome(encode_polled("j1", "Wire", outcomes, complete=False))
    assert isinstance(message, PolledMessage)
    assert (message.source, message.complete, list(message.outcomes)) == ("Wire", False, outcomes)
    listed = decode_outcome(encode_listed_url("https://wire.example/amp/a", 7))
    assert listed == ListedUrlMessage("https://wire.example/amp/a", 7)


def _with(message: dict[str, str], **changes: object) -> dict[str, str]:
    data = json.loads(message["m"])
    data.update(changes)
    return {"m": json.dumps(data)}


POLLED = encode_polled("j1", "Wire", [SourcePolled("Wire", 200, None, None, None, 0, 1.0)], True)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (None, "no fields"),
        ({"data": "x"}, "no 'm' field"),
        ({"m": b"\x80\x04\x95 pickle"}, "not JSON"),
        ({"m": "[1, 2]"}, "not a JSON object"),
        (_with(POLLED, v=2), "version 2, this program reads 1"),
        (_with(POLLED, type="delete_everything"), "type 'delete_everything'"),
        (_with(POLLED, outcomes=[{"kind": "os.system", "source": "Wire"}]), "unknown kind"),
        (_with(POLLED, outcomes=[{"kind": "SourceMoved", "source": "Other", "url": None}]),
         "is not the poll's"),
        (_with(POLLED, outcomes=[{"kind": "SourceUnchanged", "source": "Wire", "status": "200",
                                  "when": 1.0}]), "status: str is not int"),
        (_with(POLLED, when="soon"), "when must be a number"),
    ],
    ids=["deleted", "no-field", "pickle", "array", "version", "type", "kind", "source",
         "field-type", "when"],
)  # fmt: skip
def test_foreign_or_malformed_message_is_refused_with_a_reason(
    entry: dict[str, object] | None, reason: str
) -> None:
    with pytest.raises(MessageError, match=reason):
        decode_outcome(entry)


def test_malformed_job_is_refused() -> None:
    job = encode_job(PollJob.new(SourceConfig(name="W", url="https://w.example/"), None, {}))
    with pytest.raises(MessageError, match="source: unknown fields"):
        decode_job(_with(job, source={"name": "W", "url": "https://w.example/", "shell": "rm"}))
    with pytest.raises(MessageError, match="type 'article'"):
        decode_job(_with(job, type="article"))

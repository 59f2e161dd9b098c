"""body_too_large: each cap holds exactly at its limit, whatever the shortcuts skip."""

from __future__ import annotations

import pytest

from scraper.middlewares.response_guard import BodyLimits, body_too_large

LIMITS = BodyLimits(max_elements=10, max_text_run=40, max_text=60)


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        (b"<p>a</p>" * 10, None),
        (b"<p>a</p>" * 11, "too large: 11 elements (at most 10)"),
        # "<" that opens no element does not count towards the element cap
        (b"<p>" + b"a < b " * 12 + b"</p>", None),
        # a run is counted from the "<" before it: "p>" and the text
        (b"<p>" + b"x" * 38 + b"</p>", None),
        (b"<p>" + b"x" * 39 + b"</p>", "too large: a text node over 0.0 MiB"),
        # script text is not text, but the runs around it join up once it is gone
        (b"<p>" + b"x" * 30 + b"<script>" + b"y" * 100 + b"</script>" + b"x" * 11 + b"</p>",
         "too large: a text node over 0.0 MiB"),
        (b"<p>" + b"x" * 30 + b"<style>" + b"y" * 100 + b"</style></p>", None),
        ((b"<p>" + b"x" * 31 + b"</p>") * 2, "too large: 0.0 MiB of text (at most 0.0 MiB)"),
        ((b"<p>" + b"x" * 30 + b"</p>") * 2, None),
    ],
    ids=["elements-at-cap", "elements-over-cap", "less-than-signs-in-text", "run-at-cap",
         "run-over-cap", "run-joined-across-script", "style-text-ignored", "text-over-cap",
         "text-at-cap"],
)  # fmt: skip
def test_each_cap_holds_at_its_limit(body: bytes, verdict: str | None) -> None:
    assert body_too_large(body, LIMITS) == verdict


def test_no_text_cap_for_feeds() -> None:
    feed = BodyLimits(max_elements=10, max_text_run=40, max_text=0)
    assert body_too_large((b"<p>" + b"x" * 38 + b"</p>") * 3, feed) is None

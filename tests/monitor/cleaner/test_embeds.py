"""Posts embedded in a story (a quoted tweet) reach the text as quotes."""

from __future__ import annotations

from monitor.cleaner import clean_html

STORY = (
    "<p>The ministry announced the new pipeline tariff on Monday, and the reaction from "
    "traders on social media was swift, with several questioning the timing of the move.</p>"
    "<p>One analyst who follows the gas market closely put the question plainly:</p>"
)
TWEET = (
    '<div class="social-media-embed"><blockquote class="twitter-tweet" data-lang="en">'
    '<p lang="en" dir="ltr">Who sets a gas tariff the week before the winter auction? '
    '<a href="https://t.co/abc123">https://t.co/abc123</a></p>'
    "&mdash; Jane Doe (@janedoe_gas) "
    '<a href="https://twitter.com/janedoe_gas/status/1">November 18, 2019</a></blockquote>'
    '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
    "</div>"
)
AFTER = (
    "<p>The ministry said the timing had been set by law and that the auction rules "
    "would not change this year, whatever traders thought of the tariff.</p>"
)


def page(embed: str) -> str:
    return f"<html><body><article>{STORY}{embed}{AFTER}</article></body></html>"


def test_an_embedded_tweet_the_story_quotes_is_kept() -> None:
    text = clean_html(page(TWEET)).text
    assert "Who sets a gas tariff the week before the winter auction?" in text
    assert (
        text.index("put the question plainly") < text.index("Who sets") < text.index("set by law")
    )


def test_a_share_widget_beside_the_tweet_stays_out() -> None:
    share = '<div class="social-share"><a href="/share?fb">Share on Facebook</a></div>'
    text = clean_html(page(share + TWEET)).text
    assert "Who sets a gas tariff" in text and "Share on Facebook" not in text

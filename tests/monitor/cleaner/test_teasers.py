"""Teaser runs found by shape in the page tree: link-headed items with cut-off excerpts."""

from __future__ import annotations

import lxml.html

from monitor.cleaner import clean_html
from monitor.cleaner.teasers import drop_teasers

STORY = (
    "<p>The summit in Astana ended on Thursday with a joint declaration on trade and "
    "transport that the leaders of ten countries signed after two days of talks.</p>"
    "<p>Officials said the declaration leaves the question of a common payment system open "
    "for another year, as several members could not agree on its terms.</p>"
)


def body_text(html: str) -> tuple[int, str]:
    tree = lxml.html.fromstring(f"<html><body>{html}</body></html>")
    dropped = drop_teasers(tree)
    return dropped, " ".join(tree.text_content().split())


def test_quotes_ending_in_ellipsis_without_links_stay() -> None:
    html = (
        "<article>" + STORY + "<p>“We will not wait for ever…”</p>"
        "<p>“The door remains open, but…”</p></article>"
    )
    assert body_text(html)[0] == 0
    text = clean_html(f"<html><body>{html}</body></html>").text
    assert "We will not wait for ever…" in text and "The door remains open, but…" in text


def test_one_link_headed_item_is_not_a_run() -> None:
    html = STORY + '<p><a href="/a">Reuters</a> reported that the talks would go on ...</p>'
    assert body_text(html)[0] == 0


def test_headline_links_without_excerpts_are_left_to_later_stages() -> None:
    html = (
        STORY
        + '<ul><li><a href="/a">Gas talks resume</a></li><li><a href="/b">Oil falls</a></li></ul>'
    )
    assert body_text(html)[0] == 0


def test_label_and_items_go_the_story_stays() -> None:
    html = (
        "<article>" + STORY + "<h2>Elsewhere</h2><ul>"
        '<li><a href="/a">Putin meets Xi</a> <span>Leaders met in Beijing to talk…</span></li>'
        '<li><a href="/b">SCO expands</a> <span>Two new members joined the bloc in …</span></li>'
        "</ul></article>"
    )
    dropped, text = body_text(html)
    assert dropped == 2
    assert "Elsewhere" not in text and "Putin" not in text and "SCO" not in text
    assert text.startswith("The summit in Astana") and text.endswith("on its terms.")


HOVER_CARD = (
    "<p>The senator asked for a hearing on the pipeline, said "
    '<span class="person"><a href="/people/jane-roe">Jane Roe</a>'
    '<span class="person-card"><span><img src="/img/roe.jpg" alt="">'
    '<a class="name" href="/people/jane-roe">Jane Roe</a>'
    '<a href="/politics/123-sco-summit-ends">SCO summit ends with a declaration on trade</a> '
    '<a href="/politics/124-gazprom-shares">Gazprom shares fall after the export report</a> '
    '<a class="more" href="/people/jane-roe">MORE</a></span></span></span>'
    " (D-Ore.), a member of the energy committee, on Monday.</p>"
)


def test_a_hover_card_inside_a_paragraph_goes_the_sentence_stays() -> None:
    page = f"<html><body><article>{STORY}{HOVER_CARD}</article></body></html>"
    text = clean_html(page).text
    assert "SCO" not in text and "Gazprom" not in text and "MORE" not in text
    assert "said Jane Roe (D-Ore.), a member of the energy committee, on Monday." in text
    assert text.startswith("The summit in Astana")


def test_links_with_a_picture_in_a_paragraph_that_says_more_stay() -> None:
    html = (
        '<p>Read the <a href="/report.pdf">full report</a> <img src="/pdf.png" alt=""> and '
        'the <a href="/annex.pdf">annex on payments</a> published by the secretariat.</p>'
    )
    page = f"<html><body><article>{STORY}{html}</article></body></html>"
    assert "the annex on payments published by the secretariat." in clean_html(page).text

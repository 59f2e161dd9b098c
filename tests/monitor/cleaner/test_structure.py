"""The element stage alone: headline, standfirst and teaser blocks by their element."""

from __future__ import annotations

from monitor.cleaner.structure import element_drops, remove_by_element

BODY = [
    "Russia and China signed an agreement on Tuesday to build a second gas pipeline.",
    "Analysts said the deal would take years to deliver gas to Chinese customers.",
]
STANDFIRST = "The deal ends a decade of talks. Here is what it means for Europe."


def test_headline_in_h1_removed_even_when_it_differs_from_the_title() -> None:
    lines = ["Pipeline deal is signed. Why Europe should worry.", *BODY]
    assert remove_by_element(lines, ["h1", "p", "p"]) == BODY


def test_standfirst_heading_repeating_the_description_removed() -> None:
    lines = ["Gas deal signed", STANDFIRST, *BODY]
    kinds = ["h1", "h2", "p", "p"]
    assert remove_by_element(lines, kinds, description=STANDFIRST) == BODY


def test_lead_paragraph_repeating_the_description_kept() -> None:
    lines = [STANDFIRST, *BODY]
    assert remove_by_element(lines, ["p", "p", "p"], description=STANDFIRST) == lines


def test_heading_then_list_of_headlines_after_the_body_removed() -> None:
    tail = [
        "Elsewhere in energy",
        "- Oil prices climb as OPEC meets in Vienna",
        "- Central bank holds rates for a third month",
    ]
    lines = [*BODY, *tail]
    assert remove_by_element(lines, ["p", "p", "h3", "list", "list"]) == BODY


def test_article_list_and_short_results_kept() -> None:
    lines = [*BODY, "Results", "- 45% yes", "- 55% no"]
    assert remove_by_element(lines, ["p", "p", "h3", "list", "list"]) == lines
    lines = [*BODY, "- Oil prices climb as OPEC meets in Vienna"]
    assert remove_by_element(lines, ["p", "p", "list"]) == lines


def test_plain_text_without_kinds_unchanged() -> None:
    lines = ["Gas deal signed", *BODY]
    assert remove_by_element(lines, ()) == lines


def test_trailing_steps_that_are_not_links_kept() -> None:
    """A recipe's steps after its last paragraph look like a teaser list by element; the
    page says they are not links, so they stay."""
    tail = [
        "Method",
        "- 2.Mix quickly and add the egg and the butter at room temperature.",
        "- 4.Shape small balls and bake them at 180 degrees for twenty minutes.",
    ]
    lines, kinds = [*BODY, *tail], ["p", "p", "h3", "list", "list"]
    assert element_drops(lines, kinds, linked=[False] * 5) == set()
    assert element_drops(lines, kinds, linked=[False, False, False, True, True]) == {2, 3, 4}


def test_linked_headlines_in_the_body_removed_linked_points_kept() -> None:
    """Between the paragraphs, a list item that is a link to another story (no sentence,
    five words or more) goes wherever it sits; a summary point that links its first
    words, a short linked item (an ingredient, a product) and an unlinked item stay."""
    items = [
        "- 15 Amazing Images of Stars",  # another story
        "- The ministry is investigating the pipeline operator amid the layoffs.",
        "- 1/2 tsp vanilla extract",
        "- Gas storage levels across the European Union",  # not a link
    ]
    lines = [BODY[0], *items, BODY[1]]
    kinds = ["p", "list", "list", "list", "list", "p"]
    linked = [False, True, True, True, False, False]
    assert element_drops(lines, kinds, linked=linked) == {1}


def test_paragraph_that_is_one_link_removed() -> None:
    lines = [BODY[0], "SCO summit: Putin and Xi agree on a new trade route", BODY[1]]
    assert element_drops(lines, ["p", "p", "p"], linked=[False, True, False]) == {1}
    assert element_drops(lines, ["p", "p", "p"], linked=[False] * 3) == set()

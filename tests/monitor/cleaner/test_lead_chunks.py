"""A lead set apart from the body, and an article cut into chunks: both reach the text."""

from __future__ import annotations

from monitor.cleaner import clean_html

BODY = [
    "The regional parliament voted on Tuesday to build a new tram line through the old "
    "town, after three years of disputes over its route and its cost.",
    "Opponents had argued that the line would cut the market square in two and drive "
    "shoppers away from the small shops that line the square on both sides.",
    "The council now expects construction to start next spring and to last two years, "
    "with the first trams running before the end of the decade.",
]
MORE = [
    "Residents of the western suburbs, who wait up to forty minutes for a bus today, "
    "welcomed the decision at a public meeting on Wednesday evening in the town hall.",
    "The transport authority said it would publish the timetable for the works in March, "
    "street by street, so that shops can plan their deliveries around the closures.",
    "Critics of the project said they would take the decision to court, arguing that the "
    "public consultation had ignored more than two thousand written objections.",
    "A ruling is not expected before the summer, and the works can go ahead meanwhile, "
    "the council's lawyers told the parliament before the vote on Tuesday.",
]
LEAD = (
    "The tram is coming. After three years of disputes, the parliament has approved the "
    "new line through the old town."
)


def lead_page(lead: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    return (
        f'<html><head><title>Tram approved</title><meta name="description" content="{lead}">'
        "</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>"
        f'<header><h1>Tram line approved</h1><div class="excerpt">{lead}</div></header>'
        '<figure><img src="t.jpg"><figcaption>The old town square.</figcaption></figure>'
        f'<div class="entry-content">{paragraphs}</div></article>'
        "<footer><p>© 2024 Example News</p></footer></body></html>"
    )


def test_a_lead_set_apart_and_declared_as_description_opens_the_text() -> None:
    text = clean_html(lead_page(LEAD), "https://example.org/tram").text
    assert text.split("\n\n") == [LEAD, *BODY]


def test_a_one_sentence_summary_beside_the_headline_stays_out() -> None:
    dek = "The parliament has approved the new tram line through the old town after years."
    text = clean_html(lead_page(dek), "https://example.org/tram").text
    assert text.split("\n\n") == BODY


def chunked_page(next_story: bool = False) -> str:
    chunks = [BODY, MORE[:2], MORE[2:]]
    parts = []
    for chunk in chunks:
        paragraphs = "".join(f"<p>{p}</p>" for p in chunk)
        parts.append(
            f'<div class="grid"><div class="body article__body">{paragraphs}</div></div>'
            '<div class="ad"><a href="/ad">Advertisement</a></div>'
        )
    if next_story:
        other = "".join(f"<p>Next story: {p}</p>" for p in MORE)
        parts.append(
            f'<div class="grid"><h1>Another story</h1><div class="body">{other}</div></div>'
        )
    return (
        "<html><head><title>Tram approved</title></head><body><h1>Tram line approved</h1>"
        f'<div class="article__chunks">{"".join(parts)}</div>'
        "<footer><p>© 2024 Example News</p></footer></body></html>"
    )


def test_an_article_cut_into_chunks_comes_out_whole_and_in_order() -> None:
    text = clean_html(chunked_page(), "https://example.org/tram").text
    assert text.split("\n\n") == [*BODY, *MORE]


def test_the_next_story_of_an_endless_page_is_not_appended() -> None:
    text = clean_html(chunked_page(next_story=True), "https://example.org/tram").text
    assert "Next story" not in text
    assert text.split("\n\n") == [*BODY, *MORE]

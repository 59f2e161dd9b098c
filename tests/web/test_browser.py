"""`newshound serve` in a real headless browser (Debian's chromium, driven by Playwright)
after a crawl of the fixture site: what a user sees and clicks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.web.conftest import EXPECTED, MATCHED, TITLES, TOKEN, UNMATCHED
from tests.web.server import CHROMIUM
from tests.web.test_http import alert_state, fail_an_alert


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, served: str) -> Iterator[Page]:
    context = browser.new_context(base_url=served)
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def listed_titles(page: Page, section: str) -> str:
    return " | ".join(page.locator(f"{section} li.article a.title").all_inner_texts())


def test_front_page_lists_the_matched_articles_and_none_other(page: Page) -> None:
    page.goto("/")
    shown = listed_titles(page, "#matches")
    for path in MATCHED:
        assert TITLES[path] in shown, path
    for path in UNMATCHED:
        assert TITLES[path] not in shown, path
    assert page.locator("#matches li.article").count() == len(MATCHED)


def test_clicking_an_article_shows_its_terms_marked(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name=TITLES["/articles/eu-sanctions-russian-banks.html"]).click()
    expect(page.locator("article.story h1")).to_contain_text("EU adopts new sanctions")
    marked = page.locator("article.story .text mark")
    assert {m.get_attribute("data-term") for m in marked.all()} == {"Putin", "sanctions"}
    assert "Путин" in marked.all_inner_texts()  # the Cyrillic alias, as the page wrote it
    evidence = page.locator("article.story aside").inner_text()
    assert "Putin" in evidence and "sanctions" in evidence
    assert "console" in page.locator("table.alerts").inner_text()  # the alert queued for it


def test_search_box_finds_an_article_by_a_word_of_its_body(page: Page) -> None:
    page.goto("/")
    page.get_by_role("searchbox").fill("Khurelsukh")  # only in the body of putin-beijing
    page.get_by_role("button", name="Search").click()
    results = page.locator("#search-results li.article")
    expect(results).to_have_count(1)
    assert TITLES["/articles/putin-beijing.html"] in results.inner_text()
    assert results.locator(".snippet mark").inner_text() == "Khurelsukh"


def test_chart_is_drawn_with_a_bar_per_matched_term(page: Page) -> None:
    page.goto("/")
    chart = page.locator("svg.chart")
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    bars = chart.locator("rect.bar")
    terms = {b.get_attribute("data-term") for b in bars.all()}
    assert terms == {t for a in EXPECTED.values() for t in a["terms"]}
    assert all((b.bounding_box() or {"height": 0})["height"] > 0 for b in bars.all())
    counts = {b.get_attribute("data-term"): int(b.get_attribute("data-count") or 0)
              for b in bars.all()}  # fmt: skip
    assert counts["sanctions"] == sum("sanctions" in a["terms"] for a in EXPECTED.values())


@pytest.mark.parametrize("query", ["", "?term=Xi"], ids=["all", "term"])
def test_atom_link_parses_and_lists_the_matches(page: Page, served: str, query: str) -> None:
    page.goto("/" + query)
    link = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    href = link.get_attribute("href")
    assert href
    feed = feedparser.parse(httpx.get(urljoin(served + "/", href)).content)
    assert not feed.bozo, feed.get("bozo_exception")
    got = {urlsplit(e.link).path for e in feed.entries}
    want = {p for p in MATCHED if not query or "Xi" in EXPECTED[p]["terms"]}
    assert got == want


def test_sources_page_shows_every_source_with_its_state(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Sources", exact=True).click()
    expect(page.locator("h1")).to_have_text("Sources")
    for name in ("Fixture World", "Fixture Asia"):
        row = page.locator(f'tr[data-source="{name}"]')
        expect(row.locator(".state").first).to_have_text("ok")
    console = page.locator('tr[data-channel="console"] td').all_inner_texts()
    last_delivery, sent, pending, failed = console[2], console[3], console[4], console[5]
    assert last_delivery == "never" and sent == "0"  # the crawl queued, nothing delivered
    assert int(pending) + int(failed.split()[0]) == len(MATCHED)  # one alert per match


def test_retry_a_failed_alert_after_logging_in(page: Page, web_config: Path) -> None:
    alert_id = fail_an_alert(web_config)
    page.goto("/alerts?state=failed")
    row = page.locator(f'tr[data-alert="{alert_id}"]')
    expect(row.locator(".state")).to_have_text("failed")
    assert row.get_by_role("button", name="Retry").count() == 0  # not without a login
    page.get_by_role("link", name="log in", exact=True).click()
    page.get_by_label("Token").fill(TOKEN)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/alerts$"))
    page.locator(f'tr[data-alert="{alert_id}"]').get_by_role("button", name="Retry").click()
    expect(page.locator(".message-info")).to_contain_text(f"alert #{alert_id} is due again")
    assert alert_state(web_config, alert_id) == "pending"

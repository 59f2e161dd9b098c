"""`newshound serve` over plain HTTP: the JSON API, writes only with a login, and no
public address without one."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from monitor.config import load_config
from monitor.store import open_database
from monitor.store.outbox import mark_failed
from monitor.web import WebError, build_datasette, check_bind
from tests.web.conftest import MATCHED, TOKEN


def paths(rows: list[dict]) -> set[str]:
    return {urlsplit(r["url"]).path for r in rows}


def fail_an_alert(config: Path) -> int:
    """Mark one queued alert failed, as a delivery that gave up would; its id."""
    db = open_database(config.parent / "news.db")
    try:
        alert_id = db.execute("SELECT min(id) FROM outbox").fetchone()[0]
        mark_failed(db, "console", [alert_id], "HTTP 503 from hooks.example.org")
    finally:
        db.close()
    return int(alert_id)


def alert_state(config: Path, alert_id: int) -> str:
    conn = sqlite3.connect(config.parent / "news.db")
    try:
        return str(conn.execute("SELECT state FROM outbox WHERE id = ?", [alert_id]).fetchone()[0])
    finally:
        conn.close()


def test_json_api_lists_the_matched_articles(served: str) -> None:
    rows = httpx.get(f"{served}/news/articles.json?matched=1&_shape=array&_size=max").json()
    assert paths(rows) == MATCHED
    xi = httpx.get(f"{served}/news/matched_articles.json?term=Xi&_shape=array").json()
    assert paths(xi) == {"/articles/sco-tianjin.html", "/articles/xi-sco-secretary-general.html",
                         "/articles/putin-beijing.html"}  # fmt: skip
    assert all("Xi" in row["terms"] for row in xi)


def test_json_api_full_text_search_finds_a_word_of_the_body(served: str) -> None:
    rows = httpx.get(f"{served}/news/articles.json?_search=Khurelsukh&_shape=array").json()
    assert paths(rows) == {"/articles/putin-beijing.html"}


def test_sql_through_the_api_cannot_write(served: str, web_config: Path) -> None:
    response = httpx.get(f"{served}/news.json", params={"sql": "DELETE FROM articles"})
    assert response.status_code == 400
    rows = httpx.get(f"{served}/news/articles.json?_shape=array&_size=max").json()
    assert len(rows) == 10


def test_retry_needs_a_login_and_the_token_allows_it(served: str, web_config: Path) -> None:
    alert_id = fail_an_alert(web_config)
    url = f"{served}/alerts/{alert_id}/retry"
    assert httpx.post(url).status_code == 403
    wrong = {"Authorization": "Bearer not-the-token-at-all"}
    assert httpx.post(url, headers=wrong).status_code == 403
    assert alert_state(web_config, alert_id) == "failed"
    ok = httpx.post(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 302 and ok.headers["location"] == "/alerts"
    assert alert_state(web_config, alert_id) == "pending"


def test_a_logged_in_browser_must_send_the_csrf_token_and_can_log_out(
    served: str, web_config: Path
) -> None:
    alert_id = fail_an_alert(web_config)
    with httpx.Client(base_url=served) as browser:
        form = browser.get("/login")
        csrf = browser.cookies["ds_csrftoken"]
        assert 'name="csrftoken"' in form.text
        login = browser.post("/login", data={"token": TOKEN, "csrftoken": csrf, "next": "/"})
        assert login.status_code == 302 and "ds_actor" in browser.cookies
        assert browser.post(f"/alerts/{alert_id}/retry").status_code == 403  # no CSRF token
        assert alert_state(web_config, alert_id) == "failed"
        done = browser.post(f"/alerts/{alert_id}/retry", data={"csrftoken": csrf})
        assert done.status_code == 302
        assert alert_state(web_config, alert_id) == "pending"
        browser.post("/-/logout", data={"csrftoken": csrf})
        assert "ds_actor" not in browser.cookies
        fail_an_alert(web_config)
        again = browser.post(f"/alerts/{alert_id}/retry", data={"csrftoken": csrf})
        assert again.status_code == 403
    assert alert_state(web_config, alert_id) == "failed"


def test_a_public_address_without_a_token_is_refused(web_config: Path) -> None:
    cmd = [sys.executable, "-m", "monitor", "serve", "-c", str(web_config), "--host", "0.0.0.0"]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1
    error = result.stderr.strip()
    assert len(error.splitlines()) == 1, error
    assert "--host 0.0.0.0" in error and "NEWSHOUND_WEB_TOKEN" in error


@pytest.mark.parametrize("host", ["192.0.2.10", "::", "example.org"])
def test_any_host_but_loopback_needs_a_token(host: str) -> None:
    with pytest.raises(WebError, match="NEWSHOUND_WEB_TOKEN"):
        check_bind(host, None)
    assert check_bind(host, TOKEN) is True  # with one, every page asks for the login


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_login_to_read(host: str) -> None:
    assert check_bind(host, None) is False


def test_behind_a_proxy_loopback_can_require_the_login() -> None:
    assert check_bind("127.0.0.1", TOKEN, require_login=True) is True
    with pytest.raises(WebError, match="--require-login: set NEWSHOUND_WEB_TOKEN"):
        check_bind("127.0.0.1", None, require_login=True)


def test_a_short_token_is_refused() -> None:
    with pytest.raises(WebError, match="at least 16"):
        check_bind("127.0.0.1", "secret")


def test_off_loopback_every_page_needs_the_login(web_config: Path) -> None:
    """What `serve --host 0.0.0.0` with a token builds, asked in process (nothing bound)."""
    login_required = check_bind("0.0.0.0", TOKEN)
    ds = build_datasette(load_config(web_config), token=TOKEN, login_required=login_required)

    async def visit() -> None:
        await ds.invoke_startup()
        anonymous = await ds.client.get("/")
        assert anonymous.status_code == 302
        assert anonymous.headers["location"].startswith("/login")
        for path in ("/news/articles.json", "/news.json?sql=select+1", "/sources", "/news"):
            refused = await ds.client.get(path)
            assert refused.status_code == 302, path
            assert refused.headers["location"].startswith("/login?next="), path
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert (await ds.client.get("/news/articles.json", headers=bearer)).status_code == 200
        assert (await ds.client.get("/sources", headers=bearer)).status_code == 200

    asyncio.run(visit())


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_login_goes_back_only_to_a_page_of_this_site(served: str, target: str) -> None:
    with httpx.Client(base_url=served) as browser:
        browser.get("/login")
        csrf = browser.cookies["ds_csrftoken"]
        form = {"token": "x" * 20, "csrftoken": csrf, "next": target}
        wrong = browser.post("/login", data=form)
        assert wrong.status_code == 200 and "not the one" in wrong.text
        assert "ds_actor" not in browser.cookies
        right = browser.post("/login", data={**form, "token": TOKEN})
        assert right.headers["location"] == "/" and "ds_actor" in browser.cookies

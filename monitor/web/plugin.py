"""newshound's pages as a Datasette plugin: front page, article, sources, alerts, Atom, login.

One :class:`NewshoundPlugin` serves one Datasette instance (its hooks ignore any other).
Pages read through Datasette's read-only connections (``queries.py``, and a ``Store`` over
that connection for the store's own reads); the one write, retrying an alert, goes through
a ``Store`` of its own (``store.outbox.retry_alerts``), only for a logged-in actor and only
by POST with Datasette's CSRF token (asgi-csrf checks every POST that carries cookies).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from datasette import Forbidden, NotFound, hookimpl
from datasette.app import Datasette
from datasette.utils.asgi import Request, Response

from monitor.config import Config
from monitor.store import SearchError, Store, render_atom
from monitor.web import queries
from monitor.web.chart import render_chart, term_colours
from monitor.web.marks import mark_hits, mark_snippet, paragraphs

__all__ = ["NewshoundPlugin", "ACTOR_ID"]

ACTOR_ID = "newshound"  # the one actor a login or a bearer token makes
RETRY = "newshound-retry-alert"  # the permission that retrying an alert needs
ALERT_STATES = ("pending", "sending", "failed", "sent")


class NewshoundPlugin:
    def __init__(self, ds: Datasette, config: Config, db_name: str, token: str | None) -> None:
        self.ds, self.config, self.db_name, self.token = ds, config, db_name, token
        # Datasette lists plugins by module name (/-/plugins); this one is an object.
        self.__name__ = f"newshound-web-{id(ds)}"

    # --- hooks -------------------------------------------------------------------------

    @hookimpl
    def register_routes(self, datasette: Datasette) -> list[tuple[str, Any]] | None:
        if datasette is not self.ds:
            return None
        return [
            (r"^/$", self.front_page),
            (r"^/article/(?P<id>\d+)$", self.article_page),
            (r"^/sources$", self.sources_page),
            (r"^/alerts$", self.alerts_page),
            (r"^/alerts/(?P<id>\d+)/retry$", self.retry_alert),
            (r"^/feed\.atom$", self.atom_feed),
            (r"^/login$", self.login_page),
        ]

    @hookimpl
    def actor_from_request(self, datasette: Datasette, request: Request) -> dict | None:
        """``Authorization: Bearer <token>``: for scripts and the JSON API."""
        header = request.headers.get("authorization", "")
        if datasette is self.ds and self.token and header.startswith("Bearer "):
            if hmac.compare_digest(header[7:].encode(), self.token.encode()):
                return {"id": ACTOR_ID}
        return None

    @hookimpl
    def permission_allowed(
        self, datasette: Datasette, actor: dict | None, action: str, resource: Any
    ) -> bool | None:
        if datasette is not self.ds or action != RETRY:
            return None
        return bool(actor and actor.get("id") == ACTOR_ID)

    @hookimpl
    def forbidden(self, datasette: Datasette, request: Request, message: str) -> Any:
        """A page Datasette refuses to someone not logged in: the login, then the page."""
        if datasette is self.ds and self.token and not request.actor and request.method == "GET":
            return Response.redirect("/login?" + urlencode({"next": request.full_path}))
        return None

    @hookimpl
    def prepare_jinja2_environment(self, env: Any, datasette: Datasette) -> None:
        if datasette is self.ds:
            env.filters["ts"] = _format_ts

    @hookimpl
    def menu_links(self, datasette: Datasette, actor: dict | None) -> list[dict] | None:
        if datasette is not self.ds:
            return None
        return [
            {"href": "/", "label": "Matches"},
            {"href": "/sources", "label": "Sources"},
            {"href": "/alerts", "label": "Alerts"},
            {"href": f"/{self.db_name}", "label": "Tables"},
        ]

    # --- pages -------------------------------------------------------------------------

    async def _render(self, template: str, request: Request, **context: Any) -> Response:
        context.update(db_name=self.db_name, can_login=bool(self.token))
        html = await self.ds.render_template(template, context, request=request)
        return Response.html(html)

    async def _guard(self, request: Request) -> Response | None:
        """Off loopback (or with --require-login) every page needs the login: a redirect
        to it, or None to go on."""
        if await self.ds.permission_allowed(request.actor, "view-instance", default=True):
            return None
        return Response.redirect("/login?" + urlencode({"next": request.full_path}))

    async def _read(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        db = self.ds.get_database(self.db_name)
        return await db.execute_fn(lambda conn: fn(conn, *args, **kwargs))

    async def front_page(self, request: Request) -> Response:
        if denied := await self._guard(request):
            return denied
        args = request.args
        filters = _filters(args)
        page = max(int(args["page"]), 1) if args.get("page", "").isdigit() else 1
        query, hits, error = args.get("q", "").strip(), [], ""
        if query:
            terms = [filters.term] if filters.term else []
            try:
                hits = await self._read(lambda c: Store.over(c).search(query, terms=terms))
            except SearchError as e:
                error = str(e)
        articles = await self._read(
            queries.list_articles, filters, offset=(page - 1) * queries.PAGE_SIZE
        )
        days, counts = await self._read(queries.matches_per_day)
        names = [t.name for t in self.config.terms]
        colours = term_colours(names + sorted(set(counts) - set(names)))
        atom_args = {k: v for k, v in filters.__dict__.items() if v}
        return await self._render(
            "newshound_front.html", request,
            filters=filters, query=query, hits=hits, search_error=error,
            articles=articles, page=page, page_size=queries.PAGE_SIZE,
            chart=render_chart(days, counts, colours), colours=colours,
            terms=names, rules=[r.name for r in self.config.rules],
            sources=[s.name for s in self.config.sources],
            atom_url="/feed.atom" + ("?" + urlencode(atom_args) if atom_args else ""),
            filter_url=lambda **change: _filter_url(filters, change),
            mark_snippet=mark_snippet,
        )  # fmt: skip

    async def article_page(self, request: Request) -> Response:
        if denied := await self._guard(request):
            return denied
        article = await self._read(queries.read_article, int(request.url_vars["id"]))
        if article is None:
            raise NotFound(f"no article {request.url_vars['id']}")
        hits = [{**h, "term": m["term"]} for m in article["matches"] for h in m["hits"]]
        return await self._render(
            "newshound_article.html", request, article=article,
            title_html=mark_hits(article["title"] or article["url"], hits, "title"),
            text_html=paragraphs(mark_hits(article["text"], hits, "body")),
            colours=term_colours([t.name for t in self.config.terms]),
            mark_snippet=mark_snippet,
        )  # fmt: skip

    async def sources_page(self, request: Request) -> Response:
        if denied := await self._guard(request):
            return denied
        sources = await self._read(lambda c: Store.over(c).describe_sources(self.config.sources))
        totals = await self._read(queries.channel_totals)
        states = await self._read(lambda c: Store.over(c).outbox.channel_states())
        channels = [
            {"name": ch.name, "type": ch.type, "enabled": ch.enabled,
             "state": states.get(ch.name), **totals.get(ch.name, {})}
            for ch in self.config.channels
        ]  # fmt: skip
        return await self._render(
            "newshound_sources.html", request, sources=sources, channels=channels, now=time.time()
        )

    async def alerts_page(self, request: Request) -> Response:
        if denied := await self._guard(request):
            return denied
        state = request.args.get("state", "")
        states = [state] if state in ALERT_STATES else list(ALERT_STATES)
        alerts = await self._read(queries.list_outbox, states)
        can_retry = await self.ds.permission_allowed(request.actor, RETRY, default=False)
        return await self._render(
            "newshound_alerts.html", request, alerts=alerts, state=state,
            states=ALERT_STATES, can_retry=can_retry,
        )  # fmt: skip

    async def retry_alert(self, request: Request) -> Response:
        if request.method != "POST":
            return Response.text("retry an alert with POST", status=405)
        if not await self.ds.permission_allowed(request.actor, RETRY, default=False):
            raise Forbidden("retrying an alert needs a login (see docs/web.md)")
        alert_id = int(request.url_vars["id"])
        changed = await asyncio.to_thread(self._retry, alert_id)
        message = (
            f"alert #{alert_id} is due again" if changed else f"alert #{alert_id}: nothing to retry"
        )
        self.ds.add_message(request, message, self.ds.INFO if changed else self.ds.WARNING)
        return Response.redirect("/alerts")

    def _retry(self, alert_id: int) -> int:
        """The write: the store's own retry, on a connection of its own (as ``newshound
        alerts --retry ID`` does), in a worker thread so the pages go on being served."""
        store = Store(self.config.storage.path)
        try:
            return store.outbox.retry_alerts([alert_id])
        finally:
            store.close()

    async def atom_feed(self, request: Request) -> Response:
        if denied := await self._guard(request):
            return denied
        filters = _filters(request.args)
        rows = await self._read(queries.list_articles, filters)
        self_url = self.ds.absolute_url(request, request.full_path)
        xml = render_atom(rows, title=f"newshound: {filters.describe()}", self_url=self_url)
        return Response(xml, content_type="application/atom+xml; charset=utf-8")

    async def login_page(self, request: Request) -> Response:
        next_path = _local_path(request.args.get("next", "/"))
        error = ""
        if request.method == "POST":
            form = await request.post_vars()
            next_path = _local_path(form.get("next", "/"))
            given = form.get("token", "").encode()
            if self.token and hmac.compare_digest(given, self.token.encode()):
                response = Response.redirect(next_path)
                response.set_cookie(
                    "ds_actor", self.ds.sign({"a": {"id": ACTOR_ID}}, "actor"),
                    httponly=True, samesite="lax",
                )  # fmt: skip
                return response
            error = "That token is not the one newshound serve was started with."
        return await self._render("newshound_login.html", request, next=next_path, error=error)


def _local_path(path: str) -> str:
    """Where to go after the login: a path on this site only (no open redirect)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


def _format_ts(value: float | None) -> str:
    """A unix time as ``2026-12-07 19:44 UTC``."""
    if not value:
        return ""
    return datetime.fromtimestamp(float(value), UTC).strftime("%Y-%m-%d %H:%M UTC")


def _filters(args: Any) -> queries.ArticleFilter:
    day = args.get("day", "")
    if day and not _is_day(day):
        day = ""
    return queries.ArticleFilter(
        term=args.get("term", ""), rule=args.get("rule", ""), source=args.get("source", ""),
        day=day,
    )  # fmt: skip


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _filter_url(filters: queries.ArticleFilter, change: dict[str, str]) -> str:
    args = {**{k: v for k, v in filters.__dict__.items() if v}, **change}
    args = {k: v for k, v in args.items() if v}
    return "/" + ("?" + urlencode(args) if args else "")

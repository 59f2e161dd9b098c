"""``newshound serve``: the web UI (monitor/web/) over the daemon's database, read-only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from monitor.cli import config_option, open_config


@click.command()
@config_option()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8050, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--require-login", is_flag=True,
    help="Every page asks for the login, on 127.0.0.1 too (behind a reverse proxy).",
)  # fmt: skip
# The login secret: read here, at the edge, from the environment (never a command-line
# argument, which every user of the machine can read in `ps`).
@click.option("--token", envvar="NEWSHOUND_WEB_TOKEN", hidden=True)
def serve(
    config_path: Path | None, host: str, port: int, require_login: bool, token: str | None
) -> None:
    """Browse what newshound found: matches, articles, sources and alerts, in a browser.

    Reads the daemon's database without ever blocking it. Binds 127.0.0.1 unless told
    otherwise; any other address needs NEWSHOUND_WEB_TOKEN (a secret) set, and then every
    page asks for it. Retrying a failed alert always needs the login.

    Example: NEWSHOUND_WEB_TOKEN=... newshound serve --config newshound.toml --port 8050
    """
    import uvicorn

    from monitor.web.app import WebError, build_datasette, check_bind

    config = open_config(config_path)
    try:
        login_required = check_bind(host, token or None, require_login=require_login)
        ds = build_datasette(config, token=token or None, login_required=login_required)
    except WebError as e:
        raise click.ClickException(str(e)) from None
    asyncio.run(ds.invoke_startup())
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"newshound serve: http://{shown}:{port}/ ({config.storage.path}, read-only)", err=True
    )
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")

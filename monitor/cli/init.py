"""``newshound init``: a commented starter config that ``load_config`` accepts as it is."""

from __future__ import annotations

from pathlib import Path

import click

_HEADER = """\
# newshound.toml: what to watch, where, and whom to tell.
# Check it with `newshound check`, run it with `newshound run`.
# Intervals are written 30s, 10m, 2h or 1d. Secrets go in ${ENV_VAR}, never in this file.
"""

_KEEP = '# keep = "30d"                  # delete unmatched articles older than this\n'
# contrib/newshound.service: ProtectSystem=strict leaves only its StateDirectory writable.
SYSTEMD_PATH = "/var/lib/newshound/newshound.db"
_RELATIVE_PATH = 'path = "newshound.db"'
_SYSTEMD_NOTE = f'# as a systemd service (newshound init --systemd): path = "{SYSTEMD_PATH}"\n'

_TAIL = """
# --- alerts: more channels -----------------------------------------------------------
# [[channels]]
# name = "desk"
# type = "webhook"                    # signed per the Standard Webhooks spec
# url = "https://hooks.example.org/newshound"
# secret = "${NEWSHOUND_WEBHOOK_SECRET}"
# rules = ["summit"]                  # default: any matched term
#
# [[channels]]
# name = "desk-mail"
# type = "email"
# smtp_url = "smtp://user:${SMTP_PASSWORD}@mail.example.org:587"
# tls = "starttls"                   # starttls (port 587, default) | ssl (port 465) | none
# from = "newshound@example.org"
# to = ["desk@example.org"]
# digest = "1h"                       # one mail an hour instead of one per article
#
# [[channels]]
# name = "ops"
# type = "apprise"                    # Slack, Telegram, Discord, ntfy, Matrix, …
# url = "ntfy://ntfy.sh/my-newshound-topic"
# health = true                       # also tell this channel when a source fails or recovers

# --- alerts, network -------------------------------------------------------------------
# [alerts]
# max_age = "2d"                      # older when found: stored, not alerted (per source too)

# [network]
# allow_private_addresses = false     # true: also fetch loopback/private hosts (intranets)
# verify_certificates = true          # https: check certificates and host names
# user_agent = "newshound/1.0 (+https://example.org/contact)"
# timeout = "30s"                     # per download

# --- the daemon ------------------------------------------------------------------------
# [daemon]
# tick = "1m"                         # how often due sources are looked for
# shutdown_timeout = "30s"            # how long SIGTERM waits for in-flight work
# max_failures = 5                    # 404/410/not-a-feed answers in a row before a pause

# [metrics]
# listen = "127.0.0.1:9464"           # Prometheus /metrics and /healthz; off by default
"""


def starter_config(systemd: bool = False) -> str:
    """The built-in default config, with the optional sections shown as comments.

    ``systemd``: the database at :data:`SYSTEMD_PATH`, the unit's StateDirectory.
    """
    defaults = (Path(__file__).resolve().parent.parent / "defaults.toml").read_text("utf-8")
    body = "\n".join(
        line for line in defaults.splitlines() if not line.startswith("# newshound's built-in")
        and not line.startswith("# `newshound init` writes")
    ).lstrip("\n")  # fmt: skip
    # Inside the existing [storage] table: a second [storage] would not load.
    body = body.replace("[storage]\n", "[storage]\n" + _KEEP, 1)
    line = next(x for x in body.splitlines() if x.startswith(_RELATIVE_PATH))
    if systemd:
        body = body.replace(line, f'path = "{SYSTEMD_PATH}"', 1)
    else:
        body = body.replace(line, line + "\n" + _SYSTEMD_NOTE.rstrip("\n"), 1)
    return _HEADER + "\n" + body.rstrip("\n") + "\n" + _TAIL


@click.command("init")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the config to this file instead of printing it.",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option(
    "--systemd", is_flag=True,
    help=f"Keep the database in the service's StateDirectory ({SYSTEMD_PATH}).",
)  # fmt: skip
def init(output: Path | None, force: bool, systemd: bool) -> None:
    """Print (or write with -o) a commented starter config to edit.

    Example: newshound init -o newshound.toml
    """
    text = starter_config(systemd)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise click.ClickException(f"{output}: already exists; use --force to overwrite it")
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}; edit it, then run: newshound check --config {output}", err=True)

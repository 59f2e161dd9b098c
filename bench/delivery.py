"""Delivery benchmark: CPU per alert and alerts per second, webhook and e-mail, by outbox size.

Fills a fresh outbox with N article alerts (rows as ``save_article`` writes them) and
drains it with ``deliver_due`` to real loopback receivers, each in a process of its own
so their CPU is not counted: an HTTP/1.1 keep-alive webhook receiver (asyncio) and
aiosmtpd. CPU is this process's (all threads: the SMTP sessions run in threads). Per-alert
figures are printed with their ratio against the smallest N of the same run, so "flat"
reads as ratios near 1. A digest channel (e-mail, ``digest = "1h"``) is measured per
message and per article. Every alert must arrive exactly once (checked by event id).

    python bench/delivery.py    # webhook 1,000 / 5,000 / 20,000 queued, e-mail, digest
    python bench/delivery.py --sizes 1000,5000 --email-sizes 500
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config import load_config  # noqa: E402
from monitor.daemon.deliver import deliver_due  # noqa: E402
from monitor.store import open_database  # noqa: E402

RECEIVER = r"""
import asyncio, sys
ids = set(); count = 0
async def handle(reader, writer):
    global count
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0; hook_id = b""
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length": length = int(value)
                elif name == b"webhook-id": hook_id = value.strip()
            await reader.readexactly(length)
            count += 1; ids.add(hook_id)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=256)
    print(server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    print(count, len(ids), flush=True)
asyncio.run(main())
"""

SMTP_SINK = r"""
import sys
from aiosmtpd.controller import Controller
ids = set(); count = 0
class Sink:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        for line in envelope.original_content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                ids.add(line)
            if not line:
                break
        return "250 OK"
c = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]),
               server_hostname="sink.localhost")
c.start()
print(c.port, flush=True)
sys.stdin.readline()
c.stop()
print(count, len(ids), flush=True)
"""


class Receiver:
    """A receiver script in a child process: prints its port, then counts until told."""

    def __init__(self, script: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())

    def stop(self) -> tuple[int, int]:
        """(messages received, distinct ids)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        count, distinct = map(int, self.proc.stdout.readline().split())
        self.proc.wait(10)
        return count, distinct


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _payload(i: int) -> str:
    return json.dumps({
        "url": f"https://news.example/{i}", "title": f"Putin and Xi meet, part {i}",
        "source": "Wire", "published": "2026-12-07T10:00:00+00:00",
        "terms": ["Putin", "Xi"], "rules": ["summit"],
        "snippets": {"Putin": [f"… «Putin» met Xi on day {i} …"], "Xi": ["… met «Xi» …"]},
        "aliases": {"Putin": ["Putin"], "Xi": ["Xi"]}, "counts": {"Putin": 2, "Xi": 1},
    })  # fmt: skip


def fill_outbox(db_path: Path, channel: str, n: int) -> None:
    db = open_database(db_path)
    now = time.time()
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO outbox (channel, kind, event_id, payload, created) "
            "VALUES (?, 'article', ?, ?, ?)",
            ((channel, f"evt_{channel}_{i:08d}", _payload(i), now) for i in range(n)),
        )
    db.close()


def write_config(folder: Path, channel: str) -> Path:
    path = folder / "newshound.toml"
    path.write_text(
        f'[storage]\npath = "{folder / "news.db"}"\n'
        "[network]\nallow_private_addresses = true\n"
        '[[terms]]\nname = "Putin"\n' + channel,
        encoding="utf-8",
    )
    return path


def drain(config_path: Path, now: float | None = None) -> tuple[float, float, int, int]:
    """Deliver until nothing is due: (CPU s, wall s, alerts sent, messages)."""
    config = load_config(config_path)
    sent = messages = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while True:
        report = asyncio.run(deliver_due(config, config.storage.path, now=now, budget=600))
        sent += report.sent
        messages += sum(c.messages for c in report.channels.values())
        if report.errors:
            raise SystemExit(f"delivery errors: {report.errors[:3]}")
        if report.sent == 0:
            break
    return time.process_time() - cpu0, time.perf_counter() - wall0, sent, messages


def run_case(kind: str, n: int, channel_toml: str, receiver: Receiver,
             now: float | None = None) -> dict[str, float]:  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="nh-bench-delivery-") as tmp:
        folder = Path(tmp)
        config_path = write_config(folder, channel_toml)
        fill_outbox(folder / "news.db", "bench", n)
        cpu, wall, sent, messages = drain(config_path, now)
    got, distinct = receiver.stop()
    if sent != n or distinct != messages or got != messages:
        raise SystemExit(
            f"{kind} N={n}: {sent} sent in {messages} messages, receiver got {got} "
            f"({distinct} distinct ids)"
        )
    return {"n": n, "cpu": cpu, "wall": wall, "messages": messages}


def webhook_channel(port: int) -> str:
    return (
        '[[channels]]\nname = "bench"\ntype = "webhook"\n'
        f'url = "http://127.0.0.1:{port}/hook"\nsecret = "s3cret"\ntimeout = 10\n'
    )


def mail_channel(port: int, digest: bool = False) -> str:
    return (
        '[[channels]]\nname = "bench"\ntype = "email"\n'
        f'smtp_url = "smtp://127.0.0.1:{port}"\ntls = "none"\n'
        'from = "newshound@example.org"\nto = ["desk@example.org"]\ntimeout = 10\n'
        + ('digest = "1h"\n' if digest else "")
    )


def _print_table(title: str, rows: list[dict[str, float]], per: str = "alert") -> None:
    base = rows[0]["cpu"] / rows[0]["n"]
    print(f"\n{title}")
    print(f"| queued | CPU ms per {per} | ratio vs N={rows[0]['n']:,.0f} | {per}s/s | wall s |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        each = r["cpu"] / r["n"]
        print(
            f"| {r['n']:,.0f} | {each * 1000:.2f} | {each / base:.2f}x "
            f"| {r['n'] / r['wall']:,.0f} | {r['wall']:.1f} |"
        )


@click.command()
@click.option("--sizes", default="1000,5000,20000", show_default=True,
              help="Webhook outbox sizes.")  # fmt: skip
@click.option("--email-sizes", default="1000,5000", show_default=True,
              help="E-mail outbox sizes (empty: skip).")  # fmt: skip
@click.option("--digest-size", default=2000, show_default=True,
              help="Articles in the e-mail digest case (0: skip).")  # fmt: skip
def main(sizes: str, email_sizes: str, digest_size: int) -> None:
    """Print delivery CPU per alert, rate and ratios as Markdown tables."""
    print(f"bench/delivery.py, {date.today().isoformat()}, pid {os.getpid()}, "
          f"python {sys.version.split()[0]}")  # fmt: skip
    rows = []
    for n in [int(s) for s in sizes.split(",") if s]:
        receiver = Receiver(RECEIVER)
        rows.append(run_case("webhook", n, webhook_channel(receiver.port), receiver))
    if rows:
        _print_table("Webhook (HTTP/1.1 loopback receiver, one POST per alert)", rows)
    rows = []
    for n in [int(s) for s in email_sizes.split(",") if s]:
        receiver = Receiver(SMTP_SINK, str(free_port()))
        rows.append(run_case("email", n, mail_channel(receiver.port), receiver))
    if rows:
        _print_table("E-mail (aiosmtpd on loopback, one message per alert)", rows)
    if digest_size:
        receiver = Receiver(SMTP_SINK, str(free_port()))
        later = time.time() + 2 * 3600  # the digest period has passed
        r = run_case("digest", digest_size, mail_channel(receiver.port, True), receiver, later)
        print(f"\nE-mail digest: {digest_size:,} articles in {r['messages']:.0f} messages: "
              f"{r['cpu'] / r['messages'] * 1000:.1f} ms CPU per message, "
              f"{r['cpu'] / digest_size * 1000:.2f} ms per article")  # fmt: skip


if __name__ == "__main__":
    main()

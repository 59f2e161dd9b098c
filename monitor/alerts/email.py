"""The e-mail channel: SMTP with STARTTLS, implicit TLS or none; multipart text + HTML.

TLS uses ``ssl.create_default_context()`` (certificate and host name verified), not
smtplib's default, which verifies nothing. The trusted CAs are the system's (OpenSSL's
default paths, so ``SSL_CERT_FILE``/``SSL_CERT_DIR`` apply). A refused certificate is a
transient error naming the reason: the alert waits (within the retry horizon) for the
server's certificate to be fixed; nothing is sent unverified.

Credentials come from the ``smtp_url`` (``smtp://user:${SMTP_PASSWORD}@host:587``).
The Message-ID is derived from the delivery's event id, so every retry of one alert is
the same message to the receiving side.

smtplib blocks, so the session runs in a worker thread. The channel's ``timeout`` bounds
the whole session, not each socket operation: every command and every wait for a reply
gets what is left of it, and no command starts once it has passed. The caller stops
waiting at the same ``timeout`` and retries later; a thread left to go on (a slow server
answering each command within a per-operation timeout) could send DATA after that, and the
retry would deliver the mail twice.
"""

from __future__ import annotations

import functools
import logging
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote, urlsplit

from monitor.alerts.base import Delivery, DeliveryError
from monitor.alerts.render import flatten_line, render_email
from monitor.alerts.threads import in_own_thread
from monitor.config import ChannelConfig, NetworkConfig

__all__ = ["EmailChannel", "build_message"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: str  # starttls | ssl | none
    user: str | None
    password: str | None


def smtp_target(config: ChannelConfig) -> SmtpTarget:
    """Host, port, TLS mode and login of the channel's ``smtp_url`` (user and password
    percent-decoded). A URL that does not parse raises ValueError naming the channel, never
    the URL: its password might be in the message (load_config refuses such URLs)."""
    parts = urlsplit(config.smtp_url or "")
    tls = "ssl" if parts.scheme.lower() == "smtps" else config.tls
    default_port = {"ssl": 465, "starttls": 587, "none": 25}[tls]
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f'channel "{config.name}": smtp_url has no valid host:port') from None
    return SmtpTarget(
        host=parts.hostname or "",
        port=port or default_port,
        tls=tls,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def message_id(event_id: str, from_addr: str) -> str:
    domain = from_addr.rpartition("@")[2].strip(" >") or "newshound.invalid"
    return f"<{event_id}@{domain}>"


def build_message(config: ChannelConfig, delivery: Delivery) -> Message:
    """The MIME message: Subject on one line, text and HTML alternatives, stable Message-ID.

    Built with the ``compat32`` classes: ``EmailMessage`` parses every header it is given
    back into objects, which cost ~3.5 ms of CPU a message for nothing here (every value
    is one flat line already; non-ASCII ones are RFC 2047-encoded by ``Header``).
    """
    content = render_email(delivery)
    from_addr = config.from_addr or ""
    msg = MIMEMultipart("alternative")
    msg["Subject"] = _header(flatten_line(content.subject))
    msg["From"] = from_addr
    msg["To"] = ", ".join(config.to)
    msg["Date"] = formatdate(delivery.created, localtime=False)
    msg["Message-ID"] = message_id(delivery.event_id, from_addr)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Newshound-Channel"] = _header(flatten_line(config.name, 100))
    msg.attach(MIMEText(content.text, "plain", "utf-8"))
    msg.attach(MIMEText(content.html, "html", "utf-8"))
    return msg


def _header(value: str) -> Any:  # str | Header: compat32 headers take either
    """``value`` as is, or RFC 2047-encoded (as a ``Header``) when it is not ASCII."""
    return value if value.isascii() else Header(value, "utf-8")


class EmailChannel:
    def __init__(self, config: ChannelConfig, network: NetworkConfig) -> None:
        self.name = config.name
        self.config = config
        self.target = smtp_target(config)
        self._context: ssl.SSLContext | None = None

    def _tls_context(self) -> ssl.SSLContext:
        """Made on first use and kept: loading the system's CAs costs ~50 ms of CPU."""
        if self._context is None:
            self._context = ssl.create_default_context()
        return self._context

    async def send(self, delivery: Delivery) -> None:
        msg = build_message(self.config, delivery)
        # A little before the caller's own timeout, so that the thread has given up first.
        deadline = time.monotonic() + self.config.timeout * 0.95
        await in_own_thread(self._send, msg, deadline)

    def _send(self, msg: Message, deadline: float) -> None:
        t, where = self.target, f"channel {self.name!r}: SMTP {self.target.host}:{self.target.port}"
        context = self._tls_context() if t.tls != "none" else None
        timeout = max(0.001, deadline - time.monotonic())
        local = _local_hostname()
        try:
            if t.tls == "ssl":
                client: smtplib.SMTP = _SMTP_SSL(
                    deadline, t.host, t.port, local, timeout=timeout, context=context
                )
            else:
                client = _SMTP(deadline, t.host, t.port, local, timeout=timeout)
        except ssl.SSLError as e:  # implicit TLS: the handshake is part of connecting
            raise DeliveryError(f"{where}: {_tls_problem(e)}") from None
        except (OSError, smtplib.SMTPException) as e:
            raise DeliveryError(f"{where}: cannot connect: {_describe(e)}") from None
        try:
            client.ehlo()
            if t.tls == "starttls":
                if not client.has_extn("starttls"):
                    raise DeliveryError(
                        f"{where}: the server does not offer STARTTLS; nothing was sent in "
                        'clear text (set tls = "ssl", or tls = "none" for a local relay)',
                        permanent=True,
                    )
                client.starttls(context=context)
                client.ehlo()
            if t.user:
                client.login(t.user, t.password or "")
            refused = client.send_message(msg, self.config.from_addr, list(self.config.to))
            if refused:  # the others took it, so it is sent; say who did not
                log.warning("%s: some recipients refused: %s", where, _recipients(refused))
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _ in e.recipients.values()]
            raise DeliveryError(
                f"{where}: every recipient refused: {_recipients(e.recipients)}",
                permanent=all(500 <= c < 600 for c in codes),
            ) from None
        except smtplib.SMTPResponseException as e:
            hint = ""
            if e.smtp_code == 530 and t.tls == "none":  # "Must issue a STARTTLS command first"
                hint = ' (the server requires TLS: set tls = "starttls" or "ssl")'
            raise DeliveryError(
                f"{where}: {e.smtp_code} {_text(e.smtp_error)}{hint}",
                permanent=500 <= e.smtp_code < 600,
            ) from None
        except ssl.SSLError as e:
            raise DeliveryError(f"{where}: {_tls_problem(e)}") from None
        except (OSError, smtplib.SMTPException) as e:
            raise DeliveryError(f"{where}: {_describe(e)}") from None
        finally:
            _close(client)


@functools.cache
def _local_hostname() -> str:
    """What EHLO names, chosen as smtplib chooses it (the FQDN, else ``[address]``), once
    per process rather than by a reverse lookup per message."""
    fqdn = socket.getfqdn()
    if "." in fqdn:
        return fqdn
    try:
        return f"[{socket.gethostbyname(socket.gethostname())}]"
    except socket.gaierror:
        return "[127.0.0.1]"


class _SMTP(smtplib.SMTP):
    """smtplib's client, each command and each reply bounded by what is left until
    ``deadline`` (``time.monotonic()``); past it, no command is sent."""

    def __init__(self, deadline: float, *args: Any, **kwargs: Any) -> None:
        self.deadline = deadline
        super().__init__(*args, **kwargs)

    def send(self, s: Any) -> None:  # ReadableBuffer | str
        self._bound()
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        self._bound()
        return super().getreply()

    def _bound(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the channel's timeout passed")
        if self.sock is not None:
            self.sock.settimeout(left)


class _SMTP_SSL(_SMTP, smtplib.SMTP_SSL):  # noqa: N801
    pass


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        client.close()


def _text(value: bytes | str) -> str:
    return flatten_line(value.decode("utf-8", "replace") if isinstance(value, bytes) else value)


def _recipients(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr}: {code} {_text(text)}" for addr, (code, text) in recipients.items())


def _tls_problem(e: ssl.SSLError) -> str:
    if isinstance(e, ssl.SSLCertVerificationError):  # wrong host name, unknown CA, expired
        why = e.verify_message or e.reason or str(e)
        return f"TLS certificate refused: {flatten_line(why).rstrip('.')}; nothing was sent"
    return f"TLS failed: {flatten_line(str(e.reason or e))}"


def _describe(e: BaseException) -> str:
    if isinstance(e, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    return flatten_line(str(e) or type(e).__name__)

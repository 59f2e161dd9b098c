"""systemd's notify protocol, by hand: datagrams such as ``READY=1`` to ``$NOTIFY_SOCKET``.

No dependency: the protocol is one ``AF_UNIX`` datagram per message. A path starting with
``@`` names an abstract socket. Without a socket (not under systemd) every call is a no-op.
The daemon sends ``READY=1`` once its poll loop runs, ``WATCHDOG=1`` only while the poll
loop is alive (so systemd restarts a wedged daemon), and ``STOPPING=1`` on shutdown.
"""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Self

__all__ = ["Notifier"]


class Notifier:
    def __init__(self, socket_path: str | None, watchdog_usec: int | None = None) -> None:
        self.address = None
        if socket_path:
            self.address = "\0" + socket_path[1:] if socket_path.startswith("@") else socket_path
        # systemd asks for a ping at least every WatchdogSec; we ping at a third of it.
        self.watchdog_interval = watchdog_usec / 3e6 if watchdog_usec else None
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *fields: str) -> bool:
        """Send ``fields`` (``"READY=1"``, ``"STATUS=…"``) as one datagram; False if not sent."""
        if self.address is None:
            return False
        if self._sock is None:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._sock.sendto("\n".join(fields).encode("utf-8"), self.address)
        except OSError:
            return False
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

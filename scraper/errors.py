"""A failed download in one line, as a source's ``last_error`` and the log show it.

Twisted reports a refused certificate as a list of OpenSSL error tuples inside a failure
(``[<Failure OpenSSL.SSL.Error: [('SSL routines', '', 'certificate verify failed')]>]``)
or as service_identity's ``VerificationError``: that one says what happened and what to
do. Anything else is the error's own message, or its type when it has none. Any URL in the
line goes through ``monitor.safety.redact_url``: no credentials or tokens.
"""

from __future__ import annotations

from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from monitor.safety import redact_urls

__all__ = ["download_error"]

_UNTRUSTED = "certificate verify failed"  # OpenSSL: no trusted CA vouches for it, or expired
_OTHER_HOST = "VerificationError"  # service_identity: the certificate names another host


def download_error(error: BaseException | Failure) -> str:
    """``error`` (an exception, or the Twisted failure an errback gets) as one line."""
    exc = error.value if isinstance(error, Failure) else error
    if isinstance(exc, HttpError):  # its own message is "Ignoring non-200 response"
        return f"HTTP {exc.response.status}"
    text = str(exc)
    if _UNTRUSTED in text:
        why = "no CA the system trusts vouches for it (or it has expired)"
    elif _OTHER_HOST in text:
        why = "it is made out to another host"
    else:
        return redact_urls(text) or type(exc).__name__
    return (
        f"TLS certificate refused: {why}; nothing was fetched "
        "([network] verify_certificates = false fetches it anyway)"
    )

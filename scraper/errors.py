"""A refused TLS certificate in one line, as a source's ``last_error`` and the log show it.

Twisted reports one as a list of OpenSSL error tuples inside a failure
(``[<Failure OpenSSL.SSL.Error: [('SSL routines', '', 'certificate verify failed')]>]``)
or as service_identity's ``VerificationError``; this says what happened and what to do.
"""

from __future__ import annotations

from twisted.python.failure import Failure

__all__ = ["certificate_refused"]

_UNTRUSTED = "certificate verify failed"  # OpenSSL: no trusted CA vouches for it, or expired
_OTHER_HOST = "VerificationError"  # service_identity: the certificate names another host


def certificate_refused(error: BaseException | Failure) -> str | None:
    """The line for ``error`` (an exception or a Twisted failure) if it is a certificate
    refused by ``DOWNLOAD_VERIFY_CERTIFICATES``, else None."""
    exc = error.value if isinstance(error, Failure) else error
    text = str(exc)
    if _UNTRUSTED in text:
        why = "no CA the system trusts vouches for it (or it has expired)"
    elif _OTHER_HOST in text:
        why = "it is made out to another host"
    else:
        return None
    return (
        f"TLS certificate refused: {why}; nothing was fetched "
        "([network] verify_certificates = false fetches it anyway)"
    )

"""A throwaway certificate authority for loopback TLS servers: the tests' and the benches'.

``ThrowawayCA(folder)`` makes a CA (EC P-256, valid for a day) and writes it to
``ca_file``, what ``SSL_CERT_FILE`` is to point at for a client to trust it;
:meth:`ThrowawayCA.issue` writes a server chain (certificate and key, PEM) for DNS names
and IP addresses; :func:`server_context` serves one. Nothing here is for real trust.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path
from typing import Any

__all__ = ["ThrowawayCA", "server_context"]


class ThrowawayCA:
    def __init__(self, folder: Path, name: str = "newshound test CA") -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec

        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        usage = dict.fromkeys(
            ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "encipher_only", "decipher_only"], False,
        )  # fmt: skip
        self.cert = self._sign(name, self.key, [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (x509.KeyUsage(key_cert_sign=True, crl_sign=True, **usage), True),
            (x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), False),
        ])  # fmt: skip
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(self._pem(self.cert))

    def issue(self, file: str, names: list[str]) -> Path:
        """``folder/file``: a server certificate for ``names`` (host names or IP
        addresses; the first is its subject) and its key."""
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID

        key = ec.generate_private_key(ec.SECP256R1())
        san = x509.SubjectAlternativeName([_general_name(n) for n in names])
        cert = self._sign(names[0], key, [
            (san, False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False),
        ], issuer=self.cert.subject)  # fmt: skip
        path = self.folder / file
        path.write_bytes(self._pem(cert) + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ))  # fmt: skip
        return path

    def _sign(
        self, subject: str, key: Any, extensions: list[tuple[Any, bool]], issuer: Any = None
    ) -> Any:
        """A certificate for ``key``, signed by the CA's key; self-issued without
        ``issuer``."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID

        now = datetime.datetime.now(datetime.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
        )  # fmt: skip
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(self.key, hashes.SHA256())

    @staticmethod
    def _pem(cert: Any) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return bytes(cert.public_bytes(serialization.Encoding.PEM))


def server_context(chain: Path) -> ssl.SSLContext:
    """A TLS server context serving ``chain`` (from :meth:`ThrowawayCA.issue`)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return context


def _general_name(name: str) -> Any:
    from cryptography import x509

    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)

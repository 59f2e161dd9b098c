"""Shared fixtures: real servers on 127.0.0.1 and real SQLite files in tmp_path.

``test_ca``: a throwaway CA (made with ``cryptography``) and server certificates signed by
it, for the TLS servers of the tests (SMTP, the fixture site over https).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from monitor.fixture_site import FixtureSite

# CI runs the property tests derandomized (the same examples every run, so a red build
# means a change broke something); locally they explore fresh examples each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    """The fixture news site (fixtures/site) served on a loopback port."""
    with FixtureSite(FIXTURES / "site") as s:
        yield s


def write_site_config(site: FixtureSite, folder: Path) -> Path:
    """fixtures/site/newshound.toml with the site's base URL and ``folder/news.db``."""
    text = (FIXTURES / "site" / "newshound.toml").read_text(encoding="utf-8")
    text = text.replace("{BASE}", site.base).replace('"demo.db"', f'"{folder / "news.db"}"')
    path = folder / "newshound.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def site_config(site: FixtureSite, tmp_path: Path) -> Path:
    """fixtures/site/newshound.toml with the site's base URL and a database in tmp_path."""
    return write_site_config(site, tmp_path)


@dataclass(frozen=True)
class CertAuthority:
    """A CA made for one test session and, signed by it, server certificate chains."""

    ca_file: Path  # PEM of the CA: what SSL_CERT_FILE points at
    good: Path  # cert + key for DNS:localhost, IP:127.0.0.1
    wrong_host: Path  # cert + key for DNS:wrong.example only

    def server_context(self, chain: Path) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain)
        return context


def _make_ca(directory: Path) -> CertAuthority:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def builder(subject: str, issuer: x509.Name, key: Any) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder().subject_name(name(subject)).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
        )  # fmt: skip

    ca_key = ec.generate_private_key(ec.SECP256R1())
    usage = dict.fromkeys(
        ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "encipher_only", "decipher_only"], False,
    )  # fmt: skip
    ca = (
        builder("newshound test CA", name("newshound test CA"), ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(key_cert_sign=True, crl_sign=True, **usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def leaf(file: str, names: list[x509.GeneralName]) -> Path:
        key = ec.generate_private_key(ec.SECP256R1())
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
        cert = (
            builder(str(names[0].value), ca.subject, key)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(aki, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        path = directory / file
        path.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )  # fmt: skip
        return path

    localhost = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    return CertAuthority(
        ca_file=ca_file,
        good=leaf("localhost.pem", localhost),
        wrong_host=leaf("wrong.pem", [x509.DNSName("wrong.example")]),
    )


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> CertAuthority:
    return _make_ca(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trust_test_ca(test_ca: CertAuthority, monkeypatch: pytest.MonkeyPatch) -> CertAuthority:
    """Make ``ssl.create_default_context()`` trust the test CA (and only it), via OpenSSL's
    ``SSL_CERT_FILE``: production code is unchanged and still verifies."""
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca.ca_file))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return test_ca

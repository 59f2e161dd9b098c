"""monitor.netcheck: the safety contract's address test, in every spelling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.netcheck import AddressRefused, check_address, check_url

REFUSED = {
    "loopback": "http://127.0.0.1/",
    "loopback-short": "http://127.1/",
    "loopback-decimal": "http://2130706433/",
    "loopback-hex": "http://0x7f000001/",
    "loopback-octal": "http://0177.0.0.1/",
    "loopback-mixed": "http://0x7f.1/",
    "loopback-trailing-dot": "http://127.0.0.1./",
    "localhost-trailing-dot": "http://localhost./",
    "localhost-upper": "http://LOCALHOST:8080/",
    "dot-localhost": "http://api.localhost/",
    "zero": "http://0.0.0.0/",
    "zero-short": "http://0/",
    "rfc1918-10": "http://10.0.0.5/",
    "rfc1918-172": "http://172.16.3.4/",
    "rfc1918-192": "http://192.168.1.1/",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "metadata-name": "http://metadata.google.internal/",
    "cgnat": "http://100.64.1.1/",
    "benchmarking": "http://198.18.0.1/",
    "broadcast": "http://255.255.255.255/",
    "multicast": "http://224.0.0.1/",
    "ipv6-loopback": "http://[::1]/",
    "ipv6-unspecified": "http://[::]/",
    "ipv6-link-local": "http://[fe80::1]/",
    "ipv6-link-local-zone": "http://[fe80::1%25eth0]/",
    "ipv6-unique-local": "http://[fd00::1]/",
    "ipv4-mapped": "http://[::ffff:127.0.0.1]/",
    "ipv4-mapped-metadata": "http://[::ffff:169.254.169.254]/",
    "ipv4-mapped-hex": "http://[::ffff:7f00:1]/",
    "ipv4-compatible": "http://[::127.0.0.1]/",
    "ipv4-translated": "http://[::ffff:0:7f00:1]/",
    "nat64": "http://[64:ff9b::7f00:1]/",
    "6to4": "http://[2002:7f00:1::]/",
    "userinfo": "http://user:pw@127.0.0.1/",
    "scheme-file": "file:///etc/passwd",
    "scheme-ftp": "ftp://8.8.8.8/",
    "scheme-gopher": "gopher://8.8.8.8/",
    "no-host": "http:///feed",
}
ALLOWED = {
    "public-v4": "http://93.184.215.14/feed",
    "public-v6": "http://[2606:4700::1111]/",
    "public-mapped": "http://[::ffff:8.8.8.8]/",
    "public-nat64": "http://[64:ff9b::808:808]/",
}


@pytest.mark.parametrize("url", REFUSED.values(), ids=REFUSED.keys())
def test_non_public_forms_refused(url: str) -> None:
    with pytest.raises(AddressRefused):
        check_url(url, resolve=False)


@pytest.mark.parametrize("url", ALLOWED.values(), ids=ALLOWED.keys())
def test_public_addresses_allowed(url: str) -> None:
    check_url(url, resolve=False)


def test_reason_names_the_address_and_why() -> None:
    with pytest.raises(AddressRefused, match=r"resolves to 10\.0\.0\.5 \(private\)"):
        check_url("http://10.0.0.5/")
    with pytest.raises(AddressRefused, match=r"carries 127\.0\.0\.1 \(loopback\)"):
        check_address("::ffff:127.0.0.1")
    with pytest.raises(AddressRefused, match="CGNAT"):
        check_address("100.64.0.1")
    with pytest.raises(AddressRefused, match="metadata"):
        check_address("169.254.169.254")


def test_name_resolving_to_loopback_refused() -> None:
    with pytest.raises(AddressRefused):  # "localhost" by name; ip6-localhost via resolution
        check_url("http://localhost/")


# `newshound check` on the forms tests/monitor/cli/test_check.py does not already cover.
CLI_FORMS = ["http://[fe80::1]/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
             "http://127.1/", "http://127.0.0.1./", "http://localhost./",
             "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a00:1::]/"]  # fmt: skip


def test_check_refuses_each_form_naming_url_and_why(tmp_path: Path) -> None:
    sources = "".join(
        f'[[sources]]\nname = "s{i}"\nurl = "{url}"\n' for i, url in enumerate(CLI_FORMS)
    )
    hook = '[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "http://[::1]:9/hook"\n'
    config = tmp_path / "newshound.toml"
    config.write_text(sources + '[[terms]]\nname = "Putin"\n' + hook)
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(config)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode != 0
    for i, url in enumerate(CLI_FORMS):
        assert f'source "s{i}" ({url}): refused, ' in result.stderr, (url, result.stderr)
    assert 'channel "hook" (http://[::1]:9/hook): refused, resolves to ::1 (loopback)' in (
        result.stderr
    )
    assert "Traceback" not in result.stderr

"""``newshound init``: a starter config that loads, printed or written."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.config import default_config, load_config


def test_init_prints_a_config_that_loads_like_the_default(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0
    path = tmp_path / "newshound.toml"
    path.write_text(result.output, encoding="utf-8")
    config, default = load_config(path), default_config(tmp_path)
    assert [s.url for s in config.sources] == [s.url for s in default.sources]
    assert [t.name for t in config.terms] == [t.name for t in default.terms]


def test_every_commented_option_loads_when_uncommented(tmp_path: Path) -> None:
    text = CliRunner().invoke(main, ["init"]).output
    text = re.sub(r"^# (keep|\[daemon\]|tick|shutdown_timeout|max_failures|\[metrics\]|listen)",
                  r"\1", text, flags=re.M)  # fmt: skip
    path = tmp_path / "newshound.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    assert config.storage.keep == 30 * 86400 and config.metrics.listen == "127.0.0.1:9464"
    assert config.daemon.max_failures == 5


def test_init_writes_a_file_and_will_not_overwrite_it(tmp_path: Path) -> None:
    out = tmp_path / "newshound.toml"
    assert CliRunner().invoke(main, ["init", "-o", str(out)]).exit_code == 0
    load_config(out)
    again = CliRunner().invoke(main, ["init", "-o", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert CliRunner().invoke(main, ["init", "-o", str(out), "--force"]).exit_code == 0


def test_network_alerts_and_email_tls_shown_and_load_when_uncommented(tmp_path: Path) -> None:
    text = CliRunner().invoke(main, ["init"]).output
    assert "# [network]" in text and "# [alerts]" in text
    assert '# tls = "starttls"' in text and "ssl" in text  # the e-mail TLS choice
    text = re.sub(r"^# (\[network\]|allow_private|verify_certificates|user_agent|timeout"
                  r"|\[alerts\]|max_age)", r"\1", text, flags=re.M)  # fmt: skip
    mail = text.split('# [[channels]]\n# name = "desk-mail"', 1)[1].split("\n#\n", 1)[0]
    text += '\n[[channels]]\nname = "desk-mail"' + re.sub(r"^# ", "", mail, flags=re.M)
    path = tmp_path / "newshound.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path, env={"SMTP_PASSWORD": "x"})
    assert config.network.timeout == 30 and config.network.verify_certificates
    assert config.alerts.max_age == 2 * 86400
    assert config.channels[-1].tls == "starttls"

"""docs/scaling.md and the files it ships stay true: the worker unit and the compose file
run commands and options the CLI has, with the config where the other units keep it; the
doc's command lines do too, and every Redis key it lists is one the code uses."""

from __future__ import annotations

import configparser
import re
import shlex

import click
import pytest
import yaml

from monitor.cli import main
from tests.support import ROOT

DOC = (ROOT / "docs" / "scaling.md").read_text(encoding="utf-8")
UNIT = ROOT / "contrib" / "newshound-worker@.service"
COMPOSE = yaml.safe_load((ROOT / "contrib" / "compose.cluster.yml").read_text("utf-8"))


def assert_runs(words: list[str]) -> None:
    """``words`` (after ``newshound``) name a command and only options it has, each
    option given a value when it takes one."""
    command = main.get_command(click.Context(main), words[0])
    assert command is not None, f"no command newshound {words[0]}"
    params = {opt: p for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    rest = iter(words[1:])
    for word in rest:
        assert word.startswith("-"), f"newshound {words[0]}: unexpected {word!r}"
        param = params.get(word)
        assert param is not None, f"newshound {words[0]} has no {word}"
        if isinstance(param, click.Option) and not param.is_flag:
            value = next(rest, None)
            assert value is not None and not value.startswith("--"), f"{word} needs a value"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read(UNIT, encoding="utf-8")
    return parser


def test_the_worker_unit_runs_newshound_worker_with_the_shared_config() -> None:
    service = unit()["Service"]
    words = shlex.split(service["ExecStart"])
    assert words[:2] == ["/usr/local/bin/newshound", "worker"]
    assert_runs(words[1:])
    config = words[words.index("--config") + 1]
    main_unit = (ROOT / "contrib" / "newshound.service").read_text("utf-8")
    assert f"--config {config}" in main_unit  # the same file as `run`'s
    assert "%i" in service["ExecStart"]  # each instance its own name in Redis
    assert service["User"] == "newshound" and service["ProtectSystem"] == "strict"


def compose_commands() -> list[tuple[str, list[str]]]:
    out = []
    image_entrypoint = ["newshound", "run"]  # the Dockerfile's ENTRYPOINT
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert 'ENTRYPOINT ["newshound", "run"]' in dockerfile
    for name, service in COMPOSE["services"].items():
        if name == "redis":
            continue
        words = [*service.get("entrypoint", image_entrypoint), *service.get("command", [])]
        out.append((name, words))
    return out


@pytest.mark.parametrize("name,words", compose_commands(), ids=lambda v: str(v))
def test_each_compose_service_runs_a_real_command(name: str, words: list[str]) -> None:
    assert words[0] == "newshound"
    assert_runs(words[1:])


def test_compose_has_redis_with_a_password_one_run_and_workers() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"redis", "run", "worker"}
    redis_command = services["redis"]["command"]
    assert "--requirepass" in redis_command and "--appendonly" in redis_command
    assert "ports" not in services["redis"]  # reached only by the services
    assert services["run"].get("deploy", {}).get("replicas", 1) == 1  # one writer
    assert services["worker"]["deploy"]["replicas"] >= 2
    for name in ("run", "worker"):
        assert "REDIS_PASSWORD" in services[name]["environment"]  # for ${REDIS_PASSWORD}


def doc_command_lines() -> list[list[str]]:
    out = []
    for body in re.findall(r"^ *```sh\n(.*?)^ *```", DOC, re.M | re.S):
        for line in body.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["newshound"]:
                out.append(words[1:])
            elif words[:2] == ["docker", "compose"] and "exec" in words:
                after = words[words.index("exec") + 2 :]
                if after[:1] == ["newshound"]:
                    out.append(after[1:])
    return out


@pytest.mark.parametrize("words", doc_command_lines(), ids=" ".join)
def test_every_command_line_in_the_doc_runs(words: list[str]) -> None:
    assert_runs(words)


def test_the_doc_shows_commands_for_run_workers_and_status() -> None:
    assert {w[0] for w in doc_command_lines()} >= {"worker", "status"}


def test_every_redis_key_in_the_doc_is_one_the_code_uses() -> None:
    code = "".join(p.read_text("utf-8") for p in (ROOT / "scraper" / "cluster").glob("*.py"))
    keys = re.findall(r"^\| `<p>:([a-z]+)", DOC, re.M)
    assert len(keys) >= 7
    for key in keys:
        assert f"{{self.prefix}}:{key}" in code or f"{{keys.prefix}}:{key}" in code, key

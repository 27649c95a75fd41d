"""kernel/config.load: bad environment values stop the process with exit code 2 and a clear line."""

from __future__ import annotations

import pytest

from kernel.config import BaseConfig, StoreConfig, load

pytestmark = pytest.mark.unit

VARIABLES = ("REGION", "LOG_LEVEL", "METRICS_PORT", "MONGO_URI", "MONGO_DB")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def load_failing(config_cls, capsys, **overrides) -> list[str]:
    with pytest.raises(SystemExit) as exc:
        load(config_cls, **overrides)
    assert exc.value.code == 2
    out = capsys.readouterr()
    assert out.out == ""
    return out.err.splitlines()


def test_defaults():
    config = load(BaseConfig)
    assert (config.region, config.log_level, config.metrics_port) == ("tianjin", "INFO", 0)


def test_reads_and_normalises_the_environment(monkeypatch):
    monkeypatch.setenv("REGION", "beijing")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("METRICS_PORT", "9100")
    config = load(BaseConfig)
    assert (config.region, config.log_level, config.metrics_port) == ("beijing", "DEBUG", 9100)


def test_overrides_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("REGION", "beijing")
    assert load(BaseConfig, region="shanghai").region == "shanghai"


@pytest.mark.parametrize("bad", ["Tianjin", "tian jin", "t", "9tianjin", "tianjin!", "", "a" * 40])
def test_bad_region_exits_2_naming_the_variable(monkeypatch, capsys, bad):
    monkeypatch.setenv("REGION", bad)
    lines = load_failing(BaseConfig, capsys)
    assert lines[0] == "invalid configuration for BaseConfig:"
    assert len(lines) == 2
    assert lines[1].lstrip().startswith("REGION: ")
    assert repr(bad) in lines[1]  # shows what it got
    assert "slug" in lines[1]


def test_bad_log_level_and_port_each_get_a_line(monkeypatch, capsys):
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    monkeypatch.setenv("METRICS_PORT", "ninety")
    monkeypatch.setenv("REGION", "beijing")
    lines = load_failing(BaseConfig, capsys)
    assert len(lines) == 3
    named = {line.strip().split(":")[0] for line in lines[1:]}
    assert named == {"LOG_LEVEL", "METRICS_PORT"}
    assert any("'verbose'" in line and "DEBUG, INFO, WARNING, ERROR" in line for line in lines)


def test_subclasses_name_themselves_and_validate_inherited_fields(monkeypatch, capsys):
    monkeypatch.setenv("REGION", "BAD")
    monkeypatch.setenv("MONGO_URI", "mongodb://db:27017/")
    lines = load_failing(StoreConfig, capsys)
    assert lines[0] == "invalid configuration for StoreConfig:"
    assert lines[1].strip().startswith("REGION:")


def test_bad_override_is_reported_like_the_environment(capsys):
    lines = load_failing(BaseConfig, capsys, log_level="loud")
    assert lines[1].strip().startswith("LOG_LEVEL:")


def test_region_with_a_trailing_newline_is_rejected(monkeypatch, capsys):
    # e.g. a Kubernetes ConfigMap value written as a YAML block scalar (`region: |`)
    monkeypatch.setenv("REGION", "tianjin\n")
    lines = load_failing(BaseConfig, capsys)
    assert lines[1].strip().startswith("REGION:")

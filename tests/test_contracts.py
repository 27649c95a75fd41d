"""The generated contract code matches protos/: a stale `jiceng/` package fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.protoc import compile_protos, proto_files

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent


def test_generated_code_is_fresh(tmp_path):
    generated = compile_protos(ROOT / "protos", tmp_path)
    stale = []
    for fresh in generated:
        installed = ROOT / fresh.relative_to(tmp_path)
        if not installed.exists() or installed.read_bytes() != fresh.read_bytes():
            stale.append(str(installed.relative_to(ROOT)))
    assert not stale, f"generated code is stale, run `make venv` (pip install -e .): {stale}"


def test_every_proto_is_a_versioned_package():
    for proto in proto_files(ROOT / "protos"):
        rel = proto.relative_to(ROOT / "protos")
        parts = rel.parts
        assert parts[0] == "jiceng" and parts[-2].startswith("v") and parts[-2][1:].isdigit(), rel
        package = ".".join(parts[:-1])
        assert f"package {package};" in proto.read_text(), f"{rel} must declare package {package}"

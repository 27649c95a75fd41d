"""Compiles protos/ into the importable `jiceng` package whenever the project is built or installed.

`jiceng/` is generated (and git-ignored): `protos/jiceng/identity/v1/identity.proto` becomes
`jiceng.identity.v1.identity_pb2` and `..._pb2_grpc`. tests/test_contracts.py fails when it is stale.
"""

import sys
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from devstack.protoc import compile_protos  # noqa: E402  (after the path tweak above)

compile_protos(ROOT / "protos", ROOT)
setup()

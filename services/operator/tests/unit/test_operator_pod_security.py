"""The Pod Security Standards checker, against pods whose verdict the standards spell out."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from orchestra_operator.pod_security import pod_spec_of, strictest_level, violations

Body = dict[str, Any]

# The pod the standards' own "restricted" example describes: non-root, no escalation,
# every capability dropped, the runtime's seccomp profile, a PVC and an emptyDir.
RESTRICTED_POD: Body = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [
        {
            "name": "app",
            "image": "registry.test/app:1",
            "ports": [{"containerPort": 8080}],
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
            },
        }
    ],
    "volumes": [
        {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
        {"name": "scratch", "emptyDir": {}},
    ],
}


def changed(path: str, value: object, pod: Body = RESTRICTED_POD) -> Body:
    """A copy of ``pod`` with the dotted ``path`` (list indexes as numbers) set to ``value``."""
    result = copy.deepcopy(pod)
    *parents, last = path.split(".")
    node: Any = result
    for step in parents:
        node = node[int(step)] if step.isdigit() else node.setdefault(step, {})
    node[last] = value
    return result


def rules(pod: Body, level: str) -> set[str]:
    return {violation.rule for violation in violations(pod, level)}  # type: ignore[arg-type]


def test_the_restricted_example_passes_every_level() -> None:
    assert violations(RESTRICTED_POD, "restricted") == []
    assert violations(RESTRICTED_POD, "baseline") == []
    assert strictest_level(RESTRICTED_POD) == "restricted"


def test_an_empty_pod_is_baseline_but_not_restricted() -> None:
    pod: Body = {"containers": [{"name": "app", "image": "registry.test/app:1"}]}
    assert violations(pod, "baseline") == []
    assert rules(pod, "restricted") == {
        "Privilege Escalation",
        "Running as Non-root",
        "Seccomp",
        "Capabilities",
    }
    assert strictest_level(pod) == "baseline"


ROOT_INIT_POD = changed(
    "containers.0.securityContext",
    {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"], "add": ["CHOWN", "SETUID", "SETGID", "KILL"]},
    },
    changed("securityContext", {"seccompProfile": {"type": "RuntimeDefault"}}),
)


def test_a_root_init_pod_is_baseline_only() -> None:
    assert violations(ROOT_INIT_POD, "baseline") == []
    assert rules(ROOT_INIT_POD, "restricted") == {"Running as Non-root", "Capabilities"}


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        ("hostNetwork", True, "Host Namespaces"),
        ("hostPID", True, "Host Namespaces"),
        ("hostIPC", True, "Host Namespaces"),
        ("containers.0.securityContext.privileged", True, "Privileged Containers"),
        ("containers.0.securityContext.capabilities.add", ["SYS_ADMIN"], "Capabilities"),
        ("containers.0.securityContext.capabilities.add", ["NET_RAW"], "Capabilities"),
        ("containers.0.ports", [{"containerPort": 80, "hostPort": 80}], "Host Ports"),
        ("volumes", [{"name": "host", "hostPath": {"path": "/"}}], "HostPath Volumes"),
        ("securityContext.seccompProfile", {"type": "Unconfined"}, "Seccomp"),
        ("containers.0.securityContext.seccompProfile", {"type": "Unconfined"}, "Seccomp"),
        ("containers.0.securityContext.procMount", "Unmasked", "/proc Mount Type"),
        ("containers.0.securityContext.seLinuxOptions", {"type": "spc_t"}, "SELinux"),
        ("securityContext.seLinuxOptions", {"user": "system_u"}, "SELinux"),
        ("containers.0.securityContext.appArmorProfile", {"type": "Unconfined"}, "AppArmor"),
        ("securityContext.windowsOptions", {"hostProcess": True}, "HostProcess"),
        ("securityContext.sysctls", [{"name": "kernel.msgmax", "value": "1"}], "Sysctls"),
    ],
)
def test_what_baseline_refuses(path: str, value: object, rule: str) -> None:
    pod = changed(path, value)
    assert rule in rules(pod, "baseline")
    assert rule in rules(pod, "restricted")  # restricted includes baseline
    assert strictest_level(pod) == "privileged"


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        ("containers.0.securityContext.allowPrivilegeEscalation", True, "Privilege Escalation"),
        ("containers.0.securityContext.runAsNonRoot", False, "Running as Non-root"),
        ("securityContext.runAsNonRoot", False, "Running as Non-root"),
        ("securityContext.runAsUser", 0, "Running as Non-root user"),
        ("containers.0.securityContext.runAsUser", 0, "Running as Non-root user"),
        ("securityContext.seccompProfile", {}, "Seccomp"),
        ("containers.0.securityContext.capabilities", {"drop": ["NET_RAW"]}, "Capabilities"),
        ("containers.0.securityContext.capabilities.add", ["CHOWN"], "Capabilities"),
        ("volumes", [{"name": "nfs", "nfs": {"server": "n", "path": "/"}}], "Volume Types"),
    ],
)
def test_what_restricted_adds_to_baseline(path: str, value: object, rule: str) -> None:
    pod = changed(path, value)
    assert violations(pod, "baseline") == []
    assert rule in rules(pod, "restricted")
    assert strictest_level(pod) == "baseline"


def test_a_container_may_set_what_the_pod_leaves_out() -> None:
    pod = changed("securityContext", {})
    pod = changed("containers.0.securityContext.runAsNonRoot", True, pod)
    pod = changed("containers.0.securityContext.seccompProfile", {"type": "Localhost"}, pod)
    assert violations(pod, "restricted") == []


def test_init_and_ephemeral_containers_are_judged_too() -> None:
    sneaky = {"name": "init", "image": "x", "securityContext": {"privileged": True}}
    for key in ("initContainers", "ephemeralContainers"):
        pod = changed(key, [sneaky])
        (found,) = violations(pod, "baseline")
        assert found.where == f"spec.{key}[0].securityContext"
        assert str(found) == f"spec.{key}[0].securityContext: privileged (Privileged Containers)"


def test_the_privileged_level_admits_anything() -> None:
    assert violations(changed("hostNetwork", True), "privileged") == []


def test_the_pod_spec_of_a_pod_and_of_a_deployment() -> None:
    assert pod_spec_of({"kind": "Pod", "spec": RESTRICTED_POD}) == RESTRICTED_POD
    deployment = {"kind": "Deployment", "spec": {"template": {"spec": RESTRICTED_POD}}}
    assert pod_spec_of(deployment) == RESTRICTED_POD

"""The Pod Security Standards, as a pure check of a pod spec against a level.

Kubernetes' Pod Security Admission refuses a pod that breaks the level its namespace
enforces, but only in a real cluster, and only when the pod is created: a Deployment the
operator builds wrongly is accepted and its ReplicaSet then fails, out of sight. This module
lets tests (and anyone holding a manifest) ask the same question offline: does this pod spec
satisfy ``baseline`` or ``restricted``, and if not, which rule does it break and where?

It follows https://kubernetes.io/docs/concepts/security/pod-security-standards/ (policy
version 1.25 and later; the rules have not changed since, bar the sysctls added to the safe
list) for every field a pod spec can carry that the standards judge. The annotation forms of
AppArmor and seccomp are not read: our manifests use the fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Body = Mapping[str, Any]
Level = Literal["privileged", "baseline", "restricted"]

BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
"""What ``baseline`` lets a container add: Docker's default set, no more."""
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
SELINUX_TYPES = frozenset(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
)
RESTRICTED_VOLUMES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
"""The only volume sources ``restricted`` allows (a volume entry's other keys are its name)."""
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class Violation:
    """One broken rule: the standard's name for it, where in the pod spec, and what is wrong."""

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message} ({self.rule})"


def violations(pod_spec: Body, level: Level) -> list[Violation]:
    """Every rule of ``level`` that ``pod_spec`` (a Pod's ``spec``) breaks; empty: admitted."""
    if level == "privileged":
        return []
    found = list(_baseline(pod_spec))
    if level == "restricted":
        found.extend(_restricted(pod_spec))
    return found


def strictest_level(pod_spec: Body) -> Level:
    """The strictest level that admits ``pod_spec``."""
    if not violations(pod_spec, "restricted"):
        return "restricted"
    return "baseline" if not violations(pod_spec, "baseline") else "privileged"


def pod_spec_of(workload: Body) -> Body:
    """The pod spec of a Pod, or of a workload's pod template (Deployment, Job ...)."""
    if workload.get("kind") == "Pod":
        return dict(workload.get("spec") or {})
    return dict(((workload.get("spec") or {}).get("template") or {}).get("spec") or {})


def _containers(pod_spec: Body) -> Iterator[tuple[str, Body]]:
    for key in CONTAINER_LISTS:
        for index, container in enumerate(pod_spec.get(key) or []):
            yield f"spec.{key}[{index}]", container


def _contexts(pod_spec: Body) -> Iterator[tuple[str, Body]]:
    """The pod's security context and each container's, with where they are."""
    yield "spec.securityContext", pod_spec.get("securityContext") or {}
    for where, container in _containers(pod_spec):
        yield f"{where}.securityContext", container.get("securityContext") or {}


def _baseline(pod_spec: Body) -> Iterator[Violation]:
    if (pod_spec.get("securityContext") or {}).get("windowsOptions", {}).get("hostProcess"):
        yield Violation("HostProcess", "spec.securityContext.windowsOptions", "hostProcess pod")
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(key):
            yield Violation("Host Namespaces", f"spec.{key}", f"{key} must be unset or false")
    for index, volume in enumerate(pod_spec.get("volumes") or []):
        if "hostPath" in volume:
            yield Violation("HostPath Volumes", f"spec.volumes[{index}]", "hostPath volume")
    for index, sysctl in enumerate((pod_spec.get("securityContext") or {}).get("sysctls") or []):
        if sysctl.get("name") not in SAFE_SYSCTLS:
            where = f"spec.securityContext.sysctls[{index}]"
            yield Violation("Sysctls", where, f"unsafe sysctl {sysctl.get('name')!r}")
    for where, context in _contexts(pod_spec):
        yield from _baseline_context(where, context)
    for where, container in _containers(pod_spec):
        context = container.get("securityContext") or {}
        if context.get("privileged"):
            yield Violation("Privileged Containers", f"{where}.securityContext", "privileged")
        for added in (context.get("capabilities") or {}).get("add") or []:
            if added not in BASELINE_CAPABILITIES:
                yield Violation(
                    "Capabilities", f"{where}.securityContext", f"adds capability {added}"
                )
        for port_index, port in enumerate(container.get("ports") or []):
            if port.get("hostPort"):
                where_port = f"{where}.ports[{port_index}]"
                yield Violation("Host Ports", where_port, f"hostPort {port['hostPort']}")
        if context.get("procMount") not in (None, "Default"):
            yield Violation("/proc Mount Type", f"{where}.securityContext", "procMount")


def _baseline_context(where: str, context: Body) -> Iterator[Violation]:
    if (context.get("windowsOptions") or {}).get("hostProcess"):
        yield Violation("HostProcess", f"{where}.windowsOptions", "hostProcess container")
    apparmor = (context.get("appArmorProfile") or {}).get("type")
    if apparmor not in (None, "RuntimeDefault", "Localhost"):
        yield Violation("AppArmor", f"{where}.appArmorProfile", f"type {apparmor}")
    selinux = context.get("seLinuxOptions") or {}
    if selinux.get("type", "") not in SELINUX_TYPES:
        yield Violation("SELinux", f"{where}.seLinuxOptions", f"type {selinux['type']!r}")
    if selinux.get("user") or selinux.get("role"):
        yield Violation("SELinux", f"{where}.seLinuxOptions", "custom user or role")
    if (context.get("seccompProfile") or {}).get("type") == "Unconfined":
        yield Violation("Seccomp", f"{where}.seccompProfile", "Unconfined")


def _restricted(pod_spec: Body) -> Iterator[Violation]:
    pod = pod_spec.get("securityContext") or {}
    for index, volume in enumerate(pod_spec.get("volumes") or []):
        sources = set(volume) - {"name"}
        if not sources <= RESTRICTED_VOLUMES:
            kinds = ", ".join(sorted(sources - RESTRICTED_VOLUMES))
            yield Violation("Volume Types", f"spec.volumes[{index}]", f"volume type {kinds}")
    if pod.get("runAsUser") == 0:
        yield Violation("Running as Non-root user", "spec.securityContext", "runAsUser 0")
    for where, container in _containers(pod_spec):
        context = container.get("securityContext") or {}
        at = f"{where}.securityContext"
        if context.get("allowPrivilegeEscalation") is not False:
            yield Violation("Privilege Escalation", at, "allowPrivilegeEscalation must be false")
        non_root = context.get("runAsNonRoot", pod.get("runAsNonRoot"))
        if non_root is not True:
            yield Violation("Running as Non-root", at, "runAsNonRoot must be true")
        if context.get("runAsUser") == 0:
            yield Violation("Running as Non-root user", at, "runAsUser 0")
        seccomp = (context.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            yield Violation("Seccomp", at, "seccompProfile must be RuntimeDefault or Localhost")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            yield Violation("Capabilities", at, "must drop ALL capabilities")
        for added in capabilities.get("add") or []:
            if added != "NET_BIND_SERVICE":
                yield Violation("Capabilities", at, f"adds capability {added}")

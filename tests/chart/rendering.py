"""Render the chart with helm and index what came out, for the chart's tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "orchestra"
RELEASE = "orch"
NAMESPACE = "orchestra"

Body = dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    objects: list[Body]

    def find(self, kind: str, name: str) -> Body:
        for body in self.objects:
            if body["kind"] == kind and body["metadata"]["name"] == name:
                return body
        raise KeyError(f"no {kind} {name}; have {sorted(self.names(kind))}")

    def names(self, kind: str) -> set[str]:
        return {b["metadata"]["name"] for b in self.objects if b["kind"] == kind}

    def pod_specs(self) -> Iterator[tuple[Body, Body]]:
        """(workload, its pod spec) of every Deployment, StatefulSet and Job."""
        for body in self.objects:
            if body["kind"] in {"Deployment", "StatefulSet", "Job"}:
                yield body, body["spec"]["template"]["spec"]

    def container(self, deployment: str) -> Body:
        (container,) = self.find("Deployment", f"{RELEASE}-{deployment}")["spec"]["template"][
            "spec"
        ]["containers"]
        assert isinstance(container, dict)
        return container


def helm_template(
    helm: Path, *, values: Path | None = None, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    command = [str(helm), "template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    if values is not None:
        command += ["--values", str(values)]
    return subprocess.run([*command, *extra], capture_output=True, text=True, check=False)


def render(helm: Path, *, values: Path | None = None, extra: tuple[str, ...] = ()) -> Rendered:
    done = helm_template(helm, values=values, extra=extra)
    assert done.returncode == 0, done.stderr
    return Rendered([body for body in yaml.safe_load_all(done.stdout) if body])


def env_of(container: Body) -> dict[str, Body]:
    return {entry["name"]: entry for entry in container.get("env", [])}

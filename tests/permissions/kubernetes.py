"""The permission tests' side of the emulated cluster under RBAC: its record, its rules.

``rights`` reads the chart's rendered rules per service account into the smallest pieces
a rule grants (one verb of one resource of one group, in one scope), and ``unused``
tells which of them no recorded request needed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from orchestra_devstack.cluster.authorizing import Policy, User
from orchestra_devstack.cluster.kubeconfigs import read_kubeconfig
from orchestra_devstack.rendering import NAMESPACE, RELEASE

T = TypeVar("T")


def account(service: str) -> User:
    return User.service_account(NAMESPACE, f"{RELEASE}-{service}")


@dataclasses.dataclass(frozen=True, order=True)
class Right:
    """One verb on one resource (``workshops/status``) of one API group, granted
    everywhere (``scope`` "*") or in one namespace, perhaps only for some names."""

    service: str
    verb: str
    group: str
    resource: str
    scope: str = "*"
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        names = f" {list(self.names)}" if self.names else ""
        where = "in every namespace" if self.scope == "*" else f"in {self.scope}"
        return f"{self.service}: {self.verb} {self.group or 'core'}/{self.resource}{names} {where}"

    def covers(self, use: dict[str, Any]) -> bool:
        resource = use["resource"] + (f"/{use['subresource']}" if use["subresource"] else "")
        return (use["verb"], use["group"], resource) == (self.verb, self.group, self.resource) and (
            self.scope == "*" or use["namespace"] == self.scope
        )


def rights(policy: Policy, service: str) -> set[Right]:
    found: set[Right] = set()
    for grant in policy.grants(account(service)):
        scope = grant.binding.namespace or "*"
        for rule in grant.rules:
            for verb in rule.verbs:
                for group in rule.api_groups:
                    for resource in rule.resources:
                        found.add(Right(service, verb, group, resource, scope, rule.resource_names))
    return found


def used_by(usage: dict[str, Any], service: str) -> list[dict[str, Any]]:
    return [use for use in usage["used"] if use["user"] == account(service).name]


def unused(granted: Iterable[Right], uses: list[dict[str, Any]]) -> set[Right]:
    return {right for right in granted if not any(right.covers(use) for use in uses)}


def listing(usage: dict[str, Any], service: str) -> str:
    """What one service asked the API for, one line per verb and resource."""
    lines = sorted(
        {
            f"  {u['verb']:<7} path {u['path']}"
            if u["path"]
            else f"  {u['verb']:<7} {u['group'] or 'core'}/{u['resource']}"
            + (f"/{u['subresource']}" if u["subresource"] else "")
            + (f" in {u['namespace']}" if u["namespace"] else " (all namespaces or cluster)")
            for u in used_by(usage, service)
        }
    )
    return f"{service} used:\n" + "\n".join(lines)


class Admin:
    """The administrator's calls to the stack's emulated cluster (its kubeconfig)."""

    def __init__(self, kubeconfig: Path) -> None:
        self.url, token, self._ssl = read_kubeconfig(kubeconfig)
        self._headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = dict(self._headers)
        if method == "PATCH":
            headers["Content-Type"] = "application/merge-patch+json"
        connector = aiohttp.TCPConnector(ssl=self._ssl) if self._ssl else None
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.request(method, self.url + path, json=body, headers=headers) as response,
        ):
            return response.status, await response.json(content_type=None)

    async def usage(self) -> dict[str, Any]:
        status, body = await self.call("GET", "/_devstack/rbac")
        assert status == 200, body
        result: dict[str, Any] = body
        return result


async def eventually(
    probe: Callable[[], Awaitable[T]], *, until: Callable[[T], bool], timeout: float = 60.0
) -> T:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if until(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never came true; last seen: {value!r}")
        await asyncio.sleep(0.2)

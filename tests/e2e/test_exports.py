"""The learner's work, end to end: downloaded while the workshop runs, and saved at expiry.

Every service a process as ``make dev`` runs it, archives in the dev stack's filesystem
store. The learner writes files in their workshop through the gate (the stand-in
application saves them in the workshop's stand-in folder, which the emulated kubelet
keeps); "Download my work" asks the operator for an archive, which it reads through
``pods/exec`` (tar), the path a real cluster takes; at the deadline the operator saves the
folder again before it deletes the Workshop, and history offers that archive too
(docs/src/content/docs/decisions/0060).
"""

from __future__ import annotations

import io
import tarfile
from typing import Any

import httpx
import pytest

from orchestra_devstack.standin.browsing import browser
from tests.e2e.stacking import as_learner, instance, running_stack, wait_for

# Above the sum of the waits below plus starting and stopping the stack (a minute or
# more each on a loaded machine): the bound only catches a hang.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(450)]
ADA = "ada@example.org"
GRACE = "grace@example.org"


async def archives(api: httpx.AsyncClient, name: str, email: str) -> list[dict[str, Any]]:
    listed = await api.get("/api/v1/archives", params={"instance": name}, headers=as_learner(email))
    assert listed.status_code == 200, listed.text
    found: list[dict[str, Any]] = listed.json()
    return found


async def files_in(api: httpx.AsyncClient, archive: dict[str, Any], email: str) -> dict[str, bytes]:
    got = await api.get(f"/api/v1/archives/{archive['id']}", headers=as_learner(email))
    assert got.status_code == 200, got.text
    with tarfile.open(fileobj=io.BytesIO(got.content), mode="r:gz") as tar:
        return {
            m.name.removeprefix("./"): tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


async def test_work_is_downloaded_while_running_and_saved_at_expiry() -> None:
    async with (
        running_stack() as stack,
        httpx.AsyncClient(base_url=stack.api_url, timeout=20) as api,
    ):
        launched = await api.post(
            "/api/v1/instances",
            json={"template": "jupyter", "duration": "40s"},
            headers=as_learner(ADA),
        )
        assert launched.status_code == 202, launched.text
        name = launched.json()["name"]
        ready = await wait_for(
            lambda: instance(api, name, ADA),
            until=lambda body: body["phase"] == "Ready",
            timeout=90,
            what=f"{name} Ready",
        )
        opened = await api.get(f"/api/v1/instances/{name}/open", headers=as_learner(ADA))
        assert opened.status_code == 303, opened.text
        async with browser() as client:
            async with client.get(opened.headers["location"]) as entered:
                assert entered.status == 200
            for path, text in (("analysis.ipynb", "day one"), ("data/counts.csv", "a,1\n")):
                async with client.put(f"{ready['url']}_standin/files/{path}", data=text) as put:
                    assert put.status == 201, await put.text()

            asked = await api.post(f"/api/v1/instances/{name}/export", headers=as_learner(ADA))
            assert asked.status_code == 202, asked.text
            (running,) = await wait_for(
                lambda: archives(api, name, ADA), until=bool, timeout=60, what="the download"
            )
            assert await files_in(api, running, ADA) == {
                "analysis.ipynb": b"day one",
                "data/counts.csv": b"a,1\n",
            }
            async with client.put(
                f"{ready['url']}_standin/files/analysis.ipynb", data="day two"
            ) as put:
                assert put.status == 201

        ended = await wait_for(
            lambda: instance(api, name, ADA),
            until=lambda body: body["phase"] == "Terminated",
            timeout=120,
            what=f"{name} to expire",
        )
        assert ended["reason"] == "expired"
        saved = await archives(api, name, ADA)
        assert len(saved) == 2
        at_expiry = saved[0]  # newest first
        assert (await files_in(api, at_expiry, ADA))["analysis.ipynb"] == b"day two"
        # Nobody else sees or fetches it.
        assert await archives(api, name, GRACE) == []
        other = await api.get(f"/api/v1/archives/{at_expiry['id']}", headers=as_learner(GRACE))
        assert other.status_code == 404

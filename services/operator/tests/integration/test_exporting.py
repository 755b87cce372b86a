"""The learner's work folder saved by the operator: on request, before every delete, and a
failing export that does not keep the Workshop (docs/src/content/docs/decisions/0060).

The operator runs as a process with the filesystem archive store; the emulated cluster
keeps each running workshop's stand-in folder (what the stand-in application writes in
the dev stack; here the test writes it) and serves the operator's ``tar`` over
``pods/exec``, the same code path as on a real cluster.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from services.operator.tests.integration.driving import World, launch_event

from orchestra_shared.archiving import ArchiveInfo, FilesystemArchiveStore
from orchestra_shared.events import ExportRequested, TerminateRequested
from orchestra_shared.owners import owner_hash

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def exporting(world: World) -> AsyncIterator[FilesystemArchiveStore]:
    """One operator leading with exports on, and the store it writes."""
    directory = world.workdir / "archives"
    process = await world.start_leader(
        "exporter",
        environment={
            "ORCHESTRA_ARCHIVES_BACKEND": "filesystem",
            "ORCHESTRA_ARCHIVES_DIRECTORY": str(directory),
        },
        deadline_grace="30",
        export_attempts="2",
        export_timeout="5",
    )
    yield FilesystemArchiveStore(directory, max_bytes=1 << 30)
    await process.stop()


async def members(store: FilesystemArchiveStore, archive: ArchiveInfo) -> dict[str, bytes]:
    data = b"".join([chunk async for chunk in await store.open(archive.key)])
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def folder_of(world: World, instance: str) -> Path:
    return world.workdir / "work-folders" / instance


async def test_a_requested_export_and_the_one_before_deletion_hold_the_learners_files(
    world: World, exporting: FilesystemArchiveStore
) -> None:
    launch = launch_event(template="jupyter-scratch")
    await world.publish(launch)
    await world.wait_for_phase(launch, "Ready")
    folder = folder_of(world, launch.instance)
    (folder / "analysis").mkdir(parents=True, exist_ok=True)
    (folder / "analysis" / "notes.md").write_text("# day one\n")
    mine = f"{owner_hash(launch.owner)}/{launch.instance}/"

    await world.publish(
        ExportRequested(instance=launch.instance, owner=launch.owner, requested_by=launch.owner)
    )
    (first,) = await world.wait_for(
        lambda: exporting.list(mine), until=bool, what="the requested archive"
    )
    assert (await members(exporting, first))["./analysis/notes.md"] == b"# day one\n"
    assert await world.workshop(launch) is not None  # a download ends nothing

    (folder / "analysis" / "notes.md").write_text("# day two\n")
    await world.publish(
        TerminateRequested(instance=launch.instance, owner=launch.owner, reason="user")
    )
    await world.wait_until_gone(launch)
    archives = await exporting.list(mine)
    assert len(archives) == 2
    last = max(archives, key=lambda a: a.created_at)
    assert (await members(exporting, last))["./analysis/notes.md"] == b"# day two\n"
    assert await exporting.list(f"{owner_hash(launch.owner)}/x") == []  # nobody else's


async def test_a_failing_export_is_recorded_and_the_workshop_deleted_anyway(
    world: World, exporting: FilesystemArchiveStore
) -> None:
    launch = launch_event()
    await world.publish(launch)
    await world.wait_for_phase(launch, "Ready")
    folder = folder_of(world, launch.instance)
    folder.rmdir()
    folder.write_text("tar will refuse this: -C on something that is not a folder")

    await world.publish(
        TerminateRequested(instance=launch.instance, owner=launch.owner, reason="expired")
    )
    await world.wait_until_gone(launch)
    assert "ExportFailed" in await world.event_reasons(launch)
    assert await exporting.list(f"{owner_hash(launch.owner)}/") == []
    samples = await world.metrics("exporter")
    assert samples['orchestra_operator_exports_total{outcome="failed",trigger="terminate"}'] >= 1
    assert samples['orchestra_operator_exports_total{outcome="saved",trigger="requested"}'] >= 1

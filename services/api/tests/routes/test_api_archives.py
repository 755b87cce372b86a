"""Download my work: the export request, the learner's archives, owner-only downloads, and
the archives' retention (docs/src/content/docs/decisions/0060), with the filesystem store the operator writes."""

import io
import json
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.api.tests.apis import ADA, BOB, AppRunner, admin, learner

from orchestra_api.exporting import reap_archives
from orchestra_shared.archiving import (
    ArchiveSettings,
    FilesystemArchiveStore,
    archive_key,
)
from orchestra_shared.owners import owner_hash
from orchestra_shared.reaping import DELETED


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def once(data: bytes):  # type: ignore[no-untyped-def]
    yield data


def settings_for(directory: Path) -> ArchiveSettings:
    return ArchiveSettings(backend="filesystem", directory=directory)


async def test_the_owner_asks_for_an_export_lists_and_downloads_it_nobody_else_can(
    run_api: AppRunner, tmp_path: Path
) -> None:
    store = FilesystemArchiveStore(tmp_path, max_bytes=1 << 20)
    async with run_api(archives=settings_for(tmp_path)) as api, api.client() as client:
        name = await api.launched(learner(), "alpha")
        await api.set_phase(name, "Ready")
        asked = await client.post(f"/api/v1/instances/{name}/export", headers=learner())
        assert asked.status_code == 202, asked.text
        stranger = await client.post(f"/api/v1/instances/{name}/export", headers=learner(BOB))
        assert stranger.status_code == 404
        assert stranger.headers["content-type"] == "application/problem+json"
        row = await api.state.pool.fetchrow(
            "SELECT payload FROM outbox WHERE subject = 'orchestra.commands.export'"
        )
        assert row is not None
        assert json.loads(row["payload"])["instance"] == name

        # What the operator then writes into the store.
        saved = await store.put(
            archive_key(owner_hash(ADA), name, datetime.now(UTC)),
            once(tarball({"./notes.md": b"mine"})),
        )
        listed = await client.get("/api/v1/archives", headers=learner())
        assert listed.status_code == 200, listed.text
        [archive] = listed.json()
        assert (archive["id"], archive["instance"]) == (saved.archive_id, name)
        kept_until = datetime.fromisoformat(archive["expires_at"])
        assert kept_until - saved.created_at == api.settings.retention.archives

        got = await client.get(f"/api/v1/archives/{archive['id']}", headers=learner())
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/gzip"
        with tarfile.open(fileobj=io.BytesIO(got.content), mode="r:gz") as tar:
            assert tar.extractfile("./notes.md").read() == b"mine"  # type: ignore[union-attr]

        # Another learner, and even an admin, neither see nor fetch it.
        assert (await client.get("/api/v1/archives", headers=learner(BOB))).json() == []
        for who in (learner(BOB), admin()):
            refused = await client.get(f"/api/v1/archives/{archive['id']}", headers=who)
            assert refused.status_code == 404
            assert refused.headers["content-type"] == "application/problem+json"

        await api.set_phase(name, "Terminated")
        ended = await client.post(f"/api/v1/instances/{name}/export", headers=learner())
        assert ended.status_code == 409
        retention = (await client.get("/api/v1/retention", headers=learner())).json()
        assert retention["exports_enabled"] is True
        assert retention["archives_seconds"] == 30 * 86400


async def test_without_a_store_exports_are_refused_in_plain_words(run_api: AppRunner) -> None:
    async with run_api() as api, api.client() as client:
        name = await api.launched(learner(), "alpha")
        await api.set_phase(name, "Ready")
        response = await client.post(f"/api/v1/instances/{name}/export", headers=learner())
        assert response.status_code == 409
        assert response.json()["type"].endswith("/exports-off")


async def test_the_archives_reaper_deletes_exactly_those_past_their_period(tmp_path: Path) -> None:
    store = FilesystemArchiveStore(tmp_path, max_bytes=1 << 20)
    now = datetime(2026, 5, 1, tzinfo=UTC)
    old = await store.put(archive_key(owner_hash(ADA), "a-1", now - timedelta(days=31)), once(b"x"))
    edge = await store.put(
        archive_key(owner_hash(BOB), "b-1", now - timedelta(days=30)), once(b"x")
    )
    young = await store.put(
        archive_key(owner_hash(ADA), "a-2", now - timedelta(days=29)), once(b"x")
    )
    before = DELETED.labels("archives")._value.get()

    assert await reap_archives(store, keep_for=timedelta(days=30), now=now) == 2
    assert [a.key for a in await store.list()] == [young.key]
    assert await reap_archives(store, keep_for=timedelta(days=30), now=now) == 0  # idempotent
    assert DELETED.labels("archives")._value.get() - before == 2
    assert {old.key, edge.key}.isdisjoint(a.key for a in await store.list())

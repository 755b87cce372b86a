"""One contract, two stores: the filesystem and S3, the latter a real S3-compatible server.

The S3 server is moto's (``moto[server]``, from PyPI), started by the test on loopback on a
free port, spoken to over HTTP by boto3 exactly as an installation's S3 would be. Every
case runs against both stores: what the operator writes, the api lists, streams and
deletes the same way whichever the installation chose (docs/src/content/docs/decisions/0060).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import pytest_asyncio

from orchestra_devstack.probes import free_port
from orchestra_shared.archiving import (
    ArchiveMissing,
    ArchiveSettings,
    ArchiveStore,
    ArchiveTooLarge,
    FilesystemArchiveStore,
    S3ArchiveStore,
    archive_key,
    key_of_id,
)

ADA = "0123456789abcdef"
GRACE = "fedcba9876543210"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120  # moto imports for a while on a busy machine
        while True:
            try:
                client.create_bucket(Bucket="orchestra-archives")
                break
            except Exception:  # not answering yet
                if server.poll() is not None:
                    raise RuntimeError("moto's S3 server exited") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server never answered") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest_asyncio.fixture(params=["filesystem", "s3"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: str
) -> AsyncIterator[ArchiveStore]:
    made: ArchiveStore
    if request.param == "filesystem":
        made = FilesystemArchiveStore(tmp_path / "archives", max_bytes=1024)
    else:
        made = S3ArchiveStore(
            ArchiveSettings(
                backend="s3",
                bucket="orchestra-archives",
                prefix=f"{tmp_path.name}/",  # each case its own corner of the bucket
                endpoint_url=s3_endpoint,
                access_key_id="test",
                secret_access_key="test",
                max_bytes=1024,
            )
        )
    yield made
    await made.close()


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)
        yield part


async def read(store: ArchiveStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


async def test_what_is_put_is_listed_by_owner_read_back_and_deleted_once(
    store: ArchiveStore,
) -> None:
    mine = archive_key(ADA, "jupyter-ab12", NOW)
    later = archive_key(ADA, "jupyter-ab12", NOW + timedelta(hours=1))
    theirs = archive_key(GRACE, "rstudio-cd34", NOW)
    saved = await store.put(mine, chunks(b"hello ", b"world"))
    await store.put(later, chunks(b"later"))
    await store.put(theirs, chunks(b"not yours"))

    assert (saved.owner_hash, saved.instance, saved.created_at, saved.size) == (
        ADA, "jupyter-ab12", NOW, 11,
    )  # fmt: skip
    assert [a.key for a in await store.list(f"{ADA}/")] == [mine, later]
    assert [a.key for a in await store.list()] == [mine, later, theirs]
    assert await read(store, mine) == b"hello world"
    assert key_of_id(ADA, saved.archive_id) == mine

    assert await store.delete(mine) is True
    assert await store.delete(mine) is False  # idempotent: already gone
    with pytest.raises(ArchiveMissing):
        await store.open(mine)
    assert [a.key for a in await store.list()] == [later, theirs]


async def test_a_failed_or_oversized_write_leaves_nothing(store: ArchiveStore) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"half an archive"
        raise ConnectionResetError("the exec stream broke")

    with pytest.raises(ConnectionResetError):
        await store.put(archive_key(ADA, "jupyter-ab12", NOW), broken())
    with pytest.raises(ArchiveTooLarge):
        await store.put(archive_key(ADA, "jupyter-cd34", NOW), chunks(b"x" * 800, b"y" * 800))
    assert await store.list() == []


def test_an_archive_id_names_only_the_callers_own_keys() -> None:
    assert key_of_id(ADA, "jupyter-ab12.20260302T093000000000Z") == (
        f"{ADA}/jupyter-ab12/20260302T093000000000Z.tar.gz"
    )
    for forged in ("../x.20260302T093000000000Z", "jupyter-ab12", f"{GRACE}/a.b", "a/b.c"):
        assert key_of_id(ADA, forged) is None
